/// A problem with a template, its data or a rendered message, located at `file:line:column` where known.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is. Extensible: new codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The template text is not valid Mustache.
        public static let syntax = Code("syntax")
        /// A field the message needs is missing, null or empty (strict mode).
        public static let missingField = Code("missing-field")
        /// A field name the template uses is not among the known fields.
        public static let unknownField = Code("unknown-field")
        /// A partial the template includes does not exist.
        public static let unknownPartial = Code("unknown-partial")
        /// Partials include each other in a cycle, or nest too deeply.
        public static let partialRecursion = Code("partial-recursion")
        /// Rendering ran away (sections looping over lists inside each other): too much output or work.
        public static let renderLimit = Code("render-limit")
        /// The rendered message needs more SMS parts than the template allows.
        public static let tooManySegments = Code("too-many-segments")
        /// The template or its message breaks a clinic policy (signature, opt-out line).
        public static let policy = Code("policy")
        /// The front matter is invalid.
        public static let frontMatter = Code("front-matter")
        /// No template with that name (or locale) exists.
        public static let notFound = Code("not-found")
        /// The data given to the template is unusable.
        public static let data = Code("data")
    }

    public var code: Code
    /// The file the problem is in, as given to the loader (relative paths stay relative).
    public var file: String
    /// Where in `file`, when known.
    public var location: SourceLocation?
    /// What is wrong and what to do about it.
    public var message: String

    public init(_ code: Code, file: String, location: SourceLocation?, message: String) {
        self.code = code
        self.file = file
        self.location = location
        self.message = message
    }

    /// `file:line:column: message` (or `file: message` without a location).
    public var description: String {
        if let location { return "\(file):\(location.line):\(location.column): \(message)" }
        return "\(file): \(message)"
    }
}
