/// A problem in `careline.toml`: names the file, the line and column, and the key as a dotted path.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is. Extensible.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file named by `--config` or `$CARELINE_CONFIG` does not exist.
        public static let notFound = Code("not-found")
        /// The file is not valid TOML.
        public static let syntax = Code("syntax")
        /// A key careline does not know.
        public static let unknownKey = Code("unknown-key")
        /// A value of the wrong type or out of range.
        public static let invalidValue = Code("invalid-value")
    }

    public var code: Code
    public var file: String
    public var location: SourceLocation?
    /// The key as a dotted path (`clinic.timezone`), when the problem is about one key.
    public var key: String?
    public var message: String

    public init(_ code: Code, file: String, location: SourceLocation?, key: String?, message: String) {
        self.code = code
        self.file = file
        self.location = location
        self.key = key
        self.message = message
    }

    /// `careline.toml:4:12: clinic.timezone: unknown time zone …`
    public var description: String {
        var text = file
        if let location { text += ":\(location)" }
        text += ": "
        if let key { text += "\(key): " }
        return text + message
    }
}
