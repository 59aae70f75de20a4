/// Walks compiled nodes and writes the output. One renderer per render call.
struct TemplateRenderer {
    private let template: Template
    private let options: RenderOptions
    private var stack: [TemplateValue]
    private(set) var output: String = ""
    /// True when the last character written ended a line (indentation of standalone partials starts there).
    private var atLineStart = true

    static let maximumPartialDepth = 64
    /// The most nodes one render visits: a message of at most ten SMS parts needs a few hundred. Sections that
    /// loop over lists inside each other multiply: twelve nested loops over a 4-item list are 16 million passes,
    /// and each level more takes four times as long (found by fuzzing).
    static let maximumSteps = 20_000
    /// The most text one render writes; a message is at most a few SMS parts long.
    static let maximumOutputBytes = 1 << 20
    /// Nodes visited so far.
    private var steps = 0
    /// The outermost section being rendered: where a render that runs away is reported.
    private var outerSection: (file: String, location: SourceLocation?)?

    init(template: Template, options: RenderOptions, context: TemplateValue) {
        self.template = template
        self.options = options
        self.stack = [context]
        output.reserveCapacity(256)
    }

    mutating func render(_ nodes: [TemplateNode], file: String, indent: String, depth: Int)
        throws(TemplateError)
    {
        for node in nodes {
            steps += 1
            if steps > Self.maximumSteps || output.utf8.count > Self.maximumOutputBytes {
                throw tooLargeError(at: outerSection ?? (file, node.location))
            }
            switch node {
            case .text(let text):
                if indent.isEmpty {
                    output += text
                } else {
                    writeIndented(text, indent: indent)
                }
            case .variable(let name, let escaped, let location):
                let value = lookup(name)
                guard let text = value?.scalarText, !text.isEmpty else {
                    if options.strict {
                        throw missingFieldError(name, value: value, file: file, at: location)
                    }
                    continue
                }
                if !indent.isEmpty, atLineStart {
                    output += indent
                }
                atLineStart = false
                if escaped, options.escaping == .html {
                    Self.appendEscapingHTML(text, to: &output)
                } else {
                    output += text
                }
            case .section(let name, let inverted, let children, let location):
                let isOuter = outerSection == nil
                if isOuter { outerSection = (file, location) }
                defer { if isOuter { outerSection = nil } }
                let value = lookup(name)
                let truthy = value?.isTruthy ?? false
                if inverted {
                    if !truthy { try render(children, file: file, indent: indent, depth: depth) }
                } else if truthy, let value {
                    if case .array(let items) = value {
                        for item in items {
                            stack.append(item)
                            try render(children, file: file, indent: indent, depth: depth)
                            stack.removeLast()
                        }
                    } else {
                        stack.append(value)
                        try render(children, file: file, indent: indent, depth: depth)
                        stack.removeLast()
                    }
                }
            case .partial(let name, let partialIndent, let location):
                guard let nodes = template.partials[name] else { continue }
                guard depth < Self.maximumPartialDepth else {
                    throw TemplateError(
                        .partialRecursion, file: file, location: location,
                        message:
                            "partials nest more than \(Self.maximumPartialDepth) levels deep at {{> \(name)}}; "
                            + "a partial probably includes itself")
                }
                if !partialIndent.isEmpty { atLineStart = true }
                try render(
                    nodes, file: template.partialFiles[name] ?? file, indent: indent + partialIndent,
                    depth: depth + 1)
            }
        }
    }

    /// Writes template text, putting `indent` at the start of every line it begins.
    private mutating func writeIndented(_ text: String, indent: String) {
        var lineStart = text.utf8.startIndex
        let end = text.utf8.endIndex
        var index = lineStart
        while index < end {
            if atLineStart {
                output += indent
                atLineStart = false
            }
            if text.utf8[index] == UInt8(ascii: "\n") {
                let next = text.utf8.index(after: index)
                output += text[lineStart..<next]
                lineStart = next
                atLineStart = true
                index = next
            } else {
                index = text.utf8.index(after: index)
            }
        }
        if lineStart < end {
            output += text[lineStart..<end]
        }
    }

    // MARK: - Lookup

    private func lookup(_ name: FieldName) -> TemplateValue? {
        guard let first = name.parts.first else { return stack.last }
        var found: TemplateValue?
        for context in stack.reversed() {
            if let value = member(first, of: context) {
                found = value
                break
            }
        }
        guard var value = found else { return nil }
        for part in name.parts.dropFirst() {
            guard let next = member(part, of: value) else { return nil }
            value = next
        }
        return value
    }

    private func member(_ key: String, of value: TemplateValue) -> TemplateValue? {
        switch value {
        case .object(let members):
            return members[key]
        case .date(let date):
            switch key {
            case "iso": return .string(date.iso)
            case "date": return .string(DateText.date(date, options.language))
            case "weekday": return .string(DateText.weekday(date, options.language))
            case "relative":
                guard let today = options.today else { return nil }
                return .string(DateText.relative(date, from: today, options.language))
            default: return nil
            }
        default:
            return nil
        }
    }

    // MARK: - Errors

    private func tooLargeError(at place: (file: String, location: SourceLocation?)) -> TemplateError {
        TemplateError(
            .renderLimit, file: place.file, location: place.location,
            message:
                "rendering stopped: the message passed \(Self.maximumOutputBytes / 1024) KiB or "
                + "\(Self.maximumSteps) steps; sections that loop over lists inside each other multiply, so "
                + "loop over each list once")
    }

    private func missingFieldError(
        _ name: FieldName, value: TemplateValue?, file: String, at location: SourceLocation
    ) -> TemplateError {
        var problem: String
        switch value {
        case nil:
            problem = missingReason(name)
            if let last = name.parts.last, name.parts.count >= 2,
                MessageContext.derivedPatientFields.contains(last),
                name.parts[name.parts.count - 2] == "patient"
            {
                problem += " (it is derived from patient.name, which is missing or empty)"
            }
        case .null?:
            problem = "is null"
        case .string?:
            problem = "is empty"
        case .array?:
            problem = "is a list, not a single value; loop over it with {{#\(name)}}…{{/\(name)}}"
        case .object?:
            problem =
                "is a group of fields, not a single value; name one of its fields, e.g. {{\(name).name}}"
        default:
            problem = "has no printable value"
        }
        return TemplateError(
            .missingField, file: file, location: location,
            message:
                "field {{\(name)}} \(problem): a message is never sent with a hole in it. Give the field a "
                + "value, or make the text optional with {{#\(name)}}…{{/\(name)}}")
    }

    private func missingReason(_ name: FieldName) -> String {
        // Say which part of a dotted name broke, and explain derived date members.
        var prefix: [String] = []
        var value: TemplateValue?
        for part in name.parts {
            let next: TemplateValue?
            if prefix.isEmpty {
                next = stack.reversed().lazy.compactMap { self.member(part, of: $0) }.first
            } else {
                next = value.flatMap { member(part, of: $0) }
            }
            guard let next else {
                if let value, !prefix.isEmpty {
                    let owner = prefix.joined(separator: ".")
                    if ["date", "weekday", "relative", "iso"].contains(part) {
                        if case .date = value {
                            return "is missing (.relative needs the send date)"
                        }
                        return "is missing: \(owner) is not an ISO date (YYYY-MM-DD), so it has no .\(part)"
                    }
                    if case .object = value {
                        return "is missing (\(owner) has no field \"\(part)\")"
                    }
                    return "is missing (\(owner) is a single value, it has no field \"\(part)\")"
                }
                return prefix.isEmpty
                    ? "is missing" : "is missing (\(prefix.joined(separator: ".")) is missing)"
            }
            prefix.append(part)
            value = next
        }
        return "is missing"
    }

    // MARK: - Escaping

    static func appendEscapingHTML(_ text: String, to output: inout String) {
        let utf8 = text.utf8
        guard
            utf8.contains(where: {
                $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
                    || $0 == UInt8(ascii: "\"")
            })
        else {
            output += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.unicodeScalars.append(scalar)
            }
        }
    }
}

extension TemplateNode {
    /// Where the node's tag is in its file; `nil` for text.
    fileprivate var location: SourceLocation? {
        switch self {
        case .text: nil
        case .variable(_, _, let location), .section(_, _, _, let location), .partial(_, _, let location):
            location
        }
    }
}
