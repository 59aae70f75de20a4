/// A wall-clock time of day, to the minute (`19:00`).
public struct LocalTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Minutes since local midnight, 0 ..< 1440.
    public let minutes: Int

    public init?(hour: Int, minute: Int) {
        guard (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        minutes = hour * 60 + minute
    }

    /// Parses `HH:MM` (two digits each; `24:00` is not a time of day).
    public init?(parsing text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":") else { return nil }
        func digit(_ byte: UInt8) -> Int? { (48...57).contains(byte) ? Int(byte - 48) : nil }
        guard let h1 = digit(bytes[0]), let h2 = digit(bytes[1]), let m1 = digit(bytes[3]),
            let m2 = digit(bytes[4])
        else { return nil }
        self.init(hour: h1 * 10 + h2, minute: m1 * 10 + m2)
    }

    public var hour: Int { minutes / 60 }
    public var minute: Int { minutes % 60 }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minutes < rhs.minutes }

    /// `HH:MM`.
    public var description: String {
        let h = hour < 10 ? "0\(hour)" : "\(hour)"
        let m = minute < 10 ? "0\(minute)" : "\(minute)"
        return "\(h):\(m)"
    }
}

/// A daily range of wall-clock time, half-open: `19:00-21:00` is from 19:00 up to, not including, 21:00.
///
/// An end at or before the start means the range crosses midnight: `21:30-07:30` runs from 21:30 on one local
/// date to 07:30 on the next.
public struct TimeRange: Sendable, Hashable, CustomStringConvertible {
    public var start: LocalTime
    public var end: LocalTime

    public init(start: LocalTime, end: LocalTime) {
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM`; `nil` for anything else (e.g. `25:00-26:00`, `7:00-9:00`).
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2,
            let start = LocalTime(parsing: parts[0].trimmingSpaces),
            let end = LocalTime(parsing: parts[1].trimmingSpaces)
        else { return nil }
        self.init(start: start, end: end)
    }

    /// Whether the range runs past midnight into the next local date.
    public var crossesMidnight: Bool { end <= start }

    /// Its nominal length in minutes (ignoring DST): `21:30-07:30` is 600.
    public var nominalMinutes: Int {
        crossesMidnight ? 1440 - start.minutes + end.minutes : end.minutes - start.minutes
    }

    /// `HH:MM-HH:MM`.
    public var description: String { "\(start)-\(end)" }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: Substring {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// A day of the week, ISO numbering (1 = Monday … 7 = Sunday), as written in schedules (`mon` … `sun`).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case monday = 1
    case tuesday
    case wednesday
    case thursday
    case friday
    case saturday
    case sunday

    /// Parses `mon`, `tue`, … `sun` (also full English names), case-insensitive.
    public init?(parsing text: String) {
        let key = text.lowercased()
        guard let day = Weekday.allCases.first(where: { $0.abbreviation == key || $0.fullName == key }) else {
            return nil
        }
        self = day
    }

    /// The weekday of a local date.
    public init(of date: LocalDate) { self = Weekday(rawValue: date.weekday)! }

    public var abbreviation: String { ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][rawValue - 1] }
    var fullName: String {
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][rawValue - 1]
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { abbreviation }
}
