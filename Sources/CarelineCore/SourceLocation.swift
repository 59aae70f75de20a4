import Foundation

/// A position in a text file: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// `line:column`, the form used in every diagnostic.
    public var description: String { "\(line):\(column)" }
}

extension SourceLocation {
    /// Where the first byte that is not UTF-8 sits in a text file's bytes, and that byte.
    ///
    /// Lets an error about a file saved in another encoding (GBK, Latin-1, UTF-16 from a Windows editor) name
    /// the line and column instead of only the file. Columns count the Unicode scalars before the byte.
    /// - Parameter bytes: The file's contents.
    /// - Returns: The position and the byte, or `nil` when all of `bytes` is valid UTF-8.
    public static func firstInvalidUTF8(in bytes: Data) -> (location: SourceLocation, byte: UInt8)? {
        let array = [UInt8](bytes)
        let bad = array.withUnsafeBufferPointer { CSVReader.firstInvalidUTF8($0) }
        guard let bad else { return nil }
        var location = SourceLocation(line: 1, column: 1)
        for byte in array[..<bad] {
            if byte == UInt8(ascii: "\n") {
                location = SourceLocation(line: location.line + 1, column: 1)
            } else if byte & 0xC0 != 0x80 {
                location.column += 1
            }
        }
        return (location, array[bad])
    }

    /// The message for a file that is not UTF-8: the byte and what to do.
    ///
    /// - Parameter byte: The first byte that is not UTF-8.
    /// - Returns: E.g. `not valid UTF-8 (byte 0xB8); save the file as UTF-8 …`.
    public static func notUTF8Message(byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return
            "not valid UTF-8 (byte 0x\(hex.count < 2 ? "0" + hex : hex)); save the file as UTF-8 (it looks "
            + "saved in another encoding, such as GBK, Latin-1 or UTF-16)"
    }
}
