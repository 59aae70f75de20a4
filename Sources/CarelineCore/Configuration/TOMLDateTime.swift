/// A TOML date and/or time: offset date-time, local date-time, local date or local time.
///
/// The parser validates ranges (month, day of month including February 29 in leap years, hour, minute,
/// second 00–59, offset); the memberwise initialiser does not.
public struct TOMLDateTime: Sendable, Equatable, CustomStringConvertible {
    /// Which of the four TOML date/time forms a value is.
    public enum Kind: Sendable, Equatable {
        /// Date, time and offset, e.g. `1979-05-27T07:32:00Z`.
        case offsetDateTime
        /// Date and time without offset, e.g. `1979-05-27T07:32:00`.
        case localDateTime
        /// A date alone, e.g. `1979-05-27`.
        case localDate
        /// A time alone, e.g. `07:32:00`.
        case localTime
    }

    /// The year (0–9999); `nil` for a local time.
    public var year: Int?
    /// The month (1–12); `nil` for a local time.
    public var month: Int?
    /// The day of the month (1–31); `nil` for a local time.
    public var day: Int?
    /// The hour (0–23); `nil` for a local date.
    public var hour: Int?
    /// The minute (0–59); `nil` for a local date.
    public var minute: Int?
    /// The second (0–59); `nil` for a local date.
    public var second: Int?
    /// The fraction of the second in nanoseconds (digits past the ninth are dropped); `nil` for a date.
    public var nanosecond: Int?
    /// The offset from UTC in minutes (`Z` is 0); `nil` unless this is an offset date-time.
    public var offsetMinutes: Int?

    /// Creates a date/time from its parts; leave the parts of the absent half `nil`.
    ///
    /// - Parameters:
    ///   - year: The year, or `nil` for a local time.
    ///   - month: The month, or `nil` for a local time.
    ///   - day: The day, or `nil` for a local time.
    ///   - hour: The hour, or `nil` for a local date.
    ///   - minute: The minute, or `nil` for a local date.
    ///   - second: The second, or `nil` for a local date.
    ///   - nanosecond: The fraction of the second in nanoseconds, or `nil` for a local date.
    ///   - offsetMinutes: The UTC offset in minutes, or `nil` when local.
    public init(
        year: Int? = nil, month: Int? = nil, day: Int? = nil,
        hour: Int? = nil, minute: Int? = nil, second: Int? = nil, nanosecond: Int? = nil,
        offsetMinutes: Int? = nil
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
        self.offsetMinutes = offsetMinutes
    }

    /// Which form this value has, judged by which parts are present.
    public var kind: Kind {
        if year == nil { return .localTime }
        if hour == nil { return .localDate }
        return offsetMinutes == nil ? .localDateTime : .offsetDateTime
    }

    /// The canonical text: `2026-12-01`, `07:32:00`, `07:32:00.5`, `1979-05-27T07:32:00Z`,
    /// `1979-05-27T00:32:00-07:00`.
    public var description: String {
        var text = ""
        if let year, let month, let day {
            text = "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
        }
        if let hour, let minute {
            if !text.isEmpty { text += "T" }
            text += "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second ?? 0, 2))"
            if let nanosecond, nanosecond > 0 {
                var fraction = Self.pad(nanosecond, 9)
                while fraction.hasSuffix("0") { fraction.removeLast() }
                text += "." + fraction
            }
            if let offsetMinutes {
                if offsetMinutes == 0 {
                    text += "Z"
                } else {
                    let sign = offsetMinutes < 0 ? "-" : "+"
                    let magnitude = offsetMinutes.magnitude
                    let hours = Int(magnitude / 60)
                    let minutes = Int(magnitude % 60)
                    text += "\(sign)\(Self.pad(hours, 2)):\(Self.pad(minutes, 2))"
                }
            }
        }
        return text
    }

    private static func pad(_ number: Int, _ width: Int) -> String {
        let digits = String(number.magnitude)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return number < 0 ? "-" + padded : padded
    }
}
