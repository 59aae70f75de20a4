import Foundation
import Synchronization

/// Turns a wall-clock date and time in a zone into an instant, with one fixed policy for DST gaps and overlaps.
///
/// The policy is the one of `resolution_policy` in `shared/corpora/timezones/cases.json` (Python's `fold=0`,
/// and what `Calendar.date(from:)` does on Linux):
/// - a time inside a spring-forward gap does not exist; it is read with the offset in force *before* the
///   transition, so it moves forward by the length of the gap (New York 2026-03-08 02:30 → 07:30Z, which the
///   wall clock shows as 03:30 EDT). A gap time therefore always resolves to an instant after the gap, and no
///   nonexistent wall time is ever produced.
/// - a time inside a fall-back overlap happens twice; it resolves to the earlier instant (New York 2026-11-01
///   01:30 → 05:30Z, EDT).
///
/// Offsets come from a per-zone table of transitions built once per process (see `ZoneOffsets`), so a
/// resolution costs a few binary searches and allocates nothing.
public enum LocalTimeResolution {
    /// The instant of a local date and time in a zone.
    ///
    /// A time inside a spring-forward gap resolves with the pre-transition offset, i.e. it moves forward by the
    /// gap length and lands after the gap (the wall clock jumps past it); an ambiguous time (fall back) resolves
    /// to the earlier instant. This is the `resolution_policy` of the shared time-zone corpus; where the brief's
    /// wording ("the first instant after the gap") differs for times in the middle of a gap, the corpus wins:
    /// 02:30 in a 02:00→03:00 gap is 03:30 after the gap, not 03:00.
    /// - Parameters:
    ///   - date: the local calendar date.
    ///   - time: the wall-clock time on that date.
    ///   - zone: the zone whose wall clock is meant.
    /// - Returns: the resolved instant.
    public static func instant(_ date: LocalDate, _ time: LocalTime, in zone: TimeZone) -> Date {
        let offsets = ZoneOffsets.cached(for: zone)
        return Date(timeIntervalSince1970: offsets.instant(day: date.daysSinceEpoch, minutes: time.minutes))
    }
}

/// The UTC offsets of one zone as a sorted table of transitions, so that offset look-ups are a binary search
/// instead of a call into ICU (~80 ns each on Linux) and local-time resolution needs no `Calendar`.
///
/// The table covers 1970-01-01 up to 2200-01-01; instants outside that span ask the `TimeZone` directly, with
/// the same results, only slower. Tables are built once per zone identifier and process (about 1 ms for a
/// zone with DST) and kept in a process-wide cache: the data are a pure function of the zone, so sharing them
/// hides nothing a test would want to swap.
final class ZoneOffsets: Sendable {
    /// The zone the table describes; asked directly outside the covered span.
    let zone: TimeZone
    /// Instants (seconds since 1970) at which the offset changes, ascending, all inside the covered span.
    private let transitions: [Int64]
    /// `offsets[i]` is the offset in seconds in force from `transitions[i - 1]` (or the span's start) up to
    /// `transitions[i]` (or the span's end); one more element than `transitions`.
    private let offsets: [Int]
    /// `wallEnds[i]` is the wall-clock reading (local seconds since 1970) at which segment `i` ends:
    /// `transitions[i] + offsets[i]`. Ascending, because transitions lie months apart.
    private let wallEnds: [Int64]

    /// The first covered second, 1970-01-01T00:00:00Z.
    private static let lowerBound: Double = 0
    /// The first second after the covered span, 2200-01-01T00:00:00Z.
    private static let upperBound: Double = 7_258_118_400

    /// Builds the table by walking the zone's transitions with `nextDaylightSavingTimeTransition(after:)`
    /// (which on Linux reports every offset change, standard-time changes included).
    /// - Parameter zone: the zone.
    init(zone: TimeZone) {
        self.zone = zone
        var transitions: [Int64] = []
        var current = Date(timeIntervalSince1970: Self.lowerBound)
        var offsets = [zone.secondsFromGMT(for: current)]
        while let next = zone.nextDaylightSavingTimeTransition(after: current), next > current,
            next.timeIntervalSince1970 < Self.upperBound
        {
            let offset = zone.secondsFromGMT(for: next)
            if offset != offsets[offsets.count - 1] {
                transitions.append(Int64(next.timeIntervalSince1970.rounded(.down)))
                offsets.append(offset)
            }
            current = next
        }
        self.transitions = transitions
        self.offsets = offsets
        self.wallEnds = zip(transitions, offsets).map { $0 + Int64($1) }
    }

    /// Built tables by zone identifier; `recent` holds the last few used, searched first because comparing
    /// a zone's identifier with the one stored is usually a pointer comparison, cheaper than hashing it.
    private struct Cache {
        var all: [String: ZoneOffsets] = [:]
        var recent: [(identifier: String, table: ZoneOffsets)] = []

        /// Puts a table first among the recent ones, keeping at most eight.
        mutating func remember(_ identifier: String, _ table: ZoneOffsets) {
            recent.insert((identifier, table), at: 0)
            if recent.count > 8 { recent.removeLast() }
        }
    }

    private static let cache = Mutex(Cache())

    /// The shared table of a zone, built on first use.
    /// - Parameter zone: the zone.
    /// - Returns: its table.
    static func cached(for zone: TimeZone) -> ZoneOffsets {
        let identifier = zone.identifier
        let hit = cache.withLock { cache -> ZoneOffsets? in
            for entry in cache.recent where entry.identifier == identifier { return entry.table }
            guard let table = cache.all[identifier] else { return nil }
            cache.remember(identifier, table)
            return table
        }
        if let hit { return hit }
        let table = ZoneOffsets(zone: zone)
        return cache.withLock { cache in
            let kept = cache.all[identifier] ?? table
            cache.all[identifier] = kept
            cache.remember(identifier, kept)
            return kept
        }
    }

    /// The UTC offset in seconds in force at an instant.
    /// - Parameter seconds: the instant, seconds since 1970.
    /// - Returns: local time minus UTC, in seconds.
    @inline(__always)
    func offset(at seconds: Double) -> Int {
        guard seconds >= Self.lowerBound, seconds < Self.upperBound else {
            return zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds))
        }
        if transitions.isEmpty { return offsets[0] }
        let whole = Int64(seconds.rounded(.down))
        return transitions.withUnsafeBufferPointer { buffer in
            // The number of transitions at or before `whole` is the index of the offset in force.
            var low = 0
            var high = buffer.count
            while low < high {
                let middle = (low &+ high) >> 1
                if buffer[middle] <= whole { low = middle &+ 1 } else { high = middle }
            }
            return offsets[low]
        }
    }

    /// The local date (days since 1970-01-01) an instant falls on in this zone.
    /// - Parameter seconds: the instant, seconds since 1970.
    /// - Returns: the local day number.
    @inline(__always)
    func localDay(at seconds: Double) -> Int {
        Int(((seconds + Double(offset(at: seconds))) / 86_400).rounded(.down))
    }

    /// The instant of a wall-clock time, resolved by the policy of `LocalTimeResolution`.
    /// - Parameters:
    ///   - day: the local date as days since 1970-01-01.
    ///   - minutes: minutes since local midnight.
    /// - Returns: seconds since 1970.
    @inline(__always)
    func instant(day: Int, minutes: Int) -> Double {
        resolve(local: Double(day * 86_400 + minutes * 60))
    }

    /// The instant whose wall clock reads `local` (seconds since 1970 as if the zone were UTC).
    ///
    /// Inside the table: find the first segment whose wall-clock end lies after `local`. If `local` also lies at
    /// or after that segment's wall-clock start, the segment's offset applies (in an overlap this is the
    /// earlier of the two segments, hence the earlier instant); otherwise `local` falls in the gap before the
    /// segment and is read with the previous, pre-transition offset.
    private func resolve(local: Double) -> Double {
        guard local - 86_400 >= Self.lowerBound, local + 86_400 < Self.upperBound else {
            return resolveThroughZone(local: local)
        }
        if transitions.isEmpty { return local - Double(offsets[0]) }
        let whole = Int64(local.rounded(.down))
        let segment = wallEnds.withUnsafeBufferPointer { buffer in
            var low = 0
            var high = buffer.count
            while low < high {
                let middle = (low &+ high) >> 1
                if buffer[middle] <= whole { low = middle &+ 1 } else { high = middle }
            }
            return low
        }
        if segment > 0, whole < transitions[segment - 1] + Int64(offsets[segment]) {
            return local - Double(offsets[segment - 1])
        }
        return local - Double(offsets[segment])
    }

    /// `resolve(local:)` for wall-clock readings outside the table, asking the zone for offsets.
    ///
    /// Every zone's offset lies within ±18 h, so the offsets one day before and one day after `local` are the
    /// two candidates: the one that reproduces itself is valid; both valid means an overlap (take the earlier
    /// instant); neither means a gap (read with the earlier, pre-transition offset).
    private func resolveThroughZone(local: Double) -> Double {
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        let early = local - Double(before)
        let earlyValid = offset(at: early) == before
        if before == after {
            if earlyValid { return early }
            // Two transitions within two days (a DST interlude): try the offset in force in between.
            let between = offset(at: early)
            let candidate = local - Double(between)
            return offset(at: candidate) == between ? candidate : early
        }
        let late = local - Double(after)
        let lateValid = offset(at: late) == after
        switch (earlyValid, lateValid) {
        case (true, true): return min(early, late)
        case (false, true): return late
        default: return early
        }
    }

    /// The occurrence of a daily range on a local date: from its start on that date to its end on the same
    /// date, or on the next one when the range crosses midnight.
    /// - Parameters:
    ///   - range: the daily range.
    ///   - day: the local date the occurrence starts on, as days since 1970-01-01.
    /// - Returns: start and end in seconds since 1970; empty (end <= start) when DST swallows it.
    @inline(__always)
    func occurrence(of range: TimeRange, on day: Int) -> (start: Double, end: Double) {
        let start = instant(day: day, minutes: range.start.minutes)
        let end = instant(day: range.crossesMidnight ? day + 1 : day, minutes: range.end.minutes)
        return (start, end)
    }

    /// The end of the occurrence of `range` that contains an instant, if one does.
    ///
    /// Only the occurrences starting on the instant's local date and (for ranges crossing midnight) the date
    /// before can contain it. When both do (a fall-back overlap), the later end is returned.
    /// - Parameters:
    ///   - seconds: the instant, seconds since 1970.
    ///   - range: the daily range.
    /// - Returns: the end of the containing occurrence, or `nil` when the instant lies outside the range.
    func endOfOccurrence(containing seconds: Double, of range: TimeRange) -> Double? {
        let day = localDay(at: seconds)
        var end: Double?
        if range.crossesMidnight {
            let previous = occurrence(of: range, on: day - 1)
            if previous.start <= seconds, seconds < previous.end { end = previous.end }
        }
        let current = occurrence(of: range, on: day)
        if current.start <= seconds, seconds < current.end { end = max(end ?? current.end, current.end) }
        return end
    }
}
