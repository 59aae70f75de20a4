/// A syntax or structure error in a TOML document, with the position where it was found.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line and column (counted in Unicode scalars) of the problem.
    public var location: SourceLocation
    /// What is wrong, naming the key path where it is known, without the offending value.
    public var message: String

    /// Creates an error at a position.
    ///
    /// - Parameters:
    ///   - location: Where the problem is.
    ///   - message: What is wrong.
    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    /// `LINE:COLUMN: message`; prefix the file name when showing it to a user.
    public var description: String { "\(location): \(message)" }
}
