import Foundation

/// When a campaign may reach a patient: daily hours, allowed weekdays and dates that are never used.
///
/// Every range of `hours` has one occurrence per local date: from its start on that date to its end on the same
/// date, or on the next date when the range crosses midnight (`21:30-07:30`). An occurrence *belongs* to the
/// date it starts on: `days` and `skipDates` are checked against that date, so with `days = [.friday]` the
/// night `21:30-07:30` from Friday into Saturday is allowed, and the one from Thursday into Friday is not.
public struct ContactWindow: Sendable, Equatable {
    /// The daily ranges, one or more; each is half-open and may cross midnight.
    public var hours: [TimeRange]
    /// The weekdays an occurrence may start on.
    public var days: Set<Weekday>
    /// Local dates never used: an occurrence starting on one of them is skipped (e.g. public holidays).
    public var skipDates: Set<LocalDate>

    /// Creates a window.
    /// - Parameters:
    ///   - hours: the daily ranges, e.g. `19:00-21:00`.
    ///   - days: the allowed weekdays of an occurrence's start date; every day by default.
    ///   - skipDates: dates on which no occurrence starts; none by default.
    public init(
        hours: [TimeRange], days: Set<Weekday> = Set(Weekday.allCases), skipDates: Set<LocalDate> = []
    ) {
        self.hours = hours
        self.days = days
        self.skipDates = skipDates
    }

    /// The default window when a campaign names none: 19:00-21:00 every day.
    public static let standard = ContactWindow(
        hours: [TimeRange(start: LocalTime(hour: 19, minute: 0)!, end: LocalTime(hour: 21, minute: 0)!)]
    )

    /// Whether occurrences may start on a date (its weekday is allowed and it is not a skip date).
    /// - Parameter date: the local start date of an occurrence.
    /// - Returns: `true` when the date may be used.
    public func allows(_ date: LocalDate) -> Bool {
        days.contains(Weekday(of: date)) && !skipDates.contains(date)
    }
}

extension TimeRange {
    /// The occurrence of this range that starts on a local date, as instants.
    ///
    /// The start is this range's start on `date`, the end its end on `date` (or the next date when the range
    /// crosses midnight), both resolved by `LocalTimeResolution`. On DST days the occurrence is shorter or
    /// longer than `nominalMinutes`; a range lying in a spring-forward gap (`02:00-03:00` in New York on
    /// 2026-03-08) gives an empty occurrence, with `end <= start`, that contains no instant.
    /// - Parameters:
    ///   - date: the local date the occurrence starts on.
    ///   - zone: the zone of the wall clock.
    /// - Returns: the half-open interval `[start, end)`.
    public func occurrence(on date: LocalDate, in zone: TimeZone) -> (start: Date, end: Date) {
        let bounds = ZoneOffsets.cached(for: zone).occurrence(of: self, on: date.daysSinceEpoch)
        return (Date(timeIntervalSince1970: bounds.start), Date(timeIntervalSince1970: bounds.end))
    }
}
