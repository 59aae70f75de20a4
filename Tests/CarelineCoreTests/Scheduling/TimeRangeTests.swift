import Testing

@testable import CarelineCore

@Suite("Times of day, ranges and weekdays")
struct TimeRangeTests {
    @Test(arguments: [
        ("19:00-21:00", 1140, 1260, false, 120), ("21:30-07:30", 1290, 450, true, 600),
        ("00:00-23:59", 0, 1439, false, 1439), (" 08:00 - 09:15 ", 480, 555, false, 75),
        ("10:00-10:00", 600, 600, true, 1440),
    ])
    func parses(text: String, start: Int, end: Int, crosses: Bool, minutes: Int) throws {
        let range = try #require(TimeRange(parsing: text))
        #expect(range.start.minutes == start)
        #expect(range.end.minutes == end)
        #expect(range.crossesMidnight == crosses)
        #expect(range.nominalMinutes == minutes)
    }

    @Test(arguments: [
        "25:00-26:00", "7:00-9:00", "19:00", "19:00-21:60", "19:00–21:00", "", "-", "24:00-01:00",
        "ab:cd-ef:gh",
    ])
    func rejects(text: String) {
        #expect(TimeRange(parsing: text) == nil)
    }

    @Test func printsAsWritten() throws {
        #expect(try #require(TimeRange(parsing: "07:05-21:00")).description == "07:05-21:00")
    }

    @Test func weekdays() throws {
        #expect(Weekday(parsing: "Mon") == .monday)
        #expect(Weekday(parsing: "sunday") == .sunday)
        #expect(Weekday(parsing: "mo") == nil)
        #expect(Weekday(of: try #require(LocalDate(iso: "2026-12-03"))) == .thursday)
        #expect(Weekday.allCases.map(\.description) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    }
}
