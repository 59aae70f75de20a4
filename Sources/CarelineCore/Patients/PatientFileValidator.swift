import Foundation

/// Checks a whole patients CSV file in one streaming pass (`careline patients import`).
///
/// The first non-blank line is the header (see ``PatientRowParser``); a bad header rejects the file. Every
/// other non-blank line is a row: parsed, checked for an id already used earlier in the file, and passed to
/// `onValid` when it has no problem. Blank lines are skipped and not counted. Memory stays bounded: the reader
/// holds one chunk, and the validator keeps only the ids seen (with their lines) and at most
/// ``problemLimit`` problems.
///
/// CSV syntax errors the reader recovers from (a stray quote, text after a closing quote, invalid UTF-8, a
/// field that is too large) are row problems without a field, and the pass continues with the next row. An
/// unterminated quote swallows the rest of the file, so it is fatal: the ``CSVError`` is thrown with the
/// position of the opening quote.
public enum PatientFileValidator {
    /// How many problems a report lists; the rest are only counted (``Report/truncatedProblems``).
    public static let problemLimit = 1_000

    /// The outcome of a pass over a file.
    public struct Report: Sendable, Equatable {
        /// Data rows read (blank lines not counted), valid or not.
        public var rows: Int
        /// Rows without any problem (each was passed to `onValid`).
        public var valid: Int
        /// The first ``PatientFileValidator/problemLimit`` problems, in file order.
        public var problems: [PatientProblem]
        /// How many further problems were found but not listed.
        public var truncatedProblems: Int

        /// Creates a report.
        /// - Parameters:
        ///   - rows: Data rows read.
        ///   - valid: Rows without a problem.
        ///   - problems: The listed problems.
        ///   - truncatedProblems: Problems found beyond the listed ones.
        public init(rows: Int, valid: Int, problems: [PatientProblem], truncatedProblems: Int) {
            self.rows = rows
            self.valid = valid
            self.problems = problems
            self.truncatedProblems = truncatedProblems
        }

        /// Rows with at least one problem.
        public var invalid: Int { rows - valid }

        /// Every problem found, listed or not.
        public var totalProblems: Int { problems.count + truncatedProblems }
    }

    /// Streams a patients file once: header check, every row parsed, duplicate ids detected, each valid
    /// patient passed to `onValid` in file order.
    ///
    /// A row whose id duplicates an earlier row's id (valid or not) is invalid, and its problem names the line
    /// of the first.
    ///
    /// Pass `onValid` with its label (`validate(url:defaultRegion:onValid:)`): an unlabeled trailing closure
    /// binds to `progress`, the first closure parameter.
    /// - Parameters:
    ///   - url: The CSV file (UTF-8, an optional byte order mark, a header line).
    ///   - defaultRegion: The clinic's region for national phone numbers (`CN`, `US`), or `nil`.
    ///   - progress: Called with the bytes read so far and the file size (when known), about every 64 KiB
    ///     and once at the end.
    ///   - onValid: Called with each valid patient, in file order.
    /// - Returns: The counts and the problems.
    /// - Throws: ``CSVError`` with code `io` when the file cannot be opened or read, or `unterminatedQuote`;
    ///   ``PatientHeaderError`` when the header is missing or bad; any error thrown by `onValid` (the pass
    ///   stops there).
    public static func validate(
        url: URL, defaultRegion: String?, progress: ((_ bytesRead: Int, _ totalBytes: Int?) -> Void)? = nil,
        onValid: ((Patient) throws -> Void)? = nil
    ) throws -> Report {
        let reader = try CSVReader(url: url)
        return try validate(
            reader, file: url.relativePath, defaultRegion: defaultRegion, progress: progress, onValid: onValid
        )
    }

    /// Streams patients CSV from a reader (a file, standard input or memory); see
    /// ``validate(url:defaultRegion:progress:onValid:)``.
    /// - Parameters:
    ///   - reader: A reader positioned at the start of the input.
    ///   - file: The name shown in a ``PatientHeaderError``.
    ///   - defaultRegion: The clinic's region for national phone numbers, or `nil`.
    ///   - progress: Called with the bytes read and the total (when known), about every 64 KiB and at the end.
    ///   - onValid: Called with each valid patient, in file order.
    /// - Returns: The counts and the problems.
    /// - Throws: ``CSVError`` (`io`, `unterminatedQuote`), ``PatientHeaderError``, or `onValid`'s error.
    public static func validate(
        _ reader: CSVReader, file: String, defaultRegion: String?,
        progress: ((_ bytesRead: Int, _ totalBytes: Int?) -> Void)? = nil,
        onValid: ((Patient) throws -> Void)? = nil
    ) throws -> Report {
        let parser = try readHeader(reader, file: file, defaultRegion: defaultRegion)
        var collector = ProblemCollector()
        var rows = 0
        var valid = 0
        var firstLines = FirstLines()
        let progressStep = 1 << 16
        var lastProgress = 0

        while true {
            let record: CSVRecord
            do {
                guard let next = try reader.next() else { break }
                record = next
            } catch {
                switch error.code {
                case .io, .unterminatedQuote:
                    throw error
                default:
                    rows += 1
                    collector.add([
                        PatientProblem(
                            line: error.line, column: error.column, field: nil, message: error.message)
                    ])
                    continue
                }
            }
            if let progress, reader.bytesRead - lastProgress >= progressStep {
                lastProgress = reader.bytesRead
                progress(lastProgress, reader.totalBytes)
            }
            if PatientRowParser.isBlank(record) { continue }
            rows += 1
            if repeatsHeader(record, parser: parser) {
                collector.add([
                    PatientProblem(
                        line: record.line, column: 1, field: nil,
                        message: "this line repeats the header (were two exports joined into one file?); "
                            + "remove it, or import each export on its own")
                ])
                continue
            }
            if rows == 1_024, let total = reader.totalBytes, reader.bytesRead > 0 {
                firstLines.reserve(expected: Double(total) / Double(reader.bytesRead) * Double(rows))
            }

            let (id, result) = parser.parseRow(record)
            var duplicate: PatientProblem?
            if let id, let first = firstLines.insert(id, line: record.line) {
                duplicate = duplicateProblem(record, parser: parser, id: id, firstLine: first)
            }
            switch result {
            case .success(let patient):
                if let duplicate {
                    collector.add([duplicate])
                } else {
                    valid += 1
                    try onValid?(patient)
                }
            case .failure(let failure):
                var problems = failure.problems
                if let duplicate {
                    problems.append(duplicate)
                    problems.sort { ($0.line, $0.column) < ($1.line, $1.column) }
                }
                collector.add(problems)
            }
        }
        progress?(reader.bytesRead, reader.totalBytes)
        return Report(
            rows: rows, valid: valid, problems: collector.listed, truncatedProblems: collector.truncated)
    }

    /// Reads up to the first non-blank record and builds the row parser from it.
    private static func readHeader(
        _ reader: CSVReader, file: String, defaultRegion: String?
    ) throws -> PatientRowParser {
        var header: CSVRecord?
        var syntaxError: CSVError?
        while header == nil {
            do {
                guard let record = try reader.next() else { break }
                if !PatientRowParser.isBlank(record) { header = record }
            } catch {
                if error.code == .io { throw error }
                syntaxError = error
                break
            }
        }
        if let syntaxError {
            throw PatientHeaderError(
                .syntax, file: file, line: syntaxError.line, column: syntaxError.column,
                message: "the header line is not valid CSV: \(syntaxError.message)")
        }
        guard let header else {
            throw PatientHeaderError(
                .emptyFile, file: file, line: 1, column: 1,
                message: "the file is empty; its first line must be a header naming the columns, with at "
                    + "least id and name (e.g. id,name,phone)")
        }
        do {
            return try PatientRowParser(header: header, defaultRegion: defaultRegion)
        } catch {
            var error = error
            error.file = file
            throw error
        }
    }

    /// Whether a row is the header line again (a byte order mark before it ignored): what `cat a.csv b.csv`
    /// leaves in the middle of a file.
    private static func repeatsHeader(_ record: CSVRecord, parser: PatientRowParser) -> Bool {
        guard record.fields.count == parser.columns.count else { return false }
        for (index, field) in record.fields.enumerated() {
            var name = field
            if index == 0, name.unicodeScalars.first == "\u{FEFF}" {
                name = String(String.UnicodeScalarView(name.unicodeScalars.dropFirst()))
            }
            if PatientRowParser.trimmed(name) != parser.columns[index] { return false }
        }
        return true
    }

    private static func duplicateProblem(
        _ record: CSVRecord, parser: PatientRowParser, id: String, firstLine: Int
    ) -> PatientProblem {
        let index = parser.columns.firstIndex(of: "id") ?? 0
        let location = record.location(ofField: index)
        return PatientProblem(
            line: location.line, column: location.column, field: "id",
            message:
                "the id \(PatientRowParser.shown(id, limit: 80)) is already used on line \(firstLine); ids must be "
                + "unique in the file: correct one of the ids or remove the repeated row")
    }
}

/// Keeps the first ``PatientFileValidator/problemLimit`` problems and counts the rest.
private struct ProblemCollector {
    var listed: [PatientProblem] = []
    var truncated = 0

    mutating func add(_ problems: [PatientProblem]) {
        for problem in problems {
            if listed.count < PatientFileValidator.problemLimit {
                listed.append(problem)
            } else {
                truncated += 1
            }
        }
    }
}

/// The line of the first row of each id, for duplicate detection, in memory independent of the ids' length.
///
/// Keys are a 128-bit digest of the id (two SipHash values with different prefixes, seeded per process), not
/// the id itself: a long id (a 36-character UUID) would otherwise cost a heap allocation per row, and
/// 1,000,000 rows must fit in well under 100 MB. 20 bytes per slot; two different ids share a digest with a
/// probability around 10⁻²⁷ for a million rows.
private struct FirstLines {
    private struct Digest: Hashable {
        var high: UInt64
        var low: UInt64

        init(_ id: String) {
            var first = Hasher()
            first.combine(0 as UInt8)
            first.combine(id)
            var second = Hasher()
            second.combine(1 as UInt8)
            second.combine(id)
            high = UInt64(UInt(bitPattern: first.finalize()))
            low = UInt64(UInt(bitPattern: second.finalize()))
        }
    }

    private var lines: [Digest: Int32] = [:]

    /// Reserves room for about `expected` ids (estimated from the first rows), so the table does not grow
    /// (and briefly exist twice) while the file is read.
    mutating func reserve(expected: Double) {
        guard expected.isFinite, expected > Double(lines.count) else { return }
        lines.reserveCapacity(Int(min(expected * 1.05, 50_000_000)))
    }

    /// Records the id's line, or returns the line of its first row when the id was seen before.
    mutating func insert(_ id: String, line: Int) -> Int? {
        let digest = Digest(id)
        let line = Int32(clamping: line)
        guard let first = lines.updateValue(line, forKey: digest) else { return nil }
        lines[digest] = first
        return Int(first)
    }
}
