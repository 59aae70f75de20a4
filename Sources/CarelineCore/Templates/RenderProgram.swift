/// A template compiled for rendering: what ``TemplateRenderer`` walks instead of the parsed nodes.
///
/// Compiled once per ``Template`` so that a render does no work that only depends on the template:
/// - every distinct dotted prefix of the names used (`patient`, `patient.recheck_date`, …) gets a slot. A render
///   resolves a prefix against the root context once and keeps it in that slot, so `{{patient.name}}` and
///   `{{patient.doctor}}` hash `patient` once instead of once per tag;
/// - names that end in a date member (`.date`, `.weekday`, `.relative`, `.iso`) know it, so the text is
///   written straight into the output instead of going through a boxed ``TemplateValue``;
/// - partials are numbered, so a `{{> name}}` tag is an array index rather than a dictionary lookup;
/// - the output size is estimated, so the output is allocated once.
final class RenderProgram: Sendable {
    /// A name as used by one tag.
    struct Name: Sendable {
        /// The name as written, for errors and the rare slow paths.
        let field: FieldName
        /// The slot of the whole name; −1 for the implicit iterator `.`.
        let slot: Int
        /// The slot of every part but the last; −1 for single-part names and `.`.
        let ownerSlot: Int
        /// The last part (`""` for `.`).
        let last: String
        /// The date member the last part names, when the name has an owner.
        let dateField: DateField?
    }

    /// One distinct dotted prefix: the member `key` of the prefix in slot `parent` (−1: of the context).
    struct Slot: Sendable {
        let parent: Int
        let key: String
    }

    /// One piece of a compiled template.
    enum Step: Sendable {
        /// Literal text.
        case text(String)
        /// A tag printing the name with this index in ``RenderProgram/names``.
        case variable(Int, escaped: Bool, at: SourceLocation)
        /// A section over the name with this index.
        case section(Int, inverted: Bool, children: [Step], at: SourceLocation)
        /// The partial with this index in ``RenderProgram/partials``; −1 when it is missing (renders nothing).
        case partial(Int, name: String, indent: String, at: SourceLocation)

        /// Where the step is in its file (`nil` for literal text).
        var location: SourceLocation? {
            switch self {
            case .text: nil
            case .variable(_, _, let location), .section(_, _, _, let location),
                .partial(_, _, _, let location):
                location
            }
        }
    }

    /// A compiled partial and the file it came from.
    struct Partial: Sendable {
        let file: String
        let steps: [Step]
    }

    let steps: [Step]
    let names: [Name]
    let slots: [Slot]
    let partials: [Partial]
    /// The output capacity reserved before a render: the literal text plus room for each value.
    let sizeHint: Int

    /// Bytes reserved for each interpolated value in ``sizeHint``.
    static let bytesPerValue = 32

    /// Compiles parsed nodes and the partials they reach.
    init(nodes: [TemplateNode], partials: [String: [TemplateNode]], partialFiles: [String: String]) {
        var compiler = Compiler(partialNames: partials.keys.sorted())
        self.steps = compiler.compile(nodes)
        self.partials = compiler.partialNames.map { name in
            Partial(file: partialFiles[name] ?? name, steps: compiler.compile(partials[name] ?? []))
        }
        self.names = compiler.names
        self.slots = compiler.slots
        self.sizeHint = max(32, compiler.textBytes + compiler.valueCount * Self.bytesPerValue)
    }

    private struct Compiler {
        let partialNames: [String]
        let partialIndex: [String: Int]
        var names: [Name] = []
        var slots: [Slot] = []
        var slotIndex: [SlotKey: Int] = [:]
        var textBytes = 0
        var valueCount = 0

        struct SlotKey: Hashable {
            let parent: Int
            let key: String
        }

        init(partialNames: [String]) {
            self.partialNames = partialNames
            var index: [String: Int] = [:]
            for (position, name) in partialNames.enumerated() { index[name] = position }
            self.partialIndex = index
        }

        mutating func compile(_ nodes: [TemplateNode]) -> [Step] {
            nodes.map { node in
                switch node {
                case .text(let text):
                    textBytes += text.utf8.count
                    return .text(text)
                case .variable(let name, let escaped, let location):
                    valueCount += 1
                    return .variable(add(name), escaped: escaped, at: location)
                case .section(let name, let inverted, let children, let location):
                    let index = add(name)
                    return .section(index, inverted: inverted, children: compile(children), at: location)
                case .partial(let name, let indent, let location):
                    return .partial(partialIndex[name] ?? -1, name: name, indent: indent, at: location)
                }
            }
        }

        /// Adds a name, giving each of its prefixes a slot; returns the name's index.
        private mutating func add(_ field: FieldName) -> Int {
            var parent = -1
            var owner = -1
            for (position, part) in field.parts.enumerated() {
                if position == field.parts.count - 1 { owner = parent }
                let key = SlotKey(parent: parent, key: part)
                if let existing = slotIndex[key] {
                    parent = existing
                } else {
                    slots.append(Slot(parent: parent, key: part))
                    slotIndex[key] = slots.count - 1
                    parent = slots.count - 1
                }
            }
            let last = field.parts.last ?? ""
            names.append(
                Name(
                    field: field, slot: parent, ownerSlot: owner, last: last,
                    dateField: field.parts.count >= 2 ? DateField(rawValue: last) : nil))
            return names.count - 1
        }
    }
}
