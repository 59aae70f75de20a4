import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

@Suite("LocalDate")
struct LocalDateTests {
    private func date(_ iso: String) throws -> LocalDate {
        try #require(LocalDate(iso: iso), "\(iso) should parse")
    }

    private func instant(_ iso: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        return try #require(formatter.date(from: iso), "\(iso) should be an ISO instant")
    }

    private func zone(_ id: String) throws -> TimeZone {
        try #require(TimeZone(identifier: id), "zone \(id) should exist")
    }

    // MARK: Validation and parsing

    @Test(
        "valid dates",
        arguments: [
            (2026, 12, 3), (2028, 2, 29), (2000, 2, 29), (2024, 2, 29), (1, 1, 1), (9999, 12, 31),
            (2026, 1, 31), (2026, 4, 30), (2026, 2, 28),
        ])
    func validDates(year: Int, month: Int, day: Int) throws {
        let d = try #require(LocalDate(year: year, month: month, day: day))
        #expect(d.year == year && d.month == month && d.day == day)
    }

    @Test(
        "invalid dates",
        arguments: [
            (2027, 2, 29), (1900, 2, 29), (2100, 2, 29), (2026, 2, 30), (2026, 4, 31), (2026, 13, 1),
            (2026, 0, 1), (2026, 1, 0), (2026, 1, 32), (0, 1, 1), (10_000, 1, 1), (-5, 1, 1),
        ])
    func invalidDates(year: Int, month: Int, day: Int) {
        #expect(LocalDate(year: year, month: month, day: day) == nil)
    }

    @Test("leap years follow the Gregorian rule")
    func leapYears() {
        #expect(LocalDate.isLeapYear(2028))
        #expect(LocalDate.isLeapYear(2000))
        #expect(LocalDate.isLeapYear(2024))
        #expect(!LocalDate.isLeapYear(2027))
        #expect(!LocalDate.isLeapYear(1900))
        #expect(!LocalDate.isLeapYear(2100))
        #expect(LocalDate(iso: "2028-02-29") != nil)
        #expect(LocalDate(iso: "2027-02-29") == nil)
        #expect(LocalDate.daysIn(month: 2, year: 2028) == 29)
        #expect(LocalDate.daysIn(month: 2, year: 2027) == 28)
        #expect(LocalDate.daysIn(month: 13, year: 2027) == 0)
    }

    @Test("ISO parsing reads the parts")
    func isoParsing() throws {
        let d = try date("2026-12-03")
        #expect(d == LocalDate(year: 2026, month: 12, day: 3))
        #expect(try date("0001-01-01") == LocalDate(year: 1, month: 1, day: 1))
        #expect(LocalDate(iso: "2026-12-03"[...]) == d)  // Substring
    }

    @Test(
        "ISO parsing rejects anything but exactly YYYY-MM-DD",
        arguments: [
            "2026-1-03", "2026-13-01", "2026-02-30", " 2026-01-01", "2026-01-01 ", "2026-01-01T00:00",
            "2026-01-01Z", "", "2026", "2026-01", "26-01-01", "02026-01-01", "0000-01-01", "2026/01/01",
            "2026-01-1", "2026-00-10", "2026-01-00", "+2026-01-01", "-2026-01-01", "２０２６-01-01",
            "2026-0a-01", "2026--01-01", "2027-02-29",
        ])
    func isoRejects(text: String) {
        #expect(LocalDate(iso: text) == nil)
    }

    @Test(
        "ISO form pads and round-trips", arguments: ["2026-12-03", "0001-01-01", "9999-12-31", "0999-09-09"])
    func isoRoundTrip(text: String) throws {
        let d = try date(text)
        #expect(d.iso == text)
        #expect(d.description == text)
        #expect("\(d)" == text)
    }

    @Test("years outside 1...9999 print in the expanded form")
    func expandedYears() throws {
        let first = try date("0001-01-01")
        #expect(first.adding(days: -1).iso == "0000-12-31")
        #expect(first.adding(days: -366).iso == "0000-01-01")  // year 0 is a leap year
        #expect(first.adding(days: -367).iso == "-0001-12-31")
        #expect(try date("9999-12-31").adding(days: 1).iso == "+10000-01-01")
    }

    // MARK: Day arithmetic

    @Test(
        "days since the epoch for known dates",
        arguments: [
            ("1970-01-01", 0), ("1970-01-02", 1), ("1969-12-31", -1), ("2000-01-01", 10_957),
            ("2000-03-01", 11_017), ("2026-12-03", 20_790), ("0001-01-01", -719_162),
            ("9999-12-31", 2_932_896),
            ("1900-03-01", -25_508),
        ])
    func knownDays(text: String, days: Int) throws {
        let d = try date(text)
        #expect(d.daysSinceEpoch == days)
        #expect(LocalDate(daysSinceEpoch: days) == d)
    }

    @Test("every day from 0001-01-01 to 9999-12-31 converts both ways and follows the previous day")
    func exhaustiveRoundTrip() throws {
        var expected = try date("0001-01-01")
        let first = expected.daysSinceEpoch
        let last = try date("9999-12-31").daysSinceEpoch
        var mismatches: [String] = []
        for days in first...last {
            let d = LocalDate(daysSinceEpoch: days)
            if d != expected || d.daysSinceEpoch != days, mismatches.count < 5 {
                mismatches.append("\(days): got \(d), expected \(expected)")
            }
            // The next day, by counting (independent of the arithmetic under test).
            if let next = LocalDate(year: expected.year, month: expected.month, day: expected.day + 1) {
                expected = next
            } else if let next = LocalDate(year: expected.year, month: expected.month + 1, day: 1) {
                expected = next
            } else if let next = LocalDate(year: expected.year + 1, month: 1, day: 1) {
                expected = next
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("day numbers and weekdays agree with Foundation's Gregorian calendar from 1600 to 2400")
    func agreesWithCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try zone("UTC")
        let start = try date("1600-01-01").daysSinceEpoch
        let end = try date("2400-12-31").daysSinceEpoch
        var mismatches: [String] = []
        for days in stride(from: start, through: end, by: 37) {
            let d = LocalDate(daysSinceEpoch: days)
            let instant = Date(timeIntervalSince1970: Double(days) * 86_400)
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: instant)
            // Calendar weekdays run 1 = Sunday ... 7 = Saturday.
            let isoWeekday = ((parts.weekday ?? 0) + 5) % 7 + 1
            if parts.year != d.year || parts.month != d.month || parts.day != d.day || isoWeekday != d.weekday
            {
                mismatches.append("\(days): \(d) vs \(parts)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test(
        "weekdays of known dates",
        arguments: [
            ("2026-12-03", 4), ("1970-01-01", 4), ("1969-12-28", 7), ("1969-12-29", 1), ("2000-01-01", 6),
            ("2024-02-29", 4), ("2026-11-30", 1), ("2027-01-03", 7), ("0001-01-01", 1), ("1600-03-01", 3),
        ])
    func weekdays(text: String, weekday: Int) throws {
        #expect(try date(text).weekday == weekday)
    }

    @Test("adding days and distances cross month, year and leap-day boundaries")
    func addingDays() throws {
        #expect(try date("2026-11-30").adding(days: 1) == date("2026-12-01"))
        #expect(try date("2026-12-31").adding(days: 2) == date("2027-01-02"))
        #expect(try date("2028-02-28").adding(days: 1) == date("2028-02-29"))
        #expect(try date("2027-02-28").adding(days: 1) == date("2027-03-01"))
        #expect(try date("2027-01-01").adding(days: -1) == date("2026-12-31"))
        #expect(try date("2026-12-03").adding(days: 0) == date("2026-12-03"))
        #expect(try date("2026-01-01").adding(days: 365) == date("2027-01-01"))
        #expect(try date("2028-01-01").adding(days: 365) == date("2028-12-31"))
        #expect(try date("2026-11-30").days(until: date("2026-12-01")) == 1)
        #expect(try date("2026-12-31").days(until: date("2027-01-02")) == 2)
        #expect(try date("2027-01-02").days(until: date("2026-12-31")) == -2)
        #expect(try date("2026-01-01").days(until: date("2027-01-01")) == 365)
        #expect(try date("2028-01-01").days(until: date("2029-01-01")) == 366)
    }

    @Test("ordering follows the calendar")
    func ordering() throws {
        #expect(try date("2026-12-03") < date("2026-12-04"))
        #expect(try date("2026-12-31") < date("2027-01-01"))
        #expect(try date("2026-02-28") < date("2026-10-01"))
        #expect(try !(date("2026-12-03") < date("2026-12-03")))
        #expect(
            try [date("2027-01-01"), date("2026-01-02"), date("2026-01-01")].sorted().map(\.iso)
                == ["2026-01-01", "2026-01-02", "2027-01-01"])
    }

    // MARK: Ages

    @Test(
        "age in completed years",
        arguments: [
            ("1976-12-03", "2026-12-03", 50), ("1976-12-03", "2026-12-02", 49),
            ("1976-12-03", "2026-12-04", 50),
            ("1976-12-03", "2027-01-01", 50), ("1977-01-01", "2026-12-31", 49),
            // Feb 29 birthdays: the age goes up on Mar 1 in non-leap years, on Feb 29 in leap years.
            ("1976-02-29", "2026-02-28", 49), ("1976-02-29", "2026-03-01", 50),
            ("1976-02-29", "2028-02-28", 51),
            ("1976-02-29", "2028-02-29", 52),
            // Born that day, and before birth.
            ("2026-12-03", "2026-12-03", 0), ("2026-12-03", "2026-12-02", -1),
        ])
    func ages(birth: String, on: String, age: Int) throws {
        #expect(try date(birth).age(on: date(on)) == age)
    }

    // MARK: Instants and zones

    @Test(
        "the local date of an instant depends on the zone",
        arguments: [
            ("2026-12-01T17:00:00Z", "Asia/Shanghai", "2026-12-02"),
            ("2026-12-01T17:00:00Z", "America/New_York", "2026-12-01"),
            ("2026-12-01T15:59:59Z", "Asia/Shanghai", "2026-12-01"),
            ("2026-12-01T16:00:00Z", "Asia/Shanghai", "2026-12-02"),
            ("2026-12-02T04:59:59Z", "America/New_York", "2026-12-01"),
            ("2026-12-02T05:00:00Z", "America/New_York", "2026-12-02"),
            ("2026-12-31T23:59:59Z", "UTC", "2026-12-31"),
            ("2027-01-01T00:00:00Z", "UTC", "2027-01-01"),
            ("2026-12-31T18:15:00Z", "Asia/Kathmandu", "2027-01-01"),
            ("2026-12-31T18:14:59Z", "Asia/Kathmandu", "2026-12-31"),
            ("2026-07-01T03:59:59Z", "America/New_York", "2026-06-30"),
            ("2026-07-01T04:00:00Z", "America/New_York", "2026-07-01"),
            ("1969-12-31T23:59:59Z", "UTC", "1969-12-31"),
            ("1970-01-01T00:00:00Z", "America/Los_Angeles", "1969-12-31"),
        ])
    func instantInZone(instantText: String, zoneID: String, expected: String) throws {
        let d = LocalDate(try instant(instantText), in: try zone(zoneID))
        #expect(d.iso == expected)
    }

    @Test(
        "local dates of the shared time-zone corpus instants",
        .enabled(if: Corpus.url("timezones/cases.json") != nil, "shared/corpora/timezones absent"))
    func corpusInstants() throws {
        let data = try #require(try Corpus.data("timezones/cases.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var checks: [(utc: String, zone: String, local: String)] = []
        for row in root["window_cases"] as? [[String: Any]] ?? [] {
            guard let zone = row["zone"] as? String else { continue }
            for (utcKey, localKey) in [("start_utc", "start_local"), ("end_utc", "end_local")] {
                if let utc = row[utcKey] as? String, let local = row[localKey] as? String {
                    checks.append((utc, zone, local))
                }
            }
        }
        for row in root["next_send_cases"] as? [[String: Any]] ?? [] {
            if let utc = row["now_utc"] as? String, let zone = row["zone"] as? String,
                let local = row["now_local"] as? String
            {
                checks.append((utc, zone, local))
            }
        }
        #expect(checks.count >= 40, "expected the corpus to hold window and next-send cases")
        for check in checks {
            let d = LocalDate(try instant(check.utc), in: try zone(check.zone))
            #expect(d.iso == String(check.local.prefix(10)), "\(check.utc) in \(check.zone)")
        }
    }

    // MARK: Codable

    @Test("encodes as the ISO string and decodes only valid ISO dates")
    func codable() throws {
        struct Visit: Codable, Equatable {
            var day: LocalDate
        }
        let visit = Visit(day: try date("2026-12-03"))
        let json = try JSONEncoder().encode(visit)
        #expect(String(decoding: json, as: UTF8.self) == #"{"day":"2026-12-03"}"#)
        #expect(try JSONDecoder().decode(Visit.self, from: json) == visit)
        for bad in [#"{"day":"2026-02-30"}"#, #"{"day":"2026-12-03T00:00"}"#, #"{"day":20261203}"#] {
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(Visit.self, from: Data(bad.utf8))
            }
        }
    }
}
