/// How a template is rendered: care-message mode (the default: raw text, strict) or spec mode.
public struct RenderOptions: Sendable, Equatable {
    /// Whether `{{x}}` escapes HTML. Triple mustaches and `{{& x}}` never escape.
    public enum Escaping: String, Sendable, CaseIterable {
        case none
        case html
    }

    /// `.none` for SMS bodies; `.html` in spec mode.
    public var escaping: Escaping
    /// Strict: interpolating a missing, null or empty field is an error. Lenient: it prints nothing.
    public var strict: Bool
    /// The language of derived texts (`.date`, `.weekday`, `.relative`).
    public var language: MessageLanguage
    /// The send date in the recipient's time zone, for `.relative`; `nil` when unknown.
    public var today: LocalDate?

    public init(
        escaping: Escaping = .none, strict: Bool = true, language: MessageLanguage = .en,
        today: LocalDate? = nil
    ) {
        self.escaping = escaping
        self.strict = strict
        self.language = language
        self.today = today
    }

    /// The Mustache spec's behaviour: HTML escaping, missing fields print nothing.
    public static let spec = RenderOptions(escaping: .html, strict: false)
}

/// A compiled template: parsed once with all the partials it can reach, rendered many times.
///
/// A `Template` is an immutable value; rendering is thread-safe.
public struct Template: Sendable {
    /// The file the template came from, used in errors.
    public let file: String
    let nodes: [TemplateNode]
    /// Every partial reachable from this template, by name.
    let partials: [String: [TemplateNode]]
    /// The file of each partial, for errors inside it.
    let partialFiles: [String: String]
    /// The compiled form the renderer walks.
    let program: RenderProgram

    /// Where a partial's text comes from.
    public struct PartialSource: Sendable {
        public var text: String
        public var file: String
        public var firstLine: Int

        public init(text: String, file: String, firstLine: Int = 1) {
            self.text = text
            self.file = file
            self.firstLine = firstLine
        }
    }

    /// Compiles a template and every partial it reaches.
    ///
    /// - Parameters:
    ///   - source: the template text (without front matter).
    ///   - file: the file name used in errors.
    ///   - firstLine: the line of `file` on which `source` starts.
    ///   - requirePartials: when true, a partial the loader cannot find is an error; otherwise it renders empty.
    ///   - partial: looks a partial up by name; `nil` when there is none.
    /// - Throws: ``TemplateError`` for a syntax error in the template or a partial, or a missing partial.
    public init(
        source: String, file: String, firstLine: Int = 1, requirePartials: Bool = true,
        partial: (String) throws(TemplateError) -> PartialSource?
    ) throws(TemplateError) {
        self.file = file
        self.nodes = try TemplateParser(source: source, file: file, firstLine: firstLine).parse()
        var partials: [String: [TemplateNode]] = [:]
        var partialFiles: [String: String] = [:]
        var pending: [(name: String, file: String, location: SourceLocation)] = []
        Self.collectPartials(in: nodes, file: file, into: &pending)
        var missing: Set<String> = []
        while let next = pending.popLast() {
            guard partials[next.name] == nil, !missing.contains(next.name) else { continue }
            guard let found = try partial(next.name) else {
                if requirePartials {
                    throw TemplateError(
                        .unknownPartial, file: next.file, location: next.location,
                        message:
                            "unknown partial {{> \(next.name)}}: there is no partials/\(next.name).mustache "
                            + "(or a locale variant of it); create it or fix the name")
                }
                missing.insert(next.name)
                continue
            }
            let parsed = try TemplateParser(source: found.text, file: found.file, firstLine: found.firstLine)
                .parse()
            partials[next.name] = parsed
            partialFiles[next.name] = found.file
            Self.collectPartials(in: parsed, file: found.file, into: &pending)
        }
        self.partials = partials
        self.partialFiles = partialFiles
        self.program = RenderProgram(nodes: nodes, partials: partials, partialFiles: partialFiles)
    }

    /// Compiles a template whose partials are given as texts (the spec's form).
    public init(
        source: String, file: String = "<template>", partials: [String: String], requirePartials: Bool = false
    ) throws(TemplateError) {
        try self.init(source: source, file: file, requirePartials: requirePartials) { name in
            partials[name].map { PartialSource(text: $0, file: "partials/\(name)") }
        }
    }

    private static func collectPartials(
        in nodes: [TemplateNode], file: String,
        into pending: inout [(name: String, file: String, location: SourceLocation)]
    ) {
        for node in nodes {
            switch node {
            case .partial(let name, _, let location): pending.append((name, file, location))
            case .section(_, _, let children, _): collectPartials(in: children, file: file, into: &pending)
            case .text, .variable: break
            }
        }
    }

    /// Renders the template for one context.
    ///
    /// - Throws: ``TemplateError`` with code `missingField` (strict mode) naming the field and its
    ///   `file:line:column`, or `partialRecursion` when partials nest deeper than 64 levels.
    public func render(_ context: TemplateValue, options: RenderOptions = RenderOptions())
        throws(TemplateError)
        -> String
    {
        let program = self.program
        let file = self.file
        // The slots live on the stack for the duration of the render: no allocation besides the output.
        return try withUnsafeTemporaryAllocation(of: SlotValue.self, capacity: program.slots.count) {
            (slots) throws(TemplateError) -> String in
            slots.initialize(repeating: .unresolved)
            defer { slots.deinitialize() }
            var renderer = TemplateRenderer(
                program: program, options: options, context: context, slots: slots)
            try renderer.render(program.steps, file: file, indent: "", depth: 0)
            // Whole values and literals were appended, so the bytes are valid UTF-8.
            return String(decoding: renderer.output, as: UTF8.self)
        }
    }
}
