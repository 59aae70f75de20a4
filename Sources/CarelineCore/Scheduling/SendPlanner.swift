import Foundation

/// Decides when a message is sent: the earliest instant inside the contact window, on an allowed date, and
/// outside the clinic's quiet hours.
///
/// ## Rules
/// - An occurrence of a window range R on local date D (in `Request.zone`) is the half-open interval from R's
///   start on D to R's end on D (or D + 1 when R crosses midnight). It belongs to D: D must lie in
///   `dueDate...lastDate`, have an allowed weekday and not be a skip date.
/// - The plan is the earliest instant t >= `notBefore` inside such an occurrence and not inside an occurrence of
///   the quiet hours (in `Request.quietZone`, same half-open rule).
/// - With `preferredTime`, the preferred range replaces the window's hours and is read in `quietZone` (the
///   patient's own wall clock); dates are checked on the occurrence's date in that zone.
/// - A preferred range that lies entirely inside the quiet hours on the clock can never be used:
///   the plan is `.expired` at once, even on a DST day where a gap would move part of it past the quiet
///   hours (the patient asked for a time the clinic never sends at; see `Plan.expired`).
/// - DST: occurrences are computed from wall-clock times with `LocalTimeResolution`, so a spring-forward
///   window is shorter, a fall-back one longer, and no nonexistent local time is produced.
///
/// The search looks at each candidate date once, from the day before `notBefore`'s local date (an occurrence
/// crossing midnight may still be open) up to `lastDate`, and stops at the first date whose occurrences start
/// after the best instant found, so it is bounded by `lastDate - dueDate + 2` dates. It allocates nothing.
public struct SendPlanner: Sendable {
    /// Clinic-wide hours no message is sent, read in each patient's zone; `nil` for none.
    public var quietHours: TimeRange?

    /// The default clinic policy for quiet hours: 21:00-08:00.
    public static let defaultQuietHours = TimeRange(
        start: LocalTime(hour: 21, minute: 0)!, end: LocalTime(hour: 8, minute: 0)!)

    /// Creates a planner.
    /// - Parameter quietHours: clinic-wide quiet hours (e.g. `defaultQuietHours`), or `nil` for none.
    public init(quietHours: TimeRange?) {
        self.quietHours = quietHours
    }

    /// What to plan for one message.
    public struct Request: Sendable, Equatable {
        /// "Now": nothing is planned before it.
        public var notBefore: Date
        /// The first allowed occurrence date, in `zone`.
        public var dueDate: LocalDate
        /// The last allowed occurrence date (due date + expiry), in `zone`; a `lastDate` before `dueDate`
        /// allows nothing.
        public var lastDate: LocalDate
        /// The window's zone: the patient's, or a fixed IANA zone of the campaign.
        public var zone: TimeZone
        /// The patient's zone: quiet hours and the preferred time are read in it.
        public var quietZone: TimeZone
        /// When the campaign may reach the patient.
        public var window: ContactWindow
        /// The patient's preferred daily range, replacing `window.hours` when set.
        public var preferredTime: TimeRange?

        /// Creates a request.
        /// - Parameters:
        ///   - notBefore: the earliest instant allowed ("now").
        ///   - dueDate: the first allowed occurrence date.
        ///   - lastDate: the last allowed occurrence date.
        ///   - zone: the window's zone.
        ///   - quietZone: the patient's zone.
        ///   - window: the contact window.
        ///   - preferredTime: the patient's preferred range, if any.
        public init(
            notBefore: Date, dueDate: LocalDate, lastDate: LocalDate, zone: TimeZone, quietZone: TimeZone,
            window: ContactWindow, preferredTime: TimeRange? = nil
        ) {
            self.notBefore = notBefore
            self.dueDate = dueDate
            self.lastDate = lastDate
            self.zone = zone
            self.quietZone = quietZone
            self.window = window
            self.preferredTime = preferredTime
        }
    }

    /// The outcome of planning one message.
    public enum Plan: Sendable, Equatable {
        /// Send at this instant.
        case at(Date)
        /// No allowed instant exists from `notBefore` to the end of `lastDate`'s occurrences: the message
        /// expires. Also the answer when the window has no hours or no days, or when the preferred time lies
        /// entirely inside the quiet hours.
        case expired
    }

    /// The earliest allowed send instant for a message, or `.expired`.
    /// - Parameter request: the message's constraints.
    /// - Returns: `.at(instant)` with instant >= `notBefore`, or `.expired`.
    public func plan(_ request: Request) -> Plan {
        let window = request.window
        let rangeCount = request.preferredTime == nil ? window.hours.count : 1
        guard rangeCount > 0, !window.days.isEmpty else { return .expired }
        if let preferred = request.preferredTime, let quiet = quietHours,
            Self.lies(preferred, inside: quiet)
        {
            return .expired
        }
        let occurrenceZone = request.preferredTime == nil ? request.zone : request.quietZone
        let occurrences = ZoneOffsets.cached(for: occurrenceZone)
        let quiet = quietHours.map { ($0, ZoneOffsets.cached(for: request.quietZone)) }
        var dayMask = 0
        for day in window.days { dayMask |= 1 << day.rawValue }
        let checksSkipDates = !window.skipDates.isEmpty

        let notBefore = request.notBefore.timeIntervalSince1970
        let lastDay = request.lastDate.daysSinceEpoch
        var day = max(request.dueDate.daysSinceEpoch, occurrences.localDay(at: notBefore) - 1)
        var best = Double.infinity
        var bestDay = Int.max
        // Occurrences starting on a date after the best instant's local date start after the best instant.
        while day <= lastDay, day <= bestDay {
            defer { day += 1 }
            let weekday = Self.weekday(ofDay: day)
            guard dayMask & (1 << weekday) != 0 else { continue }
            if checksSkipDates, window.skipDates.contains(LocalDate(daysSinceEpoch: day)) { continue }
            for index in 0..<rangeCount {
                let range = request.preferredTime ?? window.hours[index]
                let occurrence = occurrences.occurrence(of: range, on: day)
                let start = max(occurrence.start, notBefore)
                let end = min(occurrence.end, best)
                guard start < end else { continue }
                guard let found = Self.firstInstant(from: start, before: end, outside: quiet) else {
                    continue
                }
                best = found
                bestDay = occurrences.localDay(at: found)
            }
        }
        return best.isFinite ? .at(Date(timeIntervalSince1970: best)) : .expired
    }

    /// The occurrence of a daily range that contains an instant, or else the first one starting after it.
    ///
    /// Occurrences left empty by a spring-forward gap are passed over. Useful to tell a user when a window
    /// opens next; `plan` answers the full question with dates, days and quiet hours.
    /// - Parameters:
    ///   - instant: the instant, e.g. "now".
    ///   - window: the daily range.
    ///   - zone: the zone of the range's wall clock.
    /// - Returns: the occurrence's half-open bounds; `start <= instant` exactly when the instant is inside.
    public func nextOpening(after instant: Date, window: TimeRange, in zone: TimeZone) -> (
        start: Date, end: Date
    ) {
        let offsets = ZoneOffsets.cached(for: zone)
        let seconds = instant.timeIntervalSince1970
        let firstDay = offsets.localDay(at: seconds) - 1
        // A non-empty occurrence exists on at least one of any two consecutive dates, so this always returns
        // within the first few iterations; the bound only guards against an impossible zone.
        var day = firstDay
        while day < firstDay + 8 {
            let occurrence = offsets.occurrence(of: window, on: day)
            if occurrence.end > occurrence.start, occurrence.end > seconds {
                return (
                    Date(timeIntervalSince1970: occurrence.start), Date(timeIntervalSince1970: occurrence.end)
                )
            }
            day += 1
        }
        let occurrence = offsets.occurrence(of: window, on: day)
        return (Date(timeIntervalSince1970: occurrence.start), Date(timeIntervalSince1970: occurrence.end))
    }

    /// The earliest instant in `[start, end)` outside every occurrence of the quiet hours, if any.
    ///
    /// Each step jumps to the end of the quiet occurrence containing the current instant, so the loop runs at
    /// most a few times for an interval of a day or two.
    private static func firstInstant(
        from start: Double, before end: Double, outside quiet: (TimeRange, ZoneOffsets)?
    ) -> Double? {
        guard let (range, offsets) = quiet else { return start }
        var instant = start
        while instant < end {
            guard let quietEnd = offsets.endOfOccurrence(containing: instant, of: range) else {
                return instant
            }
            instant = quietEnd
        }
        return nil
    }

    /// Whether every minute of a daily range lies inside another daily range, on the clock (ignoring DST).
    ///
    /// Both are arcs of the 1,440-minute circle; `inner` lies inside `outer` when it does not meet the arc
    /// `outer` leaves free.
    static func lies(_ inner: TimeRange, inside outer: TimeRange) -> Bool {
        let day = 1440
        let freeStart = outer.end.minutes
        let freeLength = (outer.start.minutes - outer.end.minutes + day) % day
        guard freeLength > 0 else { return true }  // start == end: the quiet hours cover the whole day
        let innerStart = inner.start.minutes
        let innerLength = inner.nominalMinutes
        let meets =
            (freeStart - innerStart + day) % day < innerLength
            || (innerStart - freeStart + day) % day < freeLength
        return !meets
    }

    /// The ISO weekday (1 = Monday … 7 = Sunday) of a day number; 1970-01-01 was a Thursday.
    @inline(__always)
    private static func weekday(ofDay day: Int) -> Int {
        let remainder = (day + 3) % 7
        return (remainder < 0 ? remainder + 7 : remainder) + 1
    }
}
