import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One CSV record (row) with the position of each of its fields.
public struct CSVRecord: Sendable, Equatable {
    /// The 1-based physical line where the record starts.
    public var line: Int
    /// The field values, unquoted and unescaped.
    public var fields: [String]
    /// The 1-based column (in Unicode scalars) where each field starts on its line.
    ///
    /// For a quoted field this is the column of the opening quote.
    public var columns: [Int]
    /// The line where each field starts, or `nil` when every field starts on `line`.
    ///
    /// Only records with a quoted field spanning several lines carry this array.
    public var fieldLines: [Int]?

    /// Creates a record.
    /// - Parameters:
    ///   - line: The 1-based line where the record starts.
    ///   - fields: The field values.
    ///   - columns: The 1-based start column of each field.
    ///   - fieldLines: The start line of each field, or `nil` when all start on `line`.
    public init(line: Int, fields: [String], columns: [Int], fieldLines: [Int]? = nil) {
        self.line = line
        self.fields = fields
        self.columns = columns
        self.fieldLines = fieldLines
    }

    /// The position where field `index` starts, for diagnostics about a field's value.
    /// - Parameter index: A valid index into `fields`.
    /// - Returns: The line and column of the field's first character (its opening quote when quoted).
    public func location(ofField index: Int) -> SourceLocation {
        SourceLocation(line: fieldLines?[index] ?? line, column: columns[index])
    }
}

/// A CSV syntax, encoding, size or I/O problem, with the position where it occurs.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: Sendable, Equatable {
        /// End of input inside a quoted field; the position is the opening quote.
        case unterminatedQuote
        /// A `"` inside an unquoted field; the position is that quote.
        case strayQuote
        /// A character other than `,` or a line end after a closing quote; the position is that character.
        case textAfterQuote
        /// Bytes that are not UTF-8; the position is the first byte of the bad sequence.
        case invalidUTF8
        /// A field longer than the reader's `maxFieldBytes`; the position is the start of the field.
        case fieldTooLarge
        /// The file cannot be opened or read.
        case io
    }

    /// The kind of problem.
    public var code: Code
    /// The 1-based line of the problem, or 0 when there is no position (the file cannot be opened).
    public var line: Int
    /// The 1-based column (in Unicode scalars) of the problem, or 0 when there is no position.
    public var column: Int
    /// What is wrong and what to do about it.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - line: The 1-based line, or 0 when there is no position.
    ///   - column: The 1-based column, or 0 when there is no position.
    ///   - message: What is wrong and what to do.
    public init(code: Code, line: Int, column: Int, message: String) {
        self.code = code
        self.line = line
        self.column = column
        self.message = message
    }

    /// The position of the problem.
    public var location: SourceLocation { SourceLocation(line: line, column: column) }

    /// `LINE:COLUMN: message`.
    public var description: String { "\(line):\(column): \(message)" }
}

/// A streaming RFC 4180 CSV reader for UTF-8 input that reports exact line and column positions.
///
/// Syntax: fields are separated by `,`; a field may be enclosed in `"`, and then may contain `,`, CR
/// and LF, with `""` standing for one `"`. Records end at LF, CRLF, or a lone CR outside quotes (some
/// exporters write lone CR line ends; a lone CR also counts as a line break for line numbers). A UTF-8
/// byte order mark at the very start is skipped. A final record without a line end is returned.
///
/// Empty lines: an empty line between records is returned as a record with one empty field (the caller
/// decides what it means); empty lines at the end of the input are not records.
///
/// Errors and recovery: after any error except `unterminatedQuote` and `io`, the rest of the bad record
/// is skipped (leniently, honouring quotes that open a field so that a quoted line break does not end it)
/// and the next call to ``next()`` continues with the following record, so that all bad records of a
/// file can be reported in one pass. After `unterminatedQuote` (which only happens at the end of the
/// input) and after `io`, ``next()`` returns `nil`.
///
/// Positions: lines are 1-based physical lines (LF, CRLF and a lone CR each end one, inside quotes too);
/// columns are 1-based and count Unicode scalars, not bytes; the BOM is not counted.
///
/// Memory is bounded: the reader keeps one chunk of input plus at most `maxFieldBytes` for a field that
/// spans chunks or contains `""`; a longer field fails with `fieldTooLarge` as soon as the limit is
/// passed. Not thread-safe: use one reader from one task.
///
/// ```swift
/// let reader = try CSVReader(url: url)
/// while true {
///     do {
///         guard let record = try reader.next() else { break }
///         // use record.fields, record.location(ofField:)
///     } catch {
///         problems.append(error)   // a CSVError; the reader continues with the next record
///     }
/// }
/// ```
public final class CSVReader {
    private var scanner: CSVScanner

    /// The size of the input in bytes, when known (a regular file or in-memory data).
    public let totalBytes: Int?

    /// The number of input bytes consumed so far, for progress reporting.
    public var bytesRead: Int { scanner.bytesRead }

    /// Opens a CSV file for streaming.
    /// - Parameters:
    ///   - url: A file URL.
    ///   - maxFieldBytes: The largest allowed field, in UTF-8 bytes after unescaping.
    ///   - chunkSize: How many bytes to read from the file at a time (clamped to 1 byte ... 64 MiB).
    /// - Throws: `CSVError` with code `io` (at 0:0) when the file cannot be opened.
    public init(url: URL, maxFieldBytes: Int = 1 << 20, chunkSize: Int = 1 << 16) throws(CSVError) {
        let path = url.path
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw CSVError(
                code: .io, line: 0, column: 0,
                message: "cannot open \(path): \(reason); check the path and the file's permissions")
        }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG {
            totalBytes = Int(info.st_size)
        } else {
            totalBytes = nil
        }
        scanner = CSVScanner(
            source: .file(fd, path: path), maxFieldBytes: maxFieldBytes, chunkSize: chunkSize)
    }

    /// Creates a reader over CSV data in memory (read in chunks, like a file).
    /// - Parameters:
    ///   - data: The CSV bytes.
    ///   - maxFieldBytes: The largest allowed field, in UTF-8 bytes after unescaping.
    ///   - chunkSize: How many bytes to take from `data` at a time (small values exercise chunk joins).
    public init(data: Data, maxFieldBytes: Int = 1 << 20, chunkSize: Int = 1 << 16) {
        totalBytes = data.count
        scanner = CSVScanner(
            source: .memory(data, offset: 0), maxFieldBytes: maxFieldBytes, chunkSize: chunkSize)
    }

    /// Creates a reader over CSV text.
    /// - Parameter string: The CSV text.
    public convenience init(string: String) {
        self.init(data: Data(string.utf8))
    }

    deinit {
        scanner.release()
    }

    /// Reads the next record.
    /// - Returns: The record, or `nil` at the end of the input.
    /// - Throws: `CSVError` for a bad record; calling `next()` again continues with the following record
    ///   (see the type's documentation for recovery).
    public func next() throws(CSVError) -> CSVRecord? {
        try scanner.next()
    }

    /// The offset of the first byte of the first ill-formed UTF-8 sequence, or `nil` when well-formed.
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        CSVScanner.validateUTF8(bytes).bad
    }
}

/// The reader's state and parsing code; a struct so that its hot loops need no dynamic exclusivity checks.
private struct CSVScanner {
    enum Source {
        case file(Int32, path: String)
        case memory(Data, offset: Int)
    }

    private enum Resync: Equatable {
        case none
        case unquoted
        case quoted(afterCR: Bool)
    }

    private static let quote: UInt8 = 0x22
    private static let comma: UInt8 = 0x2C
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    private var source: Source
    private let storage: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private let chunkSize: Int
    private let maxFieldBytes: Int
    private var pos = 0
    private var end = 0
    private var base = 0
    private var eof = false
    private var started = false
    private var finished = false
    private var pendingLF = false
    private var resync = Resync.none
    private var pendingEmpty = 0
    private var emptyLine = 0
    private var line = 1
    private var col = 1
    private var field: [UInt8] = []
    private var fieldHint = 8

    var bytesRead: Int { base + pos }

    init(source: Source, maxFieldBytes: Int, chunkSize: Int) {
        self.source = source
        self.chunkSize = min(max(1, chunkSize), 1 << 26)
        self.maxFieldBytes = max(0, maxFieldBytes)
        capacity = self.chunkSize + 4
        storage = .allocate(capacity: capacity)
    }

    /// Closes the file and frees the buffer; called once by the owning reader.
    func release() {
        if case .file(let fd, _) = source { close(fd) }
        storage.deallocate()
    }

    mutating func next() throws(CSVError) -> CSVRecord? {
        if finished { return nil }
        if !started {
            started = true
            try fill(atLeast: 3)
            if end - pos >= 3 && storage[pos] == 0xEF && storage[pos + 1] == 0xBB
                && storage[pos + 2] == 0xBF
            {
                pos += 3
            }
        }
        if resync != .none { try skipRestOfRecord() }
        if pendingEmpty > 0 {
            pendingEmpty -= 1
            emptyLine += 1
            return CSVRecord(line: emptyLine - 1, fields: [""], columns: [1])
        }
        // Line ends here are the LF of a CRLF that ended the previous record, or empty lines.
        var blanks = 0
        let firstBlank = line
        while true {
            if pos == end {
                try fill(atLeast: 1)
                if pos == end {
                    finished = true
                    return nil
                }
            }
            let c = storage[pos]
            if c == Self.lf {
                pos += 1
                if pendingLF {
                    pendingLF = false
                } else {
                    line += 1
                    blanks += 1
                }
                continue
            }
            pendingLF = false
            if c == Self.cr {
                pos += 1
                line += 1
                blanks += 1
                pendingLF = true
                continue
            }
            break
        }
        if blanks > 0 {
            pendingEmpty = blanks - 1
            emptyLine = firstBlank + 1
            return CSVRecord(line: firstBlank, fields: [""], columns: [1])
        }
        return try readRecord()
    }

    // MARK: - Records and fields

    private mutating func readRecord() throws(CSVError) -> CSVRecord {
        let recordLine = line
        var fields: [String] = []
        fields.reserveCapacity(fieldHint)
        var columns: [Int] = []
        columns.reserveCapacity(fieldHint)
        var fieldLines: [Int]?
        while true {
            if pos == end { try fill(atLeast: 1) }
            let fieldLine = line
            let fieldColumn = col
            if fieldLine != recordLine && fieldLines == nil {
                fieldLines = Array(repeating: recordLine, count: fields.count)
            }
            fieldLines?.append(fieldLine)
            columns.append(fieldColumn)
            if pos < end && storage[pos] == Self.quote {
                fields.append(try readQuoted(line: fieldLine, column: fieldColumn))
            } else {
                fields.append(try readUnquoted(line: fieldLine, column: fieldColumn))
            }
            if pos == end { try fill(atLeast: 1) }
            if pos == end { break }
            let terminator = storage[pos]
            pos += 1
            if terminator == Self.comma {
                col += 1
                continue
            }
            line += 1
            col = 1
            pendingLF = terminator == Self.cr
            break
        }
        fieldHint = fields.count
        return CSVRecord(line: recordLine, fields: fields, columns: columns, fieldLines: fieldLines)
    }

    /// Reads an unquoted field; on return `pos` is at its terminator (`,`, LF, CR) or at the end.
    @inline(__always)
    private mutating func readUnquoted(
        line fieldLine: Int, column fieldColumn: Int
    ) throws(CSVError) -> String {
        let s = storage
        var p = pos
        var start = p
        var ored: UInt8 = 0
        while true {
            let allowance = maxFieldBytes - field.count
            let room = end - p
            let limit = allowance < room ? p + allowance + 1 : end
            p = Self.scan(s, from: p, to: limit, stopAtComma: true, ored: &ored)
            if p < limit {
                pos = p
                if s[p] == Self.quote {
                    try checkPrefix(
                        s + start, count: p - start, ored: ored, line: fieldLine, column: fieldColumn)
                    let column =
                        fieldColumn + Self.scalarCount(field) + (p - start)
                        - Self.continuationCount(s + start, count: p - start)
                    field.removeAll(keepingCapacity: true)
                    resync = .unquoted
                    throw CSVError(
                        code: .strayQuote, line: fieldLine, column: column,
                        message: "unexpected quote inside an unquoted field; enclose the whole field in "
                            + "quotes and write each inner quote as \"\"")
                }
                return try makeValue(
                    s + start, count: p - start, ored: ored, quoted: false,
                    line: fieldLine, column: fieldColumn)
            }
            if field.count + (p - start) > maxFieldBytes {
                pos = p
                field.removeAll(keepingCapacity: true)
                resync = .unquoted
                throw tooLarge(line: fieldLine, column: fieldColumn, quoted: false)
            }
            // The field continues in the next chunk.
            field.append(contentsOf: UnsafeBufferPointer(start: s + start, count: p - start))
            pos = p
            try fill(atLeast: 1)
            p = pos
            start = p
            if p == end {
                return try makeValue(
                    s + start, count: 0, ored: ored, quoted: false,
                    line: fieldLine, column: fieldColumn)
            }
        }
    }

    /// Reads a quoted field starting at its opening quote; on return `pos` is just after the closing quote.
    private mutating func readQuoted(
        line fieldLine: Int, column fieldColumn: Int
    ) throws(CSVError) -> String {
        let s = storage
        pos += 1
        col += 1
        var p = pos
        var start = p  // first content byte not yet copied into `field`
        var segmentStart = p  // first byte whose column is not yet counted
        var segmentOred: UInt8 = 0
        var ored: UInt8 = 0
        var afterCR = false
        while true {
            if p == end {
                col += Self.scalarCount(s + segmentStart, count: p - segmentStart, ored: segmentOred)
                ored |= segmentOred
                segmentOred = 0
                field.append(contentsOf: UnsafeBufferPointer(start: s + start, count: p - start))
                pos = p
                try fill(atLeast: 1)
                p = pos
                start = p
                segmentStart = p
                if p == end {
                    field.removeAll(keepingCapacity: true)
                    finished = true
                    throw CSVError(
                        code: .unterminatedQuote, line: fieldLine, column: fieldColumn,
                        message: "unterminated quoted field (the quote opened here is never closed); "
                            + "close it with \" or escape inner quotes as \"\"")
                }
            }
            let used = field.count + (p - start)
            if used > maxFieldBytes {
                pos = p
                field.removeAll(keepingCapacity: true)
                resync = .quoted(afterCR: afterCR)
                throw tooLarge(line: fieldLine, column: fieldColumn, quoted: true)
            }
            let allowance = maxFieldBytes - used
            let room = end - p
            let limit = allowance < room ? p + allowance + 1 : end
            let q = Self.scan(s, from: p, to: limit, stopAtComma: false, ored: &segmentOred)
            if q > p { afterCR = false }
            p = q
            if field.count + (p - start) > maxFieldBytes {
                pos = p
                field.removeAll(keepingCapacity: true)
                resync = .quoted(afterCR: afterCR)
                throw tooLarge(line: fieldLine, column: fieldColumn, quoted: true)
            }
            if p == end { continue }
            let c = s[p]
            ored |= segmentOred
            if c != Self.quote {
                // A line break inside the quotes: content, and a new physical line.
                if c == Self.cr {
                    line += 1
                    afterCR = true
                } else {
                    if !afterCR { line += 1 }
                    afterCR = false
                }
                col = 1
                segmentOred = 0
                p += 1
                segmentStart = p
                continue
            }
            afterCR = false
            col += Self.scalarCount(s + segmentStart, count: p - segmentStart, ored: segmentOred)
            segmentOred = 0
            if p + 1 < end {
                let after = s[p + 1]
                if after == Self.quote {
                    // An escaped quote: keep the content up to and including the first quote.
                    field.append(contentsOf: UnsafeBufferPointer(start: s + start, count: p + 1 - start))
                    col += 2
                    p += 2
                    start = p
                    segmentStart = p
                    continue
                }
                col += 1
                pos = p + 1
                return try finishQuoted(
                    s + start, count: p - start, ored: ored, next: after,
                    line: fieldLine, column: fieldColumn)
            }
            // The quote is the last byte of the chunk: look at the next chunk.
            field.append(contentsOf: UnsafeBufferPointer(start: s + start, count: p - start))
            pos = p + 1
            try fill(atLeast: 1)
            p = pos
            start = p
            segmentStart = p
            if p < end && s[p] == Self.quote {
                field.append(Self.quote)
                col += 2
                p += 1
                start = p
                segmentStart = p
                continue
            }
            col += 1
            return try finishQuoted(
                s + p, count: 0, ored: ored, next: p < end ? s[p] : nil,
                line: fieldLine, column: fieldColumn)
        }
    }

    /// Checks what follows a closing quote and builds the value of a quoted field.
    private mutating func finishQuoted(
        _ tail: UnsafePointer<UInt8>, count: Int, ored: UInt8, next: UInt8?, line fieldLine: Int, column: Int
    ) throws(CSVError) -> String {
        if let next, next != Self.comma && next != Self.lf && next != Self.cr {
            try checkPrefix(tail, count: count, ored: ored, line: fieldLine, column: column + 1, quoted: true)
            field.removeAll(keepingCapacity: true)
            resync = .unquoted
            throw CSVError(
                code: .textAfterQuote, line: line, column: col,
                message: "unexpected text after a closing quote; put a comma right after the closing quote, "
                    + "or write the quote as \"\" if it belongs to the text")
        }
        return try makeValue(
            tail, count: count, ored: ored, quoted: true, line: fieldLine, column: column + 1)
    }

    /// Builds the value from `field` followed by `count` bytes at `tail`, validating UTF-8.
    ///
    /// For an unquoted field this also advances the column past the field. `line` and `column` are where
    /// the content starts (after an opening quote), for the error position.
    @inline(__always)
    private mutating func makeValue(
        _ tail: UnsafePointer<UInt8>, count: Int, ored: UInt8, quoted: Bool, line: Int, column: Int
    ) throws(CSVError) -> String {
        if field.isEmpty {
            let bytes = UnsafeBufferPointer(start: tail, count: count)
            if ored < 0x80 {
                if !quoted { col += count }
                // ASCII decoding builds the same string as UTF-8 decoding for ASCII bytes, only faster.
                return String(decoding: bytes, as: Unicode.ASCII.self)
            }
            let (bad, scalars) = Self.validateUTF8(bytes)
            if bad != nil {
                resync = .unquoted
                throw invalidUTF8(bytes, quoted: quoted, line: line, column: column)
            }
            if !quoted { col += scalars }
            return String(decoding: bytes, as: UTF8.self)
        }
        field.append(contentsOf: UnsafeBufferPointer(start: tail, count: count))
        defer { field.removeAll(keepingCapacity: true) }
        var scalars = field.count
        if ored >= 0x80 {
            let (bad, count) = field.withUnsafeBufferPointer(Self.validateUTF8)
            if bad != nil {
                resync = .unquoted
                throw field.withUnsafeBufferPointer {
                    invalidUTF8($0, quoted: quoted, line: line, column: column)
                }
            }
            scalars = count
        }
        if !quoted { col += scalars }
        return field.withUnsafeBufferPointer { bytes in
            ored < 0x80
                ? String(decoding: bytes, as: Unicode.ASCII.self) : String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Throws `invalidUTF8` when `field` followed by the tail bytes is not UTF-8 (before another error).
    private mutating func checkPrefix(
        _ tail: UnsafePointer<UInt8>, count: Int, ored: UInt8, line: Int, column: Int, quoted: Bool = false
    ) throws(CSVError) {
        if ored < 0x80 { return }
        var bytes = field
        bytes.append(contentsOf: UnsafeBufferPointer(start: tail, count: count))
        let error: CSVError? = bytes.withUnsafeBufferPointer { buffer in
            Self.validateUTF8(buffer).bad == nil
                ? nil : invalidUTF8(buffer, quoted: quoted, line: line, column: column)
        }
        if let error {
            field.removeAll(keepingCapacity: true)
            resync = .unquoted
            throw error
        }
    }

    // MARK: - Errors

    private func tooLarge(line: Int, column: Int, quoted: Bool) -> CSVError {
        // The limit is not a setting a coordinator can change: say what in the file to fix instead.
        let hint =
            quoted
            ? "; check that the quote opened here is closed where the field should end, or leave this column "
                + "out of the export"
            : "; check that this is a comma-separated patients export, or leave this column out of the export"
        return CSVError(
            code: .fieldTooLarge, line: line, column: column,
            message: "field longer than \(maxFieldBytes) bytes (the most careline reads in one field)" + hint)
    }

    /// The `invalidUTF8` error for field content that starts at `line`:`column` (after any opening quote).
    private func invalidUTF8(
        _ bytes: UnsafeBufferPointer<UInt8>, quoted: Bool, line: Int, column: Int
    ) -> CSVError {
        let bad = Self.validateUTF8(bytes).bad ?? 0
        var line = line
        var column = column
        var afterCR = false
        for i in 0..<min(bad, bytes.count) {
            let c = bytes[i]
            if c == Self.lf {
                if !afterCR { line += 1 }
                column = 1
            } else if c == Self.cr {
                line += 1
                column = 1
            } else if c == Self.quote && quoted {
                column += 2
            } else if c & 0xC0 != 0x80 {
                column += 1
            }
            afterCR = c == Self.cr
        }
        let byte = bad < bytes.count ? bytes[bad] : 0
        let hex = String(byte, radix: 16, uppercase: true)
        return CSVError(
            code: .invalidUTF8, line: line, column: column,
            message: "invalid UTF-8 (byte 0x\(hex.count < 2 ? "0" + hex : hex)); "
                + "export or save the file as UTF-8 (not Latin-1 or Windows-1252) and import it again")
    }

    /// Strict UTF-8 validation (no overlongs, surrogates or values above U+10FFFF).
    /// - Returns: The offset of the first byte of the first ill-formed sequence, or `nil` when the bytes
    ///   are well-formed; and the number of scalars before that offset (or in all the bytes).
    static func validateUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> (bad: Int?, scalars: Int) {
        let n = bytes.count
        var i = 0
        var scalars = 0
        while i < n {
            let c = bytes[i]
            if c < 0x80 {
                i += 1
                scalars += 1
                continue
            }
            var need = 0
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0:
                need = 2
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED:
                need = 2
                high = 0x9F
            case 0xF0:
                need = 3
                low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4:
                need = 3
                high = 0x8F
            default: return (i, scalars)
            }
            if n - i <= need || bytes[i + 1] < low || bytes[i + 1] > high { return (i, scalars) }
            if need >= 2 && bytes[i + 2] & 0xC0 != 0x80 { return (i, scalars) }
            if need == 3 && bytes[i + 3] & 0xC0 != 0x80 { return (i, scalars) }
            i += need + 1
            scalars += 1
        }
        return (nil, scalars)
    }

    // MARK: - Recovery

    /// Skips the rest of a bad record, honouring quotes that open a field, up to its line end.
    private mutating func skipRestOfRecord() throws(CSVError) {
        enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
        var state: State
        var afterCR = false
        switch resync {
        case .none: return
        case .unquoted: state = .unquoted
        case .quoted(let cr):
            state = .quoted
            afterCR = cr
        }
        resync = .none
        while true {
            if pos == end {
                try fill(atLeast: 1)
                if pos == end { return }
            }
            let c = storage[pos]
            pos += 1
            let lineEnd = c == Self.lf || c == Self.cr
            switch state {
            case .fieldStart, .unquoted, .quoteInQuoted:
                if lineEnd {
                    line += 1
                    col = 1
                    pendingLF = c == Self.cr
                    return
                }
                if c == Self.comma {
                    state = .fieldStart
                } else if c == Self.quote && state != .unquoted {
                    state = .quoted
                } else {
                    state = .unquoted
                }
            case .quoted:
                if c == Self.quote {
                    state = .quoteInQuoted
                } else if c == Self.cr || (c == Self.lf && !afterCR) {
                    line += 1
                }
                afterCR = c == Self.cr
            }
        }
    }

    // MARK: - Input

    /// Makes at least `count` unread bytes available unless the input ends first.
    private mutating func fill(atLeast count: Int) throws(CSVError) {
        while end - pos < count && !eof {
            if pos > 0 {
                let kept = end - pos
                if kept > 0 { storage.update(from: storage + pos, count: kept) }
                base += pos
                end = kept
                pos = 0
            }
            let got = try readSome(into: storage + end, max: min(chunkSize, capacity - end))
            if got == 0 { eof = true } else { end += got }
        }
    }

    private mutating func readSome(
        into buffer: UnsafeMutablePointer<UInt8>, max: Int
    ) throws(CSVError) -> Int {
        switch source {
        case .memory(let data, let offset):
            let n = min(max, data.count - offset)
            if n <= 0 { return 0 }
            let from = data.startIndex + offset
            data.copyBytes(to: buffer, from: from..<(from + n))
            source = .memory(data, offset: offset + n)
            return n
        case .file(let fd, let path):
            while true {
                let n = read(fd, buffer, max)
                if n >= 0 { return n }
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                eof = true
                finished = true
                field.removeAll(keepingCapacity: true)
                throw CSVError(
                    code: .io, line: line, column: col,
                    message: "cannot read \(path): \(reason); check the file and try again")
            }
        }
    }

    // MARK: - Scanning

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of `word` that equals `byte` is set (exact up to the first match).
    @inline(__always)
    private static func matches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x & highs
    }

    /// The offset of the first `"`, LF, CR (and `,` when `stopAtComma`) in `from..<to`, or `to`.
    ///
    /// Or-s every byte before that offset into `ored` (only its high bit is meaningful: non-ASCII).
    /// Reads eight bytes at a time.
    @inline(__always)
    private static func scan(
        _ s: UnsafeMutablePointer<UInt8>, from: Int, to limit: Int, stopAtComma: Bool, ored: inout UInt8
    ) -> Int {
        var p = from
        var high: UInt64 = 0
        let raw = UnsafeRawPointer(s)
        while limit - p >= 8 {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))
            var hits = matches(word, quote) | matches(word, lf) | matches(word, cr)
            if stopAtComma { hits |= matches(word, comma) }
            if hits != 0 {
                let k = hits.trailingZeroBitCount >> 3
                if k > 0 { high |= word & (highs >> UInt64(64 - 8 * k)) }
                p += k
                ored |= high == 0 ? 0 : 0x80
                return p
            }
            high |= word & highs
            p += 8
        }
        ored |= high == 0 ? 0 : 0x80
        while p < limit {
            let c = s[p]
            if c == quote || c == lf || c == cr || (stopAtComma && c == comma) { break }
            ored |= c
            p += 1
        }
        return p
    }

    // MARK: - Columns

    /// The number of UTF-8 continuation bytes (`10xxxxxx`) in `count` bytes at `p`.
    private static func continuationCount(_ p: UnsafePointer<UInt8>, count: Int) -> Int {
        var n = 0
        for i in 0..<count { n &+= p[i] & 0xC0 == 0x80 ? 1 : 0 }
        return n
    }

    /// The number of scalars (non-continuation bytes) in `count` bytes at `p`; `ored` < 0x80 means ASCII.
    private static func scalarCount(_ p: UnsafePointer<UInt8>, count: Int, ored: UInt8) -> Int {
        ored < 0x80 ? count : count - continuationCount(p, count: count)
    }

    /// The number of scalars (non-continuation bytes) in `bytes`.
    private static func scalarCount(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return buffer.count - continuationCount(base, count: buffer.count)
        }
    }
}
