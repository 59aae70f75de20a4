import Testing

@testable import CarelineCore

@Suite("DateText")
struct DateTextTests {
    private func date(_ iso: String) throws -> LocalDate {
        try #require(LocalDate(iso: iso), "\(iso) should parse")
    }

    @Test(
        "day and month",
        arguments: [
            ("2026-12-03", "12月3日", "December 3"), ("2026-01-01", "1月1日", "January 1"),
            ("2028-02-29", "2月29日", "February 29"), ("2026-03-31", "3月31日", "March 31"),
            ("2026-04-10", "4月10日", "April 10"), ("2026-05-05", "5月5日", "May 5"),
            ("2026-06-30", "6月30日", "June 30"), ("2026-07-04", "7月4日", "July 4"),
            ("2026-08-15", "8月15日", "August 15"), ("2026-09-09", "9月9日", "September 9"),
            ("2026-10-01", "10月1日", "October 1"), ("2026-11-11", "11月11日", "November 11"),
        ])
    func dayAndMonth(iso: String, zh: String, en: String) throws {
        let d = try date(iso)
        #expect(DateText.date(d, .zh) == zh)
        #expect(DateText.date(d, .en) == en)
    }

    @Test(
        "weekday names",
        arguments: [
            ("2026-11-30", "周一", "Monday"), ("2026-12-01", "周二", "Tuesday"),
            ("2026-12-02", "周三", "Wednesday"),
            ("2026-12-03", "周四", "Thursday"), ("2026-12-04", "周五", "Friday"),
            ("2026-12-05", "周六", "Saturday"),
            ("2026-12-06", "周日", "Sunday"), ("2028-02-29", "周二", "Tuesday"),
        ])
    func weekdayNames(iso: String, zh: String, en: String) throws {
        let d = try date(iso)
        #expect(DateText.weekday(d, .zh) == zh)
        #expect(DateText.weekday(d, .en) == en)
    }

    @Test(
        "relative to the send date",
        arguments: [
            // today, date, zh, en
            ("2026-12-03", "2026-12-03", "今天", "today"),
            ("2026-12-03", "2026-12-04", "明天", "tomorrow"),
            ("2026-12-03", "2026-12-05", "后天", "in 2 days"),
            ("2026-12-03", "2026-12-06", "3天后", "in 3 days"),
            ("2026-12-03", "2026-12-31", "28天后", "in 28 days"),
            ("2026-11-30", "2026-12-01", "明天", "tomorrow"),
            ("2026-12-31", "2027-01-01", "明天", "tomorrow"),
            ("2026-12-31", "2027-01-02", "后天", "in 2 days"),
            ("2028-02-28", "2028-03-01", "后天", "in 2 days"),
            ("2027-02-28", "2027-03-01", "明天", "tomorrow"),
            ("2026-12-29", "2027-01-05", "7天后", "in 7 days"),
            ("2026-01-01", "2027-01-01", "365天后", "in 365 days"),
            ("2026-12-03", "2026-12-02", "昨天", "yesterday"),
            ("2026-12-03", "2026-12-01", "前天", "2 days ago"),
            ("2027-01-01", "2026-12-31", "昨天", "yesterday"),
            ("2026-12-03", "2026-11-30", "3天前", "3 days ago"),
        ])
    func relative(today: String, iso: String, zh: String, en: String) throws {
        let d = try date(iso)
        let reference = try date(today)
        #expect(DateText.relative(d, from: reference, .zh) == zh)
        #expect(DateText.relative(d, from: reference, .en) == en)
    }

    @Test("fields by name")
    func fieldsByName() throws {
        let d = try date("2026-12-03")
        let today = try date("2026-12-01")
        let zh = DateField.allCases.map { DateText.text($0, of: d, today: today, .zh) }
        let en = DateField.allCases.map { DateText.text($0, of: d, today: today, .en) }
        #expect(zh == ["12月3日", "周四", "后天", "2026-12-03"])
        #expect(en == ["December 3", "Thursday", "in 2 days", "2026-12-03"])
        #expect(DateField(rawValue: "weekday") == .weekday)
        #expect(DateField(rawValue: "Weekday") == nil)
    }

    @Test("every day of a leap year has a day-and-month text in both languages")
    func wholeYear() throws {
        let start = try date("2028-01-01")
        var seen = Set<String>()
        for offset in 0..<366 {
            let d = start.adding(days: offset)
            let zh = DateText.date(d, .zh)
            let en = DateText.date(d, .en)
            #expect(zh == "\(d.month)月\(d.day)日")
            #expect(en.hasSuffix(" \(d.day)"))
            seen.insert(en)
        }
        #expect(seen.count == 366)
    }
}
