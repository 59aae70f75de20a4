import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

private func utc(_ text: String) throws -> Date {
    try #require(Timestamp.parse(text), "bad instant \(text)")
}

private func day(_ text: String) throws -> LocalDate {
    try #require(LocalDate(iso: text), "bad date \(text)")
}

private func hours(_ text: String) throws -> TimeRange {
    try #require(TimeRange(parsing: text), "bad range \(text)")
}

private func zone(_ identifier: String) throws -> TimeZone {
    try #require(TimeZone(identifier: identifier), "unknown zone \(identifier)")
}

/// A request whose window and quiet hours share one zone, the common case.
private func request(
    now: String, due: String, last: String, in identifier: String = "America/New_York",
    window: ContactWindow = .standard, preferred: String? = nil
) throws -> SendPlanner.Request {
    let zone = try zone(identifier)
    return SendPlanner.Request(
        notBefore: try utc(now), dueDate: try day(due), lastDate: try day(last), zone: zone, quietZone: zone,
        window: window, preferredTime: try preferred.map(hours))
}

private let noQuiet = SendPlanner(quietHours: nil)
private let clinic = SendPlanner(quietHours: SendPlanner.defaultQuietHours)

@Suite("Send planner")
struct SendPlannerTests {
    // MARK: Dates and windows

    @Test func defaults() {
        #expect(ContactWindow.standard.hours.map(\.description) == ["19:00-21:00"])
        #expect(ContactWindow.standard.days == Set(Weekday.allCases))
        #expect(ContactWindow.standard.skipDates.isEmpty)
        #expect(SendPlanner.defaultQuietHours.description == "21:00-08:00")
    }

    @Test func dueDateInTheFutureWaitsForItsWindow() throws {
        // 2026-06-05 19:00 EDT = 23:00Z.
        let plan = clinic.plan(
            try request(now: "2026-06-01T12:00:00Z", due: "2026-06-05", last: "2026-06-12"))
        #expect(plan == .at(try utc("2026-06-05T23:00:00Z")))
    }

    @Test func notBeforeInsideTheWindowSendsNow() throws {
        // 19:45:30 EDT, inside 19:00-21:00.
        let plan = clinic.plan(
            try request(now: "2026-06-05T23:45:30Z", due: "2026-06-05", last: "2026-06-12"))
        #expect(plan == .at(try utc("2026-06-05T23:45:30Z")))
    }

    @Test func notBeforeAtTheWindowEndWaitsForTheNextDay() throws {
        // 21:00 EDT exactly: the window is half-open.
        let plan = clinic.plan(
            try request(now: "2026-06-06T01:00:00Z", due: "2026-06-05", last: "2026-06-12"))
        #expect(plan == .at(try utc("2026-06-06T23:00:00Z")))
    }

    @Test func windowCrossingMidnightWithoutQuietHours() throws {
        let overnight = ContactWindow(hours: [try hours("21:30-07:30")])
        // 08:00 EDT on the due date: next start 21:30 EDT = 01:30Z the next UTC day.
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-06-05T12:00:00Z", due: "2026-06-05", last: "2026-06-12", window: overnight))
                == .at(try utc("2026-06-06T01:30:00Z")))
        // 06:00 EDT on 06-06 lies in the occurrence that started on 06-05: allowed when 06-05 is.
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-06-06T10:00:00Z", due: "2026-06-05", last: "2026-06-12", window: overnight))
                == .at(try utc("2026-06-06T10:00:00Z")))
        // ...but not when the due date is 06-06: that occurrence belongs to 06-05.
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-06-06T10:00:00Z", due: "2026-06-06", last: "2026-06-12", window: overnight))
                == .at(try utc("2026-06-07T01:30:00Z")))
        // Under the clinic's quiet hours 21:00-08:00 the whole window is quiet: nothing is ever allowed.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T12:00:00Z", due: "2026-06-05", last: "2026-06-12", window: overnight))
                == .expired)
    }

    @Test func quietHoursCutAWindow() throws {
        let window = ContactWindow(hours: [try hours("20:00-22:00")])
        // Only 20:00-21:00 is left: 20:00 EDT = 00:00Z.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T12:00:00Z", due: "2026-06-05", last: "2026-06-10", window: window))
                == .at(try utc("2026-06-06T00:00:00Z")))
        // 20:59 EDT is still allowed.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-06T00:59:00Z", due: "2026-06-05", last: "2026-06-10", window: window))
                == .at(try utc("2026-06-06T00:59:00Z")))
        // 21:15 EDT is inside the window but quiet: next day 20:00 EDT.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-06T01:15:00Z", due: "2026-06-05", last: "2026-06-10", window: window))
                == .at(try utc("2026-06-07T00:00:00Z")))
    }

    @Test func quietHoursInsideAWindowPushToTheirEnd() throws {
        let planner = SendPlanner(quietHours: try hours("20:30-21:00"))
        let window = ContactWindow(hours: [try hours("20:00-22:00")])
        // 20:40 EDT is quiet until 21:00 EDT = 01:00Z.
        #expect(
            planner.plan(
                try request(
                    now: "2026-06-06T00:40:00Z", due: "2026-06-05", last: "2026-06-10", window: window))
                == .at(try utc("2026-06-06T01:00:00Z")))
    }

    @Test func quietHoursEndingInsideAMorningWindow() throws {
        // Window 07:00-09:00, quiet until 08:00: 08:00 EDT = 12:00Z.
        let window = ContactWindow(hours: [try hours("07:00-09:00")])
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T04:00:00Z", due: "2026-06-05", last: "2026-06-10", window: window))
                == .at(try utc("2026-06-05T12:00:00Z")))
    }

    @Test func severalRangesTakeTheEarliest() throws {
        // Listed out of order on purpose; now 09:00 EDT.
        let window = ContactWindow(hours: [try hours("19:00-21:00"), try hours("12:00-13:00")])
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T13:00:00Z", due: "2026-06-05", last: "2026-06-10", window: window))
                == .at(try utc("2026-06-05T16:00:00Z")))
        // 14:00 EDT: the noon range is over, the evening one is next.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T18:00:00Z", due: "2026-06-05", last: "2026-06-10", window: window))
                == .at(try utc("2026-06-05T23:00:00Z")))
    }

    @Test func daysFilter() throws {
        // 2026-06-05 is a Friday; the next Monday is 06-08: 19:00 EDT = 23:00Z.
        let mondays = ContactWindow(hours: ContactWindow.standard.hours, days: [.monday])
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T12:00:00Z", due: "2026-06-05", last: "2026-06-12", window: mondays))
                == .at(try utc("2026-06-08T23:00:00Z")))
        // No allowed weekday in the range: expired.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T12:00:00Z", due: "2026-06-05", last: "2026-06-07", window: mondays))
                == .expired)
        // No days at all: expired.
        let never = ContactWindow(hours: ContactWindow.standard.hours, days: [])
        #expect(
            clinic.plan(
                try request(now: "2026-06-05T12:00:00Z", due: "2026-06-05", last: "2026-06-12", window: never)
            )
                == .expired)
    }

    @Test func daysFilterChecksTheDateAnOccurrenceStartsOn() throws {
        let fridayNights = ContactWindow(hours: [try hours("21:30-07:30")], days: [.friday])
        // Saturday 06:00 EDT belongs to Friday's occurrence: send now.
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-06-06T10:00:00Z", due: "2026-06-01", last: "2026-06-30", window: fridayNights))
                == .at(try utc("2026-06-06T10:00:00Z")))
        // Friday 06:00 EDT belongs to Thursday's occurrence: wait for Friday 21:30 EDT = Saturday 01:30Z.
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-06-05T10:00:00Z", due: "2026-06-01", last: "2026-06-30", window: fridayNights))
                == .at(try utc("2026-06-06T01:30:00Z")))
    }

    @Test func skipDates() throws {
        let window = ContactWindow(
            hours: ContactWindow.standard.hours, skipDates: [try day("2026-06-05"), try day("2026-06-06")])
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T12:00:00Z", due: "2026-06-05", last: "2026-06-12", window: window))
                == .at(try utc("2026-06-07T23:00:00Z")))
        // Inside the window of a skipped date: not now.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T23:30:00Z", due: "2026-06-05", last: "2026-06-12", window: window))
                == .at(try utc("2026-06-07T23:00:00Z")))
        // Every date skipped: expired.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T12:00:00Z", due: "2026-06-05", last: "2026-06-06", window: window))
                == .expired)
    }

    // MARK: Expiry

    @Test func expiry() throws {
        // Now is after the last date.
        #expect(
            clinic.plan(try request(now: "2026-06-13T12:00:00Z", due: "2026-06-05", last: "2026-06-12"))
                == .expired)
        // Now is on the last date, after its window closed (21:00 EDT = 01:00Z).
        #expect(
            clinic.plan(try request(now: "2026-06-13T01:00:00Z", due: "2026-06-05", last: "2026-06-12"))
                == .expired)
        // One second earlier is still inside.
        #expect(
            clinic.plan(try request(now: "2026-06-13T00:59:59Z", due: "2026-06-05", last: "2026-06-12"))
                == .at(try utc("2026-06-13T00:59:59Z")))
        // A last date before the due date allows nothing.
        #expect(
            clinic.plan(try request(now: "2026-06-01T12:00:00Z", due: "2026-06-05", last: "2026-06-04"))
                == .expired)
        // No hours: expired.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-01T12:00:00Z", due: "2026-06-05", last: "2026-06-12",
                    window: ContactWindow(hours: [])))
                == .expired)
    }

    @Test func lastDateOccurrenceMayRunIntoTheNextDate() throws {
        // The 06-12 occurrence of 21:30-07:30 lasts until 07:30 EDT on 06-13.
        let overnight = ContactWindow(hours: [try hours("21:30-07:30")])
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-06-13T10:00:00Z", due: "2026-06-05", last: "2026-06-12", window: overnight))
                == .at(try utc("2026-06-13T10:00:00Z")))
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-06-13T11:30:00Z", due: "2026-06-05", last: "2026-06-12", window: overnight))
                == .expired)
    }

    @Test func longSearchesAreBounded() throws {
        // Quiet hours swallow the whole window on every one of 400 days: expired, quickly.
        let window = ContactWindow(hours: [try hours("22:00-23:00")])
        #expect(
            clinic.plan(
                try request(
                    now: "2026-01-01T12:00:00Z", due: "2026-01-01", last: "2027-02-05", window: window))
                == .expired)
        // A window allowed once, on the 400th day.
        let late = ContactWindow(hours: ContactWindow.standard.hours, days: [.friday], skipDates: [])
        #expect(
            clinic.plan(
                try request(now: "2026-01-01T12:00:00Z", due: "2027-02-05", last: "2027-02-05", window: late))
                == .at(try utc("2027-02-06T00:00:00Z")))
    }

    // MARK: Preferred time

    @Test func preferredTimeReplacesTheWindow() throws {
        // 09:00 EDT = 13:00Z.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T04:00:00Z", due: "2026-06-05", last: "2026-06-12",
                    preferred: "09:00-10:00"))
                == .at(try utc("2026-06-05T13:00:00Z")))
        // Partly quiet: 07:30-08:30 gives 08:00 EDT = 12:00Z.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-05T04:00:00Z", due: "2026-06-05", last: "2026-06-12",
                    preferred: "07:30-08:30"))
                == .at(try utc("2026-06-05T12:00:00Z")))
    }

    @Test func preferredTimeIsReadInThePatientsZone() throws {
        // Window fixed in Shanghai, patient in New York who prefers 18:00-19:00 EDT (22:00Z).
        let request = SendPlanner.Request(
            notBefore: try utc("2026-06-05T04:00:00Z"), dueDate: try day("2026-06-05"),
            lastDate: try day("2026-06-12"),
            zone: try zone("Asia/Shanghai"), quietZone: try zone("America/New_York"), window: .standard,
            preferredTime: try hours("18:00-19:00"))
        #expect(clinic.plan(request) == .at(try utc("2026-06-05T22:00:00Z")))
    }

    @Test(arguments: ["22:00-23:00", "07:00-08:00", "21:00-08:00", "23:30-01:00"])
    func preferredTimeInsideQuietHoursExpires(preferred: String) throws {
        let plan = clinic.plan(
            try request(
                now: "2026-06-05T04:00:00Z", due: "2026-06-05", last: "2026-06-12", preferred: preferred))
        #expect(plan == .expired, "\(preferred)")
    }

    @Test func preferredTimeWithoutQuietHours() throws {
        // 22:00 EDT = 02:00Z next UTC day.
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-06-05T04:00:00Z", due: "2026-06-05", last: "2026-06-12",
                    preferred: "22:00-23:00"))
                == .at(try utc("2026-06-06T02:00:00Z")))
    }

    @Test func rangeContainment() throws {
        let quiet = try hours("21:00-08:00")
        #expect(SendPlanner.lies(try hours("21:00-08:00"), inside: quiet))
        #expect(SendPlanner.lies(try hours("22:00-07:00"), inside: quiet))
        #expect(SendPlanner.lies(try hours("07:00-08:00"), inside: quiet))
        #expect(SendPlanner.lies(try hours("21:00-21:30"), inside: quiet))
        #expect(!SendPlanner.lies(try hours("20:59-21:30"), inside: quiet))
        #expect(!SendPlanner.lies(try hours("07:00-08:01"), inside: quiet))
        #expect(!SendPlanner.lies(try hours("09:00-10:00"), inside: quiet))
        #expect(!SendPlanner.lies(try hours("20:00-09:00"), inside: quiet))
        #expect(!SendPlanner.lies(try hours("10:00-10:00"), inside: quiet))
        #expect(SendPlanner.lies(try hours("10:00-11:00"), inside: try hours("06:00-06:00")))
        #expect(SendPlanner.lies(try hours("10:00-11:00"), inside: try hours("09:00-12:00")))
        #expect(!SendPlanner.lies(try hours("11:00-13:00"), inside: try hours("09:00-12:00")))
    }

    // MARK: Zones

    @Test func fixedWindowZoneDiffersFromThePatientZone() throws {
        // Shanghai 19:00-21:00 = 11:00Z-13:00Z. In June the patient's New York quiet hours 21:00-08:00 EDT are
        // 01:00Z-12:00Z, so only 12:00Z-13:00Z (08:00-09:00 EDT) is left.
        let summer = SendPlanner.Request(
            notBefore: try utc("2026-06-01T00:00:00Z"), dueDate: try day("2026-06-01"),
            lastDate: try day("2026-06-03"),
            zone: try zone("Asia/Shanghai"), quietZone: try zone("America/New_York"), window: .standard)
        #expect(clinic.plan(summer) == .at(try utc("2026-06-01T12:00:00Z")))
        // In January (EST) quiet hours are 02:00Z-13:00Z and cover the whole window: expired.
        let winter = SendPlanner.Request(
            notBefore: try utc("2026-01-15T00:00:00Z"), dueDate: try day("2026-01-15"),
            lastDate: try day("2026-01-18"),
            zone: try zone("Asia/Shanghai"), quietZone: try zone("America/New_York"), window: .standard)
        #expect(clinic.plan(winter) == .expired)
        // Without quiet hours the Shanghai window opens at 11:00Z.
        #expect(noQuiet.plan(winter) == .at(try utc("2026-01-15T11:00:00Z")))
        // The due date is a Shanghai date: at 2026-06-01T20:00Z it is already 06-02 04:00 in Shanghai, so the
        // 06-01 window is over and the next one is 06-02 19:00 CST = 11:00Z (07:00 EDT: quiet until 12:00Z).
        var late = summer
        late.notBefore = try utc("2026-06-01T20:00:00Z")
        #expect(clinic.plan(late) == .at(try utc("2026-06-02T12:00:00Z")))
    }

    @Test func newYorkSpringForward() throws {
        // 2026-03-08: 19:00 EDT = 23:00Z.
        #expect(
            clinic.plan(try request(now: "2026-03-08T12:00:00Z", due: "2026-03-08", last: "2026-03-09"))
                == .at(try utc("2026-03-08T23:00:00Z")))
        // 02:00-03:00 does not exist that day: the occurrence is empty, the next is 02:00 EDT on 03-09.
        let gap = ContactWindow(hours: [try hours("02:00-03:00")])
        #expect(
            noQuiet.plan(
                try request(now: "2026-03-08T00:00:00Z", due: "2026-03-08", last: "2026-03-08", window: gap))
                == .expired)
        #expect(
            noQuiet.plan(
                try request(now: "2026-03-08T00:00:00Z", due: "2026-03-08", last: "2026-03-09", window: gap))
                == .at(try utc("2026-03-09T06:00:00Z")))
        // Quiet hours end at 08:00 EDT = 12:00Z (not 13:00Z as on the day before).
        let morning = ContactWindow(hours: [try hours("07:00-09:00")])
        #expect(
            clinic.plan(
                try request(
                    now: "2026-03-08T00:00:00Z", due: "2026-03-08", last: "2026-03-09", window: morning))
                == .at(try utc("2026-03-08T12:00:00Z")))
        #expect(
            clinic.plan(
                try request(
                    now: "2026-03-07T00:00:00Z", due: "2026-03-07", last: "2026-03-09", window: morning))
                == .at(try utc("2026-03-07T13:00:00Z")))
        // The overnight window 01:00-04:00 lasts 2 h real time: 01:00 EST (06:00Z) to 04:00 EDT (08:00Z).
        let night = ContactWindow(hours: [try hours("01:00-04:00")])
        #expect(
            noQuiet.plan(
                try request(now: "2026-03-08T07:59:59Z", due: "2026-03-08", last: "2026-03-08", window: night)
            )
                == .at(try utc("2026-03-08T07:59:59Z")))
        #expect(
            noQuiet.plan(
                try request(now: "2026-03-08T08:00:00Z", due: "2026-03-08", last: "2026-03-08", window: night)
            )
                == .expired)
    }

    @Test func newYorkFallBack() throws {
        // 2026-11-01: 19:00 EST = 2026-11-02T00:00Z.
        #expect(
            clinic.plan(try request(now: "2026-11-01T12:00:00Z", due: "2026-11-01", last: "2026-11-02"))
                == .at(try utc("2026-11-02T00:00:00Z")))
        // 01:00-02:00 happens twice: it opens at the first 01:00 (EDT, 05:00Z) and lasts until 02:00 EST (07:00Z).
        let repeated = ContactWindow(hours: [try hours("01:00-02:00")])
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-11-01T00:00:00Z", due: "2026-11-01", last: "2026-11-01", window: repeated))
                == .at(try utc("2026-11-01T05:00:00Z")))
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-11-01T06:30:00Z", due: "2026-11-01", last: "2026-11-01", window: repeated))
                == .at(try utc("2026-11-01T06:30:00Z")))
        // Quiet hours end at 08:00 EST = 13:00Z.
        let morning = ContactWindow(hours: [try hours("07:00-09:00")])
        #expect(
            clinic.plan(
                try request(
                    now: "2026-11-01T00:00:00Z", due: "2026-11-01", last: "2026-11-02", window: morning))
                == .at(try utc("2026-11-01T13:00:00Z")))
    }

    @Test func londonDSTDays() throws {
        // 2026-03-29 (BST from 01:00Z): 19:00 BST = 18:00Z; 2026-10-25 (GMT again): 19:00Z.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-03-29T00:00:00Z", due: "2026-03-29", last: "2026-03-30", in: "Europe/London"))
                == .at(try utc("2026-03-29T18:00:00Z")))
        #expect(
            clinic.plan(
                try request(
                    now: "2026-10-25T00:00:00Z", due: "2026-10-25", last: "2026-10-26", in: "Europe/London"))
                == .at(try utc("2026-10-25T19:00:00Z")))
        // 01:00-03:00 on 2026-03-29: 01:00 does not exist and reads as GMT (01:00Z); 03:00 BST = 02:00Z.
        let night = ContactWindow(hours: [try hours("01:00-03:00")])
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-03-29T00:00:00Z", due: "2026-03-29", last: "2026-03-29", in: "Europe/London",
                    window: night
                )) == .at(try utc("2026-03-29T01:00:00Z")))
        #expect(
            noQuiet.plan(
                try request(
                    now: "2026-03-29T02:00:00Z", due: "2026-03-29", last: "2026-03-29", in: "Europe/London",
                    window: night
                )) == .expired)
    }

    @Test func kolkataHalfHourOffset() throws {
        // 19:00 IST = 13:30Z.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-01T00:00:00Z", due: "2026-06-01", last: "2026-06-02", in: "Asia/Kolkata"))
                == .at(try utc("2026-06-01T13:30:00Z")))
        // Quiet hours end 08:00 IST = 02:30Z.
        let morning = ContactWindow(hours: [try hours("07:00-09:00")])
        #expect(
            clinic.plan(
                try request(
                    now: "2026-05-31T20:00:00Z", due: "2026-06-01", last: "2026-06-02", in: "Asia/Kolkata",
                    window: morning)) == .at(try utc("2026-06-01T02:30:00Z")))
    }

    @Test func shanghai() throws {
        // 19:00 CST = 11:00Z; at 21:00 CST (13:00Z) the window is closed until the next day.
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-01T00:00:00Z", due: "2026-06-01", last: "2026-06-02", in: "Asia/Shanghai"))
                == .at(try utc("2026-06-01T11:00:00Z")))
        #expect(
            clinic.plan(
                try request(
                    now: "2026-06-01T13:00:00Z", due: "2026-06-01", last: "2026-06-02", in: "Asia/Shanghai"))
                == .at(try utc("2026-06-02T11:00:00Z")))
    }

    @Test func nextOpeningSkipsAnEmptyOccurrence() throws {
        let opening = noQuiet.nextOpening(
            after: try utc("2026-03-08T05:00:00Z"), window: try hours("02:00-03:00"),
            in: try zone("America/New_York"))
        #expect(opening.start == (try utc("2026-03-09T06:00:00Z")))
        #expect(opening.end == (try utc("2026-03-09T07:00:00Z")))
    }
}
