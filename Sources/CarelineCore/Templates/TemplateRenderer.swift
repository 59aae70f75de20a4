/// The state of one slot of a render: not looked up yet, looked up and missing, or found.
enum SlotValue {
    case unresolved
    case missing
    case found(TemplateValue)
}

/// Walks a compiled template and writes the output. One renderer per render call.
///
/// Names are resolved the Mustache way: the first part in the innermost section value that has it, else in the
/// context. Prefixes resolved against the context are kept in `slots` (see ``RenderProgram``) for the rest of
/// the render; prefixes found in a section value are looked up each time.
struct TemplateRenderer {
    private let program: RenderProgram
    private let names: [RenderProgram.Name]
    private let options: RenderOptions
    private let root: TemplateValue
    /// The values of the open sections, innermost last (the context itself is `root`).
    private var frames: [TemplateValue] = []
    /// One entry per slot of the program, owned by the caller.
    private let slots: UnsafeMutableBufferPointer<SlotValue>
    /// The output as UTF-8 bytes: appending bytes to an array with room reserved costs a fraction of appending
    /// strings to a string (measured with callgrind: a third of a render's instructions went to `String` appends).
    private(set) var output: [UInt8] = []
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
    private var visited = 0
    /// The outermost section being rendered: where a render that runs away is reported.
    private var outerSection: (file: String, location: SourceLocation?)?

    /// A resolved name: a value, or a date text that is written without building a value.
    private enum Resolved {
        case value(TemplateValue)
        case dateText(LocalDate, DateField)
    }

    /// - Parameter slots: `program.slots.count` entries, all `.unresolved`.
    init(
        program: RenderProgram, options: RenderOptions, context: TemplateValue,
        slots: UnsafeMutableBufferPointer<SlotValue>
    ) {
        self.program = program
        self.names = program.names
        self.options = options
        self.root = context
        self.slots = slots
        output.reserveCapacity(program.sizeHint)
    }

    mutating func render(_ steps: [RenderProgram.Step], file: String, indent: String, depth: Int)
        throws(TemplateError)
    {
        for step in steps {
            visited += 1
            if visited > Self.maximumSteps || output.count > Self.maximumOutputBytes {
                throw tooLargeError(at: outerSection ?? (file, step.location))
            }
            switch step {
            case .text(let text):
                if indent.isEmpty {
                    output.append(contentsOf: text.utf8)
                } else {
                    writeIndented(text, indent: indent)
                }
            case .variable(let index, let escaped, let location):
                try writeVariable(index, escaped: escaped, file: file, indent: indent, at: location)
            case .section(let index, let inverted, let children, let location):
                let isOuter = outerSection == nil
                if isOuter { outerSection = (file, location) }
                defer { if isOuter { outerSection = nil } }
                let value = resolve(index).map(boxed)
                let truthy = value?.isTruthy ?? false
                if inverted {
                    if !truthy { try render(children, file: file, indent: indent, depth: depth) }
                } else if truthy, let value {
                    if case .array(let items) = value {
                        for item in items {
                            frames.append(item)
                            try render(children, file: file, indent: indent, depth: depth)
                            frames.removeLast()
                        }
                    } else {
                        frames.append(value)
                        try render(children, file: file, indent: indent, depth: depth)
                        frames.removeLast()
                    }
                }
            case .partial(let index, let name, let partialIndent, let location):
                guard index >= 0 else { continue }
                guard depth < Self.maximumPartialDepth else {
                    throw TemplateError(
                        .partialRecursion, file: file, location: location,
                        message:
                            "partials nest more than \(Self.maximumPartialDepth) levels deep at {{> \(name)}}; "
                            + "a partial probably includes itself")
                }
                if !partialIndent.isEmpty { atLineStart = true }
                let partial = program.partials[index]
                try render(
                    partial.steps, file: partial.file, indent: indent + partialIndent, depth: depth + 1)
            }
        }
    }

    /// Writes the value of a `{{name}}` tag, or throws (strict) / writes nothing (lenient) for a hole.
    private mutating func writeVariable(
        _ index: Int, escaped: Bool, file: String, indent: String, at location: SourceLocation
    ) throws(TemplateError) {
        switch resolve(index) {
        case .dateText(let date, let field)?:
            startValue(indent: indent)
            // Date texts hold no character HTML escaping changes. (Short enough to stay a small string: no
            // allocation.)
            var text = ""
            DateText.append(field, of: date, today: options.today, options.language, to: &text)
            output.append(contentsOf: text.utf8)
        case .value(.string(let text))? where !text.isEmpty:
            startValue(indent: indent)
            write(text, escaped: escaped)
        case .value(let value)?:
            guard let text = value.scalarText, !text.isEmpty else {
                try hole(index, file: file, at: location)
                return
            }
            startValue(indent: indent)
            write(text, escaped: escaped)
        case nil:
            try hole(index, file: file, at: location)
        }
    }

    private mutating func startValue(indent: String) {
        if !indent.isEmpty, atLineStart {
            output.append(contentsOf: indent.utf8)
        }
        atLineStart = false
    }

    private mutating func write(_ text: String, escaped: Bool) {
        if escaped, options.escaping == .html {
            Self.appendEscapingHTML(text, to: &output)
        } else {
            output.append(contentsOf: text.utf8)
        }
    }

    /// A missing, null or empty value: an error in strict mode, nothing in lenient mode.
    private func hole(_ index: Int, file: String, at location: SourceLocation) throws(TemplateError) {
        guard options.strict else { return }
        let name = names[index].field
        throw missingFieldError(name, value: lookup(name), file: file, at: location)
    }

    /// Writes template text, putting `indent` at the start of every line it begins.
    private mutating func writeIndented(_ text: String, indent: String) {
        var lineStart = text.utf8.startIndex
        let end = text.utf8.endIndex
        var index = lineStart
        while index < end {
            if atLineStart {
                output.append(contentsOf: indent.utf8)
                atLineStart = false
            }
            if text.utf8[index] == UInt8(ascii: "\n") {
                let next = text.utf8.index(after: index)
                output.append(contentsOf: text.utf8[lineStart..<next])
                lineStart = next
                atLineStart = true
                index = next
            } else {
                index = text.utf8.index(after: index)
            }
        }
        if lineStart < end {
            output.append(contentsOf: text.utf8[lineStart..<end])
        }
    }

    // MARK: - Resolution

    /// Resolves the name with this index: through the open sections, then through the context's slots.
    private mutating func resolve(_ index: Int) -> Resolved? {
        let name = names[index]
        guard name.slot >= 0 else { return .value(frames.last ?? root) }
        if !frames.isEmpty {
            let parts = name.field.parts
            for frame in frames.reversed() {
                guard let first = member(parts[0], of: frame) else { continue }
                // Found in a section value: walk the rest without slots (they hold context values only).
                guard parts.count > 1 else { return .value(first) }
                var value = first
                for part in parts.dropFirst().dropLast() {
                    guard let next = member(part, of: value) else { return nil }
                    value = next
                }
                return last(of: name, in: value)
            }
        }
        if name.ownerSlot < 0 {
            return slotValue(name.slot).map(Resolved.value)
        }
        guard let owner = slotValue(name.ownerSlot) else { return nil }
        return last(of: name, in: owner)
    }

    /// The last part of a name, taken from the value of the other parts.
    private func last(of name: RenderProgram.Name, in owner: TemplateValue) -> Resolved? {
        if let field = name.dateField, case .date(let date) = owner {
            if field == .relative, options.today == nil { return nil }
            return .dateText(date, field)
        }
        return member(name.last, of: owner).map(Resolved.value)
    }

    /// The value of a prefix resolved against the context, looked up once per render.
    private func slotValue(_ index: Int) -> TemplateValue? {
        switch slots[index] {
        case .found(let value):
            return value
        case .missing:
            return nil
        case .unresolved:
            let slot = program.slots[index]
            let value: TemplateValue?
            if slot.parent < 0 {
                value = member(slot.key, of: root)
            } else {
                value = slotValue(slot.parent).flatMap { member(slot.key, of: $0) }
            }
            slots[index] = value.map(SlotValue.found) ?? .missing
            return value
        }
    }

    private func boxed(_ resolved: Resolved) -> TemplateValue {
        switch resolved {
        case .value(let value): return value
        case .dateText(let date, let field):
            return .string(DateText.text(field, of: date, today: options.today ?? date, options.language))
        }
    }

    /// The whole context stack, outermost first, as the slow paths (error messages) see it.
    private var stack: [TemplateValue] { [root] + frames }

    /// Resolves a name the plain way, for error messages.
    private func lookup(_ name: FieldName) -> TemplateValue? {
        let stack = self.stack
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

    /// HTML escaping as above, into UTF-8 bytes.
    static func appendEscapingHTML(_ text: String, to output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): output.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): output.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): output.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): output.append(contentsOf: "&quot;".utf8)
            default: output.append(byte)
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
