import Foundation

/// Parses Mustache text into nodes: variables, sections, inverted sections, comments, partials and set
/// delimiters, with the spec's standalone-line rules.
struct TemplateParser {
    private let bytes: [UInt8]
    private let file: String
    private let lineOffset: Int
    private let lineStarts: [Int]

    /// - Parameters:
    ///   - source: the template text (without front matter).
    ///   - file: the file name used in errors.
    ///   - firstLine: the line number of the first line of `source` in `file` (front matter moves it down).
    init(source: String, file: String, firstLine: Int = 1) {
        self.bytes = Array(source.utf8)
        self.file = file
        self.lineOffset = firstLine - 1
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            starts.append(index + 1)
        }
        self.lineStarts = starts
    }

    private struct OpenSection {
        var name: FieldName
        var inverted: Bool
        var location: SourceLocation
        var siblings: [TemplateNode]
    }

    /// Parses the whole source.
    ///
    /// - Throws: ``TemplateError`` with code `syntax` at the offending tag.
    func parse() throws(TemplateError) -> [TemplateNode] {
        var open: [UInt8] = Array("{{".utf8)
        var close: [UInt8] = Array("}}".utf8)
        var nodes: [TemplateNode] = []
        var sections: [OpenSection] = []
        var position = 0
        var textStart = 0
        var lastTagEnd = 0

        func appendText(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            let text = String(decoding: bytes[range], as: UTF8.self)
            if case .text(let previous)? = nodes.last {
                nodes[nodes.count - 1] = .text(previous + text)
            } else {
                nodes.append(.text(text))
            }
        }

        while let tagStart = find(open, from: position) {
            let location = self.location(of: tagStart)
            var cursor = tagStart + open.count
            let sigil: UInt8? = cursor < bytes.count ? bytes[cursor] : nil
            let kind: UInt8
            var contentEnd: Int
            var tagEnd: Int
            switch sigil {
            case UInt8(ascii: "{"):
                cursor += 1
                guard let end = find([UInt8(ascii: "}")] + close, from: cursor) else {
                    throw unclosedTag(at: location, close: "}" + String(decoding: close, as: UTF8.self))
                }
                kind = UInt8(ascii: "&")
                contentEnd = end
                tagEnd = end + 1 + close.count
            case UInt8(ascii: "="):
                cursor += 1
                guard let end = find([UInt8(ascii: "=")] + close, from: cursor) else {
                    throw unclosedTag(at: location, close: "=" + String(decoding: close, as: UTF8.self))
                }
                kind = UInt8(ascii: "=")
                contentEnd = end
                tagEnd = end + 1 + close.count
            default:
                if let sigil, "&#^/>!".utf8.contains(sigil) {
                    kind = sigil
                    cursor += 1
                } else {
                    kind = 0
                }
                guard let end = find(close, from: cursor) else {
                    throw unclosedTag(at: location, close: String(decoding: close, as: UTF8.self))
                }
                contentEnd = end
                tagEnd = end + close.count
            }
            let content = String(decoding: bytes[cursor..<contentEnd], as: UTF8.self)
                .trimmingCharacters(in: .whitespaces)

            // Standalone: the tag is alone on its line apart from spaces and tabs.
            var indent = ""
            var isStandalone = false
            if "#^/>!=".utf8.contains(kind) {
                let lineStart = lineStartIndex(containing: tagStart)
                if lastTagEnd <= lineStart, isBlank(lineStart..<tagStart),
                    let after = blankToLineEnd(from: tagEnd)
                {
                    isStandalone = true
                    indent = String(decoding: bytes[lineStart..<tagStart], as: UTF8.self)
                    appendText(textStart..<lineStart)
                    tagEnd = after
                }
            }
            if !isStandalone {
                appendText(textStart..<tagStart)
            }
            position = tagEnd
            textStart = tagEnd
            lastTagEnd = tagEnd

            switch kind {
            case UInt8(ascii: "!"):
                continue
            case UInt8(ascii: "="):
                let parts = content.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count == 2, !parts.contains(where: { $0.contains("=") }) else {
                    throw TemplateError(
                        .syntax, file: file, location: location,
                        message: "bad delimiter change {{=\(content)=}}: write two delimiters separated by a "
                            + "space, without '=' or spaces inside them, e.g. {{=<% %>=}}")
                }
                open = Array(parts[0].utf8)
                close = Array(parts[1].utf8)
            case UInt8(ascii: "#"), UInt8(ascii: "^"):
                let name = try fieldName(content, at: location)
                sections.append(
                    OpenSection(
                        name: name, inverted: kind == UInt8(ascii: "^"), location: location, siblings: nodes))
                nodes = []
            case UInt8(ascii: "/"):
                let name = try fieldName(content, at: location)
                guard let section = sections.popLast() else {
                    throw TemplateError(
                        .syntax, file: file, location: location,
                        message:
                            "closing tag {{/\(name)}} has no open section; remove it or add {{#\(name)}} before it"
                    )
                }
                guard section.name == name else {
                    throw TemplateError(
                        .syntax, file: file, location: location,
                        message:
                            "closing tag {{/\(name)}} does not match the open section {{\(section.inverted ? "^" : "#")"
                            + "\(section.name)}} at \(section.location); close that one first with {{/\(section.name)}}"
                    )
                }
                let children = nodes
                nodes = section.siblings
                nodes.append(
                    .section(
                        section.name, inverted: section.inverted, children: children, at: section.location))
            case UInt8(ascii: ">"):
                guard !content.isEmpty else {
                    throw TemplateError(
                        .syntax, file: file, location: location,
                        message: "partial tag without a name; write {{> name}}")
                }
                nodes.append(.partial(content, indent: indent, at: location))
            default:
                let name = try fieldName(content, at: location)
                nodes.append(.variable(name, escaped: kind == 0, at: location))
            }
        }
        appendText(textStart..<bytes.count)
        if let section = sections.last {
            throw TemplateError(
                .syntax, file: file, location: section.location,
                message: "section {{\(section.inverted ? "^" : "#")\(section.name)}} is never closed; "
                    + "add {{/\(section.name)}} where it should end")
        }
        return nodes
    }

    // MARK: - Pieces

    private func fieldName(_ text: String, at location: SourceLocation) throws(TemplateError) -> FieldName {
        guard !text.isEmpty else {
            throw TemplateError(
                .syntax, file: file, location: location, message: "empty tag {{}}: write a field name inside")
        }
        let name = FieldName(text)
        if text != ".", name.parts.contains(where: \.isEmpty) {
            throw TemplateError(
                .syntax, file: file, location: location,
                message:
                    "bad field name \"\(text)\": dotted names need a name between the dots, e.g. patient.name"
            )
        }
        if text.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            throw TemplateError(
                .syntax, file: file, location: location,
                message: "bad field name \"\(text)\": names have no spaces (is a closing delimiter missing?)")
        }
        return name
    }

    private func unclosedTag(at location: SourceLocation, close: String) -> TemplateError {
        TemplateError(
            .syntax, file: file, location: location,
            message: "tag is never closed: add \(close) after the name")
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, start < bytes.count else { return nil }
        var index = start
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == first {
                var matched = true
                var offset = 1
                while offset < needle.count {
                    if bytes[index + offset] != needle[offset] {
                        matched = false
                        break
                    }
                    offset += 1
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    private func isBlank(_ range: Range<Int>) -> Bool {
        bytes[range].allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    /// The index after the line end when only blanks follow `start` on its line, else `nil`.
    private func blankToLineEnd(from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                index += 1
            case UInt8(ascii: "\n"):
                return index + 1
            case UInt8(ascii: "\r") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n"):
                return index + 2
            default:
                return nil
            }
        }
        return index
    }

    private func lineStartIndex(containing offset: Int) -> Int {
        lineStarts[lineIndex(of: offset)]
    }

    private func lineIndex(of offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    func location(of offset: Int) -> SourceLocation {
        let line = lineIndex(of: offset)
        var column = 1
        for byte in bytes[lineStarts[line]..<offset] where byte & 0xC0 != 0x80 {
            column += 1
        }
        return SourceLocation(line: line + 1 + lineOffset, column: column)
    }
}
