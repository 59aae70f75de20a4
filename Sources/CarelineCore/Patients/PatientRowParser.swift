import Foundation
import Synchronization

/// One problem in one row of a patients file, with the position of the field it concerns.
///
/// Problems are collected (not thrown) so that one pass over a file can list every bad row. The message never
/// contains a full phone number.
public struct PatientProblem: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based physical line of the field (of the record for a whole-row problem).
    public var line: Int
    /// The 1-based column (in Unicode scalars) where the field starts, or 1 for a whole-row problem.
    public var column: Int
    /// The column name (`phone`), or `nil` for a problem with the whole row (field count, CSV syntax).
    public var field: String?
    /// What is wrong and what to do; never a full phone number.
    public var message: String

    /// Creates a problem.
    /// - Parameters:
    ///   - line: The 1-based line.
    ///   - column: The 1-based column, or 1 when the problem concerns the whole row.
    ///   - field: The column name, or `nil` for a whole-row problem.
    ///   - message: What is wrong and what to do.
    public init(line: Int, column: Int, field: String?, message: String) {
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// The position of the problem.
    public var location: SourceLocation { SourceLocation(line: line, column: column) }

    /// `LINE:COLUMN: field: message` (without `field: ` for a whole-row problem).
    public var description: String {
        "\(line):\(column): " + (field.map { "\($0): " } ?? "") + message
    }

    /// The problem prefixed with a file name, as a user sees it: `patients.csv:4:12: phone: …`.
    /// - Parameter file: The file name as the user wrote it.
    /// - Returns: `FILE:LINE:COLUMN: field: message`.
    public func formatted(file: String) -> String { file + ":" + description }
}

/// All problems of one row, in column order: the failure of ``PatientRowParser/parse(_:)``.
///
/// A collection of ``PatientProblem`` (iterate it, count it, append it to a list). It is a type of its own
/// because `Result` needs an `Error` as its failure, and `[PatientProblem]` is not one.
public struct PatientProblems: Error, Sendable, Equatable, RandomAccessCollection, ExpressibleByArrayLiteral,
    CustomStringConvertible
{
    /// The problems, in column order.
    public var problems: [PatientProblem]

    /// Wraps problems.
    /// - Parameter problems: The problems of one row.
    public init(_ problems: [PatientProblem]) { self.problems = problems }

    /// Wraps problems written as an array literal.
    /// - Parameter elements: The problems of one row.
    public init(arrayLiteral elements: PatientProblem...) { problems = elements }

    /// The index of the first problem.
    public var startIndex: Int { problems.startIndex }
    /// The index past the last problem.
    public var endIndex: Int { problems.endIndex }
    /// The problem at `position`.
    public subscript(position: Int) -> PatientProblem { problems[position] }

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A problem with the header line of a patients file; the whole file is rejected.
public struct PatientHeaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is. Extensible.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code's stable name.
        public let rawValue: String
        /// Creates a code.
        /// - Parameter rawValue: The code's stable name.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// The stable name.
        public var description: String { rawValue }

        /// The file has no header line (it is empty or blank).
        public static let emptyFile = Code("empty-file")
        /// The header line is not valid CSV.
        public static let syntax = Code("syntax")
        /// A column has an empty name.
        public static let emptyColumnName = Code("empty-column-name")
        /// Two columns have the same name.
        public static let duplicateColumn = Code("duplicate-column")
        /// A required column (`id`, `name`) is missing.
        public static let missingColumn = Code("missing-column")
    }

    /// The kind of problem.
    public var code: Code
    /// The file as the user named it; empty when the header did not come from a file.
    public var file: String
    /// The 1-based line of the problem.
    public var line: Int
    /// The 1-based column (in Unicode scalars) of the problem.
    public var column: Int
    /// What is wrong and what to do.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - file: The file as the user named it, or `""`.
    ///   - line: The 1-based line.
    ///   - column: The 1-based column.
    ///   - message: What is wrong and what to do.
    public init(_ code: Code, file: String, line: Int, column: Int, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COLUMN: message` (`LINE:COLUMN: message` when there is no file name).
    public var description: String {
        (file.isEmpty ? "" : file + ":") + "\(line):\(column): \(message)"
    }
}

/// Turns the records of a patients CSV file into ``Patient`` values, collecting every problem of a row.
///
/// Built once from the header line, which it validates (names trimmed; no empty or duplicate names; `id` and
/// `name` present). Then ``parse(_:)`` checks one record at a time: every value is trimmed; `id` and `name` must
/// not be empty; `phone` is normalised to E.164 with the clinic's default region; `gender`, `birth_date`,
/// `timezone`, `locale`, `opt_out` and `preferred_time` must have their documented forms (empty means
/// "unknown" or the default); `tags` are split at `;`; every other column goes to ``Patient/extra``.
///
/// Uniqueness of ids is a property of the whole file: ``PatientFileValidator`` checks it.
///
/// Cheap per row (no regular expressions, no date formatters); time-zone lookups are cached by string, so a
/// parser should be reused for all rows of a file. Safe to share between tasks.
public struct PatientRowParser: Sendable {
    /// The header's column names, trimmed, in file order.
    public let columns: [String]
    /// The region used for phone numbers written without a country code (`CN`, `US`), or `nil`.
    public let defaultRegion: String?

    private let idIndex: Int
    private let nameIndex: Int
    private let phoneIndex: Int?
    private let genderIndex: Int?
    private let birthDateIndex: Int?
    private let timeZoneIndex: Int?
    private let localeIndex: Int?
    private let tagsIndex: Int?
    private let optOutIndex: Int?
    private let preferredTimeIndex: Int?
    private let extraColumns: [ExtraColumn]
    private let zones = TimeZoneCache()

    private struct ExtraColumn: Sendable {
        var index: Int
        var name: String
    }

    /// Validates a header given as names only; positions in errors assume unquoted names on line 1.
    /// - Parameters:
    ///   - header: The column names of the header line.
    ///   - defaultRegion: The clinic's region for national phone numbers (`CN`, `US`), or `nil`.
    /// - Throws: ``PatientHeaderError`` (with an empty `file`) for an empty or duplicate column name, or a
    ///   missing `id` or `name` column.
    public init(header: [String], defaultRegion: String?) throws(PatientHeaderError) {
        var columns: [Int] = []
        var column = 1
        for name in header {
            columns.append(column)
            column += name.unicodeScalars.count + 1
        }
        try self.init(
            header: CSVRecord(line: 1, fields: header, columns: columns), defaultRegion: defaultRegion)
    }

    /// Validates the header record as read from the file, so that errors point at the right place.
    /// - Parameters:
    ///   - header: The header line's record.
    ///   - defaultRegion: The clinic's region for national phone numbers (`CN`, `US`), or `nil`.
    /// - Throws: ``PatientHeaderError`` (with an empty `file`) for an empty or duplicate column name, or a
    ///   missing `id` or `name` column.
    public init(header: CSVRecord, defaultRegion: String?) throws(PatientHeaderError) {
        let names = header.fields.map(Self.trimmed)
        var firstIndex: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            let location = header.location(ofField: index)
            if name.isEmpty {
                throw PatientHeaderError(
                    .emptyColumnName, file: "", line: location.line, column: location.column,
                    message: "column \(index + 1) of the header has no name; name every column in the header "
                        + "line, or remove the empty column (a trailing comma makes one)")
            }
            if let first = firstIndex[name] {
                throw PatientHeaderError(
                    .duplicateColumn, file: "", line: location.line, column: location.column,
                    message: "the column name \"\(name)\" appears twice (first at "
                        + "\(header.location(ofField: first))); rename or remove one of the two columns")
            }
            firstIndex[name] = index
        }
        let missing = ["id", "name"].filter { firstIndex[$0] == nil }
        if !missing.isEmpty {
            let quoted = missing.map { "\"\($0)\"" }.joined(separator: " and no ")
            var hints: [String] = []
            for column in missing {
                if let near = Suggestion.closest(
                    to: column, in: names.filter { !Patient.knownColumns.contains($0) })
                {
                    hints.append("\"\(near)\" for \"\(column)\"")
                }
            }
            var hint =
                hints.isEmpty
                ? ""
                : " (column names are exact and case-sensitive: did you mean "
                    + hints.joined(separator: ", ") + "?)"
            // One column holding the names with another separator: a spreadsheet's "CSV (semicolon)" or
            // tab-separated export.
            if names.count == 1, let separator = [";", "\t"].first(where: { names[0].contains($0) }) {
                hint =
                    " (the whole line is one column: the file is separated by "
                    + (separator == ";" ? "semicolons" : "tabs") + "; export it as comma-separated CSV)"
            }
            throw PatientHeaderError(
                .missingColumn, file: "", line: header.line, column: 1,
                message: "the header has no \(quoted) column\(hint); the first line must name the columns, "
                    + "with at least id (the clinic's patient id) and name")
        }
        self.columns = names
        self.defaultRegion = defaultRegion
        idIndex = firstIndex["id"] ?? 0
        nameIndex = firstIndex["name"] ?? 0
        phoneIndex = firstIndex["phone"]
        genderIndex = firstIndex["gender"]
        birthDateIndex = firstIndex["birth_date"]
        timeZoneIndex = firstIndex["timezone"]
        localeIndex = firstIndex["locale"]
        tagsIndex = firstIndex["tags"]
        optOutIndex = firstIndex["opt_out"]
        preferredTimeIndex = firstIndex["preferred_time"]
        extraColumns = names.enumerated().compactMap { index, name in
            Patient.knownColumns.contains(name) ? nil : ExtraColumn(index: index, name: name)
        }
    }

    /// Whether a record is a blank line (or a row of empty values only), which a file may contain anywhere
    /// and which is skipped rather than reported.
    /// - Parameter record: A record from ``CSVReader``.
    /// - Returns: `true` when every field is empty or whitespace.
    public static func isBlank(_ record: CSVRecord) -> Bool {
        record.fields.allSatisfy { $0.isEmpty || trimmed($0).isEmpty }
    }

    /// Parses one data record.
    /// - Parameter record: A record from ``CSVReader`` (not the header).
    /// - Returns: The patient, or every problem of the row in column order.
    public func parse(_ record: CSVRecord) -> Result<Patient, PatientProblems> {
        parseRow(record).result
    }

    /// Parses one data record and also returns its trimmed id (`nil` when empty or when the field count is
    /// wrong), so that the file validator can check uniqueness for invalid rows too.
    func parseRow(_ record: CSVRecord) -> (id: String?, result: Result<Patient, PatientProblems>) {
        let fields = record.fields
        guard fields.count == columns.count else {
            return (nil, .failure(PatientProblems([fieldCountProblem(record)])))
        }
        var problems: [PatientProblem] = []
        func problem(_ index: Int, _ message: String) {
            let location = record.location(ofField: index)
            problems.append(
                PatientProblem(
                    line: location.line, column: location.column, field: columns[index], message: message))
        }
        func value(_ index: Int?) -> String? {
            guard let index else { return nil }
            let text = Self.trimmed(fields[index])
            return text.isEmpty ? nil : text
        }

        let id = value(idIndex)
        if id == nil {
            problem(idIndex, "the id is empty; every row needs the clinic's patient id")
        }
        let name = value(nameIndex)
        if name == nil {
            problem(nameIndex, "the name is empty; every patient needs a name (templates address them by it)")
        }
        var phone: PhoneNumber?
        if let index = phoneIndex, let text = value(index) {
            do {
                phone = try PhoneNumber(parsing: text, defaultRegion: defaultRegion)
            } catch {
                problem(index, error.message)
            }
        }
        var gender: Gender?
        if let index = genderIndex, let text = value(index) {
            gender = Self.gender(text)
            if gender == nil {
                problem(
                    index,
                    "\(Self.shown(text)) is not a gender careline knows; write F, M, female, male, 女 or 男 "
                        + "(any case), or leave it empty when unknown")
            }
        }
        var birthDate: LocalDate?
        if let index = birthDateIndex, let text = value(index) {
            birthDate = LocalDate(iso: text)
            if birthDate == nil { problem(index, Self.dateProblem(text)) }
        }
        var timeZone: String?
        if let index = timeZoneIndex, let text = value(index) {
            switch zones.lookup(text) {
            case .known: timeZone = text
            case .unknown(let suggestion):
                let hint = suggestion.map { " (did you mean \($0)?)" } ?? ""
                problem(
                    index,
                    "\(Self.shown(text)) is not a known time zone\(hint); write an IANA zone name such as "
                        + "Asia/Shanghai or America/New_York, or leave it empty for the clinic's zone")
            case .notRegion:
                problem(
                    index,
                    "\(Self.shown(text)) is a fixed offset or an abbreviation, not a region's zone, so it ignores "
                        + "daylight saving time; write an IANA zone name such as America/New_York or "
                        + "Asia/Shanghai, or leave it empty for the clinic's zone")
            }
        }
        var locale: String?
        if let index = localeIndex, let text = value(index) {
            if Self.isLanguageTag(text) {
                locale = text
            } else {
                problem(index, Self.localeProblem(text))
            }
        }
        var tags: [String] = []
        if let index = tagsIndex, let text = value(index) {
            tags = Self.tags(text)
        }
        var optOut = false
        if let index = optOutIndex, let text = value(index) {
            if let flag = Self.flag(text) {
                optOut = flag
            } else {
                problem(
                    index,
                    "\(Self.shown(text)) is not true or false; write true, false, 1 or 0 (any case), or leave "
                        + "it empty for false")
            }
        }
        var preferredTime: TimeRange?
        if let index = preferredTimeIndex, let text = value(index) {
            preferredTime = Self.timeRange(text)
            if preferredTime == nil { problem(index, Self.timeRangeProblem(text)) }
        }
        guard problems.isEmpty, let id, let name else {
            if problems.count > 1 { problems.sort { ($0.line, $0.column) < ($1.line, $1.column) } }
            return (id, .failure(PatientProblems(problems)))
        }

        var extra: [String: String] = [:]
        for column in extraColumns {
            if let text = value(column.index) { extra[column.name] = text }
        }
        let patient = Patient(
            id: id, name: name, phone: phone, gender: gender, birthDate: birthDate, timeZone: timeZone,
            locale: locale, tags: tags, optOut: optOut, preferredTime: preferredTime, extra: extra)
        return (id, .success(patient))
    }

    // MARK: - Problems

    private func fieldCountProblem(_ record: CSVRecord) -> PatientProblem {
        let count = record.fields.count
        let expected = columns.count
        let head =
            "the row has \(count) field\(count == 1 ? "" : "s") but the header has \(expected) "
            + "column\(expected == 1 ? "" : "s")"
        if count > expected {
            let location = record.location(ofField: expected)
            return PatientProblem(
                line: location.line, column: location.column, field: nil,
                message: head + "; enclose a value that contains a comma in quotes (\"Wang, Li\"), or remove "
                    + "the extra fields")
        }
        return PatientProblem(
            line: record.line, column: 1, field: nil,
            message: head + "; add the missing fields (an empty value still needs its comma: a,,c), or "
                + "enclose a value that contains a line break in quotes")
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// Why `text` is not a `YYYY-MM-DD` date naming a real day.
    static func dateProblem(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let isDigit = { (byte: UInt8) in byte >= 48 && byte <= 57 }
        let shapeOK =
            bytes.count == 10 && bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-")
            && [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { isDigit(bytes[$0]) }
        guard shapeOK else {
            return
                "\(shown(text)) is not a date in the form YYYY-MM-DD; write e.g. 1956-03-07 (4-digit year, "
                + "2-digit month and day), or leave it empty when unknown"
        }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(bytes[$1] - 48) } }
        let (year, month) = (number(0..<4), number(5..<7))
        let quoted = "\"\(text)\""
        if year == 0 { return "\(quoted) is not a real date: the year must be 0001 to 9999" }
        if !(1...12).contains(month) { return "\(quoted) is not a real date: the month must be 01 to 12" }
        let days = LocalDate.daysIn(month: month, year: year)
        return
            "\(quoted) is not a real date: \(monthNames[month - 1]) \(year) has \(days) days; check the day"
    }

    /// Why `text` is not a `HH:MM-HH:MM` range.
    static func timeRangeProblem(_ text: String) -> String {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let advice = "write HH:MM-HH:MM with 24-hour times, e.g. 19:00-21:00"
        guard parts.count == 2 else {
            return "\(shown(text)) is not a time range; \(advice)"
        }
        for part in parts {
            let time = trimmed(String(part))
            let bytes = Array(time.utf8)
            let shapeOK =
                bytes.count == 5 && bytes[2] == UInt8(ascii: ":")
                && [0, 1, 3, 4].allSatisfy { bytes[$0] >= 48 && bytes[$0] <= 57 }
            if !shapeOK {
                return "\(shown(text)) is not a time range: \(shown(time)) is not HH:MM (two digits each, "
                    + "e.g. 07:30); \(advice)"
            }
            if LocalTime(parsing: time) == nil {
                return "\(shown(text)) is not a time range: \(time) is not a time of day (hours 00 to 23, "
                    + "minutes 00 to 59); \(advice)"
            }
        }
        return "\(shown(text)) is not a time range; \(advice)"
    }

    /// Why `text` is not a language tag, with the fix for the common `zh_CN` spelling.
    static func localeProblem(_ text: String) -> String {
        let dashed = text.replacingOccurrences(of: "_", with: "-")
        if dashed != text && isLanguageTag(dashed) {
            return
                "\(shown(text)) is not a language tag: parts are joined by \"-\", not \"_\"; write \(dashed)"
        }
        return "\(shown(text)) is not a language tag; write a language code, optionally followed by parts "
            + "joined with \"-\" (letters and digits only), such as zh-CN or en, or leave it empty for the "
            + "clinic's default"
    }

    // MARK: - Values

    /// `F`/`M`/`female`/`male`/`女`/`男` in any case, with a fast path for the common spellings.
    static func gender(_ text: String) -> Gender? {
        switch text {
        case "F", "f", "female", "女": return .female
        case "M", "m", "male", "男": return .male
        default: return Gender(parsing: text)
        }
    }

    /// `true`/`false`/`1`/`0` in any case.
    static func flag(_ text: String) -> Bool? {
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: break
        }
        guard text.utf8.count <= 5 else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    /// Split at `;`, trimmed, empty parts dropped.
    static func tags(_ text: String) -> [String] {
        var result: [String] = []
        // `;` is ASCII, so splitting the UTF-8 bytes never cuts a character (and skips grapheme breaking).
        for part in text.utf8.split(separator: UInt8(ascii: ";")) {
            let tag = trimmed(String(decoding: part, as: UTF8.self))
            if !tag.isEmpty { result.append(tag) }
        }
        return result
    }

    /// `TimeRange(parsing:)` with a fast path for the exact form `HH:MM-HH:MM` (the same result, without
    /// splitting a string).
    static func timeRange(_ text: String) -> TimeRange? {
        let fast: TimeRange?? = text.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.count == 11, bytes[5] == UInt8(ascii: "-") else { return nil }
            func digit(_ at: Int) -> Int? {
                let byte = bytes[at]
                return byte >= 48 && byte <= 57 ? Int(byte - 48) : nil
            }
            func time(_ at: Int) -> LocalTime? {
                guard bytes[at + 2] == UInt8(ascii: ":"), let h1 = digit(at), let h2 = digit(at + 1),
                    let m1 = digit(at + 3), let m2 = digit(at + 4)
                else { return nil }
                return LocalTime(hour: h1 * 10 + h2, minute: m1 * 10 + m2)
            }
            guard let start = time(0), let end = time(6) else { return nil }
            return TimeRange(start: start, end: end)
        }
        if let fast, let range = fast { return range }
        return TimeRange(parsing: text)
    }

    /// A BCP 47-like tag: parts of 1 to 8 ASCII letters or digits joined by `-`, the first 2 to 8 letters.
    static func isLanguageTag(_ text: String) -> Bool {
        var partLength = 0
        var firstPart = true
        for byte in text.utf8 {
            if byte == UInt8(ascii: "-") {
                if partLength == 0 || (firstPart && partLength < 2) { return false }
                firstPart = false
                partLength = 0
                continue
            }
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            guard isLetter || (isDigit && !firstPart) else { return false }
            partLength += 1
            if partLength > 8 { return false }
        }
        return partLength > 0 && (!firstPart || partLength >= 2)
    }

    /// The text without surrounding whitespace (Unicode whitespace included), without copying in the common
    /// case where there is none.
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let firstByte = utf8.first, let lastByte = utf8.last else { return text }
        // ASCII ends (the common case) are decided from the bytes alone.
        if firstByte < 0x80 && lastByte < 0x80 && !isASCIISpace(firstByte) && !isASCIISpace(lastByte) {
            return text
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return text }
        if !isWhitespace(first) && !isWhitespace(last) { return text }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @inline(__always)
    private static func isASCIISpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    @inline(__always)
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value == 0x20 || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }

    /// A value quoted for a message: at most `limit` characters, and masked when it looks like a phone number
    /// (7 or more digits, and only digits, spaces and `+-().`): a number typed into the wrong column stays
    /// hidden.
    static func shown(_ text: String, limit: Int = 32) -> String {
        var digits = 0
        var phoneLike = true
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: " "), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "("),
                UInt8(ascii: ")"),
                UInt8(ascii: "."):
                break
            default: phoneLike = false
            }
        }
        var result = phoneLike && digits >= 7 ? PhoneNumber.mask(text) : text
        if result.unicodeScalars.count > limit {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: result.unicodeScalars.prefix(limit - 1))
            result = String(view) + "…"
        }
        return "\"" + result + "\""
    }
}

/// Remembers which time-zone names `TimeZone(identifier:)` knows, so each distinct name is looked up once.
private final class TimeZoneCache: Sendable {
    enum Answer: Sendable {
        case known
        case unknown(suggestion: String?)
        /// Known to Foundation but not a region (`UTC-5`, `GMT+8`, `EST`): a fixed offset that ignores daylight
        /// saving time. Rejected like in `careline.toml` and campaign files, which also want `Area/City` or UTC.
        case notRegion
    }

    /// Stop remembering new names past this many (a file with a distinct bad zone on every row).
    private static let limit = 10_000
    private let answers = Mutex<[String: Answer]>([:])

    func lookup(_ name: String) -> Answer {
        let (cached, full) = answers.withLock { ($0[name], $0.count >= Self.limit) }
        if let cached { return cached }
        guard TimeZone(identifier: name) == nil else {
            let answer: Answer = name == "UTC" || name.contains("/") ? .known : .notRegion
            if !full { answers.withLock { $0[name] = answer } }
            return answer
        }
        // Suggestions cost hundreds of comparisons: only for names that are remembered.
        guard !full else { return .unknown(suggestion: nil) }
        let answer = Answer.unknown(suggestion: Self.suggestion(for: name))
        answers.withLock { $0[name] = answer }
        return answer
    }

    private static func suggestion(for name: String) -> String? {
        let known = TimeZone.knownTimeZoneIdentifiers
        let lowered = name.lowercased()
        if let match = known.first(where: { $0.lowercased() == lowered }) { return match }
        guard name.utf8.count <= 40 else { return nil }
        return Suggestion.closest(to: name, in: known)
    }
}
