/// A TOML 1.0 parser that keeps the source position of every key and every value.
///
/// Configuration loaders use the positions to report problems as `careline.toml:12:9: window.hours: …`.
/// The parser never traps on malformed input: every problem, including nesting deeper than
/// ``maximumDepth``, is reported as a ``TOMLError``.
public enum TOML {
    /// The deepest nesting of tables and arrays a document may have; deeper input is rejected.
    ///
    /// Every table header part, dotted-key part, array and inline table adds one level.
    public static let maximumDepth = 128

    /// Parses a whole TOML document.
    ///
    /// A leading byte order mark (U+FEFF) is ignored and does not count as a column.
    ///
    /// - Parameter text: The document text.
    /// - Returns: The root table, with keys in document order.
    /// - Throws: ``TOMLError`` with the line and column of the first problem.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(text)
        return try parser.parseDocument()
    }
}
