import Foundation
import Testing

@testable import CarelineCore

/// Zones with DST in either hemisphere, half- and quarter-hour offsets, midnight transitions and changes of
/// standard offset (Caracas 2007/2016, Pyongyang 2015/2018, Volgograd 2018/2020).
private let zones = [
    "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Shanghai", "Asia/Kathmandu",
    "America/St_Johns",
    "America/Phoenix", "Australia/Lord_Howe", "Australia/Sydney", "America/Santiago", "America/Havana",
    "America/Caracas", "Asia/Pyongyang", "Europe/Volgograd", "Pacific/Kiritimati", "UTC",
]

@Suite("Local time resolution")
struct LocalTimeResolutionTests {
    /// The cached transition table gives the same offset as the zone itself.
    @Test(arguments: zones)
    func offsetTableMatchesTheZone(identifier: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        let table = ZoneOffsets.cached(for: zone)
        // Every 4 days and 7 minutes from 1970 to 2100, plus a few instants outside the table's span.
        var seconds: Double = 0
        while seconds < 4_102_444_800 {
            let expected = zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds))
            #expect(table.offset(at: seconds) == expected, "\(identifier) at \(seconds)")
            seconds += 4 * 86_400 + 7 * 60
        }
        for outside in [-2_000_000_000.0, -1, 7_258_118_400, 8_000_000_000] {
            let expected = zone.secondsFromGMT(for: Date(timeIntervalSince1970: outside))
            #expect(table.offset(at: outside) == expected, "\(identifier) at \(outside)")
        }
    }

    /// Around every 2026 transition, second by second at the edges, the table agrees with the zone.
    @Test(arguments: zones)
    func offsetTableIsExactAtTransitions(identifier: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        let table = ZoneOffsets.cached(for: zone)
        var current = try #require(Timestamp.parse("2026-01-01T00:00:00Z"))
        let end = try #require(Timestamp.parse("2027-01-01T00:00:00Z"))
        while let next = zone.nextDaylightSavingTimeTransition(after: current), next < end {
            for delta in [-3600.0, -1, -0.5, 0, 0.5, 1, 3600] {
                let instant = next.addingTimeInterval(delta)
                #expect(
                    table.offset(at: instant.timeIntervalSince1970) == zone.secondsFromGMT(for: instant),
                    "\(identifier) at \(instant)")
            }
            current = next
        }
    }

    /// Every quarter hour of every day of 2026 resolves as `Calendar.date(from:)` does (the corpus README
    /// records that it follows the same gap and overlap policy).
    @Test(arguments: zones)
    func resolutionMatchesFoundationCalendar(identifier: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let first = try #require(LocalDate(year: 2026, month: 1, day: 1))
        for offset in 0..<365 {
            let date = first.adding(days: offset)
            // Quarter hours around midnight and 01:00-03:59 (where transitions happen), then a few others.
            let minutes = Array(stride(from: 0, to: 240, by: 15)) + [720, 1140, 1260, 1380, 1425]
            for minute in minutes {
                let time = try #require(LocalTime(hour: minute / 60, minute: minute % 60))
                let components = DateComponents(
                    year: date.year, month: date.month, day: date.day, hour: time.hour, minute: time.minute)
                let expected = try #require(calendar.date(from: components))
                #expect(
                    LocalTimeResolution.instant(date, time, in: zone) == expected,
                    "\(identifier) \(date) \(time)")
            }
        }
    }

    @Test func datesOutsideTheTableResolveThroughTheZone() throws {
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        let noon = try #require(LocalTime(hour: 12, minute: 0))
        // 2250-07-01 12:00 EDT = 16:00Z; 1969-12-31 12:00 EST = 17:00Z.
        let future = try #require(LocalDate(year: 2250, month: 7, day: 1))
        #expect(
            LocalTimeResolution.instant(future, noon, in: zone)
                == Date(timeIntervalSince1970: Double(future.daysSinceEpoch * 86_400 + 16 * 3600)))
        let past = try #require(LocalDate(year: 1969, month: 12, day: 31))
        #expect(LocalTimeResolution.instant(past, noon, in: zone) == Date(timeIntervalSince1970: -7 * 3600))
    }

    @Test func fixedOffsetZones() throws {
        let date = try #require(LocalDate(year: 2026, month: 6, day: 1))
        let time = try #require(LocalTime(hour: 19, minute: 0))
        let plusEight = try #require(TimeZone(secondsFromGMT: 8 * 3600))
        // 2026-06-01T11:00:00Z.
        #expect(
            LocalTimeResolution.instant(date, time, in: plusEight)
                == Date(timeIntervalSince1970: 1_780_311_600))
    }
}
