import Foundation

/// A calendar date without a time or a zone (proleptic Gregorian), e.g. a birth date or an appointment day.
///
/// All conversions are integer arithmetic on days since 1970-01-01; no `Calendar` is involved, because dates
/// are converted for every rendered message. Values built through the validating initialisers always lie in
/// 0001-01-01...9999-12-31; `init(daysSinceEpoch:)` and `adding(days:)` follow the same arithmetic beyond
/// that range.
///
/// `Codable` uses the ISO form: a `LocalDate` encodes as the string `"2026-12-03"` and decodes only from
/// exactly that form.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The year (1...9999 for validated dates).
    public let year: Int
    /// The month, 1 = January ... 12 = December.
    public let month: Int
    /// The day of the month, starting at 1.
    public let day: Int

    /// Creates a date from its parts, or returns `nil` when they do not name a real day.
    ///
    /// - Parameters:
    ///   - year: 1...9999.
    ///   - month: 1...12.
    ///   - day: 1 up to the length of the month (February has 29 days in leap years).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= LocalDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, year 0001...9999) naming a real day, else returns `nil`.
    ///
    /// Nothing else is accepted: no surrounding whitespace, no time part, no single-digit month or day.
    /// - Parameter text: the text to parse, e.g. `"2026-12-03"`.
    public init?(iso text: some StringProtocol) {
        let parsed =
            text.utf8.withContiguousStorageIfAvailable(LocalDate.parseISO)
            ?? Array(text.utf8).withUnsafeBufferPointer(LocalDate.parseISO)
        guard let parsed else { return nil }
        self = parsed
    }

    /// Creates the date that lies a number of days after 1970-01-01 (negative: before it).
    ///
    /// Pure arithmetic on the proleptic Gregorian calendar, so it never fails; results outside
    /// 0001...9999 are possible for extreme inputs and print in the expanded ISO form (e.g. `-0001-12-31`).
    /// - Parameter daysSinceEpoch: days since 1970-01-01; 0 is 1970-01-01 itself.
    public init(daysSinceEpoch: Int) {
        // Count from 0000-03-01 so that the leap day is the last day of a (March-based) year, then split
        // into 400-year cycles of 146,097 days, years within a cycle and days within a year.
        let shifted = daysSinceEpoch + LocalDate.epochOffset
        let cycle = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfCycle = shifted - cycle * 146_097  // 0...146_096
        let yearOfCycle =
            (dayOfCycle - dayOfCycle / 1460 + dayOfCycle / 36_524 - dayOfCycle / 146_096) / 365  // 0...399
        let dayOfYear = dayOfCycle - (365 * yearOfCycle + yearOfCycle / 4 - yearOfCycle / 100)  // 0...365
        let marchMonth = (5 * dayOfYear + 2) / 153  // 0 = March ... 11 = February
        let month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
        self.year = yearOfCycle + cycle * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = dayOfYear - (153 * marchMonth + 2) / 5 + 1
    }

    /// The local calendar date of an instant as seen in a time zone.
    ///
    /// Uses the zone's offset at that instant (daylight-saving time included) and day arithmetic.
    /// - Parameters:
    ///   - instant: the moment, e.g. the planned send time.
    ///   - zone: the zone whose wall clock decides the date, e.g. the patient's zone.
    public init(_ instant: Date, in zone: TimeZone) {
        let local = instant.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: instant))
        self.init(daysSinceEpoch: Int((local / 86_400).rounded(.down)))
    }

    /// Days from 1970-01-01 to this date (negative for earlier dates).
    public var daysSinceEpoch: Int {
        let marchYear = month <= 2 ? year - 1 : year
        let cycle = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
        let yearOfCycle = marchYear - cycle * 400  // 0...399
        let marchMonth = month > 2 ? month - 3 : month + 9  // 0 = March ... 11 = February
        let dayOfYear = (153 * marchMonth + 2) / 5 + day - 1
        let dayOfCycle = yearOfCycle * 365 + yearOfCycle / 4 - yearOfCycle / 100 + dayOfYear
        return cycle * 146_097 + dayOfCycle - LocalDate.epochOffset
    }

    /// The ISO 8601 form `YYYY-MM-DD`, e.g. `"2026-12-03"`.
    public var iso: String {
        guard (0...9999).contains(year) else {
            let digits = String(abs(year))
            let padded = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
            return (year < 0 ? "-" : "+") + padded + "-" + LocalDate.twoDigits(month) + "-"
                + LocalDate.twoDigits(day)
        }
        return String(unsafeUninitializedCapacity: 10) { buffer in
            let zero = UInt8(ascii: "0")
            buffer[0] = zero + UInt8(year / 1000)
            buffer[1] = zero + UInt8(year / 100 % 10)
            buffer[2] = zero + UInt8(year / 10 % 10)
            buffer[3] = zero + UInt8(year % 10)
            buffer[4] = UInt8(ascii: "-")
            buffer[5] = zero + UInt8(month / 10)
            buffer[6] = zero + UInt8(month % 10)
            buffer[7] = UInt8(ascii: "-")
            buffer[8] = zero + UInt8(day / 10)
            buffer[9] = zero + UInt8(day % 10)
            return 10
        }
    }

    /// The ISO form, same as `iso`.
    public var description: String { iso }

    /// The date a number of days later (negative: earlier).
    /// - Parameter days: how many days to move.
    /// - Returns: the moved date.
    public func adding(days: Int) -> LocalDate {
        LocalDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// The number of days from this date to another (`other - self`; negative when `other` is earlier).
    /// - Parameter other: the target date.
    /// - Returns: the signed distance in days.
    public func days(until other: LocalDate) -> Int {
        other.daysSinceEpoch - daysSinceEpoch
    }

    /// The ISO weekday: 1 = Monday ... 7 = Sunday.
    public var weekday: Int {
        // 1970-01-01 was a Thursday (4).
        let remainder = (daysSinceEpoch + 3) % 7
        return (remainder < 0 ? remainder + 7 : remainder) + 1
    }

    /// The age in whole years completed on a date, when `self` is a birth date.
    ///
    /// The age goes up on the birthday itself; someone born on February 29 gets a year older on March 1 in
    /// non-leap years. Negative when `date` lies before `self`.
    /// - Parameter date: the day to measure on, e.g. the send date.
    /// - Returns: completed years.
    public func age(on date: LocalDate) -> Int {
        let years = date.year - year
        return (date.month, date.day) < (month, day) ? years - 1 : years
    }

    /// Whether a year of the proleptic Gregorian calendar has a February 29.
    /// - Parameter year: the year.
    /// - Returns: `true` for leap years.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in a month (28...31).
    /// - Parameters:
    ///   - month: 1...12.
    ///   - year: the year, for February.
    /// - Returns: the month's length, or 0 for a month outside 1...12.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(year) ? 29 : 28
        default: 0
        }
    }

    /// Whether `lhs` is an earlier day than `rhs`.
    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Decodes a date from its ISO string form.
    /// - Parameter decoder: the decoder.
    /// - Throws: `DecodingError.dataCorrupted` when the string is not exactly a valid `YYYY-MM-DD`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription:
                    "'\(text.prefix(40))' is not a date: write it as YYYY-MM-DD, e.g. 2026-12-03."
            )
        }
        self = date
    }

    /// Encodes the date as its ISO string form.
    /// - Parameter encoder: the encoder.
    /// - Throws: whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }

    /// Parses the ten bytes of `YYYY-MM-DD`.
    private static func parseISO(_ bytes: UnsafeBufferPointer<UInt8>) -> LocalDate? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else {
            return nil
        }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for position in range {
                let digit = bytes[position] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else {
            return nil
        }
        return LocalDate(year: year, month: month, day: day)
    }

    /// Days from 0000-03-01 to 1970-01-01.
    private static let epochOffset = 719_468

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }
}
