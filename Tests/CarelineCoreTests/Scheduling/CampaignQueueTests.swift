import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// Queue runs against the in-memory store: audience, steps, windows in the patient's zone, idempotency, phone
/// dedupe, caps, opt-outs, expiry, errors and dry runs. Every instant is fixed.
@Suite("Queueing campaigns")
struct CampaignQueueTests {
    let folder: TemporaryDirectory
    let library: TemplateLibrary
    let configuration: Configuration

    init() throws {
        folder = try TemporaryDirectory()
        try folder.write(
            "Templates/recheck.zh-CN.mustache",
            """
            +++
            kind = "reminder"
            +++
            {{patient.honorific}}您好，请于{{patient.recheck_date.date}}来院复查。
            """)
        try folder.write(
            "Templates/recheck.en.mustache",
            """
            +++
            kind = "reminder"
            +++
            Dear {{patient.honorific}}, your recheck is on {{patient.recheck_date.date}}.
            """)
        try folder.write(
            "Templates/doctor.zh-CN.mustache",
            """
            +++
            kind = "reminder"
            +++
            {{patient.doctor}}医生提醒您复查。
            """)
        try folder.write(
            "Templates/care.zh-CN.mustache",
            """
            +++
            kind = "care"
            +++
            {{patient.honorific}}您好，天冷注意保暖。
            """)
        library = try TemplateLibrary(directory: folder.path("Templates"))
        configuration = try Configuration.parse(
            """
            [clinic]
            timezone = "Asia/Shanghai"
            region = "CN"
            """, file: folder.path("careline.toml"))
    }

    // MARK: - Fixtures

    static func instant(_ text: String) -> Date { Timestamp.parse(text)! }

    static func phone(_ text: String) -> PhoneNumber { PhoneNumber(e164: text)! }

    static func patient(
        _ id: String, zone: String? = "Asia/Shanghai", phone: String = "+8613800138000",
        locale: String = "zh-CN",
        recheck: String? = "2026-12-10", tags: [String] = ["cataract"], optOut: Bool = false,
        preferred: String? = nil, extra: [String: String] = [:]
    ) -> Patient {
        var fields = extra
        if let recheck { fields["recheck_date"] = recheck }
        return Patient(
            id: id, name: "王芳", phone: Self.phone(phone), gender: .female, timeZone: zone, locale: locale,
            tags: tags,
            optOut: optOut, preferredTime: preferred.flatMap { TimeRange(parsing: $0) }, extra: fields)
    }

    static func campaign(_ name: String, _ text: String) throws -> Campaign {
        try CampaignFile.parse(text, file: "Schedules/\(name).toml")
    }

    static let recheck = """
        template = "recheck"
        senders = ["file"]
        kind = "reminder"
        [trigger]
        field = "recheck_date"
        offsets = ["-3d", "-1d"]
        """

    static func broadcast(_ date: String, template: String = "care", extra: String = "") -> String {
        """
        template = "\(template)"
        senders = ["file"]
        kind = "care"
        \(extra)
        [trigger]
        at = \(date)
        """
    }

    func store(_ patients: [Patient]) throws -> InMemoryStore {
        let store = InMemoryStore()
        _ = try store.upsertPatients(
            audit: AuditEntry(at: Self.instant("2026-11-01T00:00:00Z"), actor: "t", action: "import")
        ) {
            emit in
            for patient in patients { try emit(patient) }
        }
        return store
    }

    func queue(
        _ campaigns: [Campaign], now: String = "2026-12-01T00:00:00Z", configuration: Configuration? = nil
    ) -> CampaignQueue {
        CampaignQueue(
            campaigns: campaigns, library: library, configuration: configuration ?? self.configuration,
            now: Self.instant(now), actor: "tester")
    }

    func messages(_ store: InMemoryStore) throws -> [OutboxMessage] {
        var result: [OutboxMessage] = []
        try store.forEachMessage(MessageFilter(), limit: nil) { result.append($0) }
        return result
    }

    // MARK: - Planning

    @Test func plansEveryStepInsideTheWindowInThePatientsOwnZone() throws {
        let store = try store([
            Self.patient("P1"),
            Self.patient("P2", zone: "America/New_York", phone: "+12015550123", locale: "en"),
            Self.patient("P3", zone: nil, phone: "+8613900139000"),
        ])
        let report = try queue([try Self.campaign("recheck", Self.recheck)]).run(
            store: store, dryRun: false, skipInvalid: false)
        #expect(report.queued == 6)
        #expect(report.errorCount == 0)
        #expect(report.committed)
        let batch = try #require(report.batchID)
        let planned = try messages(store).map {
            "\($0.patientID) \($0.step) \(OutboxMessage.utcText($0.sendAt))"
        }
        #expect(
            planned.sorted() == [
                // 19:00 in Shanghai on Dec 7 and Dec 9.
                "P1 -1d 2026-12-09T11:00:00Z", "P1 -3d 2026-12-07T11:00:00Z",
                // 19:00 EST in New York on Dec 7 and Dec 9.
                "P2 -1d 2026-12-10T00:00:00Z", "P2 -3d 2026-12-08T00:00:00Z",
                // No zone of its own: the clinic's.
                "P3 -1d 2026-12-09T11:00:00Z", "P3 -3d 2026-12-07T11:00:00Z",
            ])
        let first = try #require(try messages(store).first { $0.patientID == "P1" && $0.step == "-3d" })
        #expect(first.batchID == batch)
        #expect(first.body == "王女士您好，请于12月10日来院复查。")
        #expect(first.dueDate == LocalDate(iso: "2026-12-07"))
        #expect(first.localDate == LocalDate(iso: "2026-12-07"))
        #expect(first.state == .queued)
        #expect(first.senders == ["file"])
        #expect(first.idempotencyKey == "recheck|P1|-3d|2026-12-07")
        let english = try #require(try messages(store).first { $0.patientID == "P2" && $0.step == "-1d" })
        #expect(english.body == "Dear Ms. 王, your recheck is on December 10.")
        #expect(english.timeZone == "America/New_York")
    }

    @Test func queuingTheSameScheduleAgainQueuesNothingNew() throws {
        let store = try store([Self.patient("P1"), Self.patient("P2", phone: "+8613900139000")])
        let campaign = try Self.campaign("recheck", Self.recheck)
        let first = try queue([campaign]).run(store: store, dryRun: false, skipInvalid: false)
        #expect(first.queued == 4)
        let again = try queue([campaign], now: "2026-12-02T00:00:00Z").run(
            store: store, dryRun: false, skipInvalid: false)
        #expect(again.queued == 0)
        #expect(again.duplicates == 4)
        #expect(again.batchID == nil)
        #expect(try messages(store).count == 4)
        #expect(
            again.json
                == #"{"batch":null,"queued":0,"duplicates":4,"opted_out":0,"expired":0,"capped":0,"errors":[]}"#
        )
    }

    @Test func patientsSharingAPhoneGetOneMessageWithPhoneDedupe() throws {
        let shared = "+8613800138000"
        let store = try store([
            Self.patient("P2", phone: shared), Self.patient("P1", phone: shared),
            Self.patient("P3", phone: "+8613700137000"),
        ])
        let campaign = try Self.campaign(
            "cold", Self.broadcast("2026-12-05", extra: "") + "\n[limits]\ndedupe = \"phone\"\n")
        let report = try queue([campaign]).run(store: store, dryRun: false, skipInvalid: false)
        #expect(report.queued == 2)
        #expect(report.duplicates == 1)
        // The first patient by id keeps the message.
        #expect(try messages(store).map(\.patientID).sorted() == ["P1", "P3"])
        #expect(report.skips.contains { $0.reason == .duplicate && $0.patientID == "P2" })
    }

    @Test func withoutPhoneDedupeEveryPatientOfAFamilyGetsTheirOwn() throws {
        let store = try store([Self.patient("P1"), Self.patient("P2")])
        let report = try queue([try Self.campaign("cold", Self.broadcast("2026-12-05"))]).run(
            store: store, dryRun: false, skipInvalid: false)
        #expect(report.queued == 2)
    }

    @Test func aMessageOverTheDailyCapMovesToTheNextDayWhileItCan() throws {
        let store = try store([Self.patient("P1")])
        let first = try Self.campaign("a", Self.broadcast("2026-12-05"))
        let movable = try Self.campaign(
            "b", Self.broadcast("2026-12-05") + "\n[limits]\nexpire_after = \"2d\"\n")
        let stuck = try Self.campaign("c", Self.broadcast("2026-12-05"))
        let report = try queue([first, movable, stuck]).run(store: store, dryRun: false, skipInvalid: true)
        #expect(report.queued == 2)
        #expect(report.capped == 1)
        let planned = try messages(store).map { "\($0.campaign) \($0.localDate.iso)" }.sorted()
        #expect(planned == ["a 2026-12-05", "b 2026-12-06"])
        #expect(report.skips.contains { $0.reason == .capped && $0.campaign == "c" })
    }

    @Test func theWeeklyCapCountsMondayToSundayAcrossBatches() throws {
        let store = try store([Self.patient("P1")])
        // Mon Dec 7 … Thu Dec 10 2026: three fit the week, the fourth is capped (no expiry room).
        for (index, date) in ["2026-12-07", "2026-12-08", "2026-12-09"].enumerated() {
            let report = try queue([try Self.campaign("w\(index)", Self.broadcast(date))]).run(
                store: store, dryRun: false, skipInvalid: false)
            #expect(report.queued == 1)
        }
        let fourth = try queue([try Self.campaign("w3", Self.broadcast("2026-12-10"))]).run(
            store: store, dryRun: false, skipInvalid: false)
        #expect(fourth.queued == 0)
        #expect(fourth.capped == 1)
        // With room until next Monday it moves into the next week.
        let late = try queue([
            try Self.campaign("w4", Self.broadcast("2026-12-10") + "\n[limits]\nexpire_after = \"5d\"\n")
        ]).run(store: store, dryRun: false, skipInvalid: false)
        #expect(late.queued == 1)
        #expect(try messages(store).first { $0.campaign == "w4" }?.localDate == LocalDate(iso: "2026-12-14"))
    }

    @Test func optedOutPatientsAndPhonesAreNeverQueued() throws {
        let store = try store([
            Self.patient("P1", optOut: true), Self.patient("P2", phone: "+8613900139000"),
            Self.patient("P3", phone: "+8613700137000"),
        ])
        _ = try store.addOptOut(
            OptOut(
                phone: Self.phone("+8613900139000"), patientID: nil, reason: "asked",
                at: Self.instant("2026-11-30T00:00:00Z"), source: "test"),
            audit: AuditEntry(at: Self.instant("2026-11-30T00:00:00Z"), actor: "t", action: "optout"))
        let report = try queue([try Self.campaign("recheck", Self.recheck)]).run(
            store: store, dryRun: false, skipInvalid: false)
        #expect(report.optedOut == 4)
        #expect(report.queued == 2)
        #expect(try messages(store).allSatisfy { $0.patientID == "P3" })
    }

    @Test func aPastStepIsPlannedWithinItsExpiryAndReportedExpiredAfter() throws {
        let store = try store([Self.patient("P1", recheck: "2026-12-04")])
        // Due Dec 1 (-3d) and Dec 3 (-1d); it is Dec 3, 20:30 in Shanghai.
        let lenient = try Self.campaign("recheck", Self.recheck + "\n[limits]\nexpire_after = \"1d\"\n")
        let report = try queue([lenient], now: "2026-12-03T12:30:00Z").run(
            store: store, dryRun: false, skipInvalid: false)
        // -3d: Dec 1 + 1 day is Dec 2, past: expired. -1d: Dec 3, 20:30 is inside 19:00-21:00 and before quiet
        // hours: send now.
        #expect(report.expired == 1)
        #expect(report.queued == 1)
        #expect(report.skips.contains { $0.reason == .expired && $0.step == "-3d" })
        let message = try #require(try messages(store).first)
        #expect(message.sendAt == Self.instant("2026-12-03T12:30:00Z"))
    }

    @Test func preferredTimeReplacesTheCampaignsHours() throws {
        let store = try store([Self.patient("P1", preferred: "10:00-11:30")])
        _ = try queue([try Self.campaign("recheck", Self.recheck)]).run(
            store: store, dryRun: false, skipInvalid: false)
        let times = try messages(store).map { OutboxMessage.localText($0.sendAt, in: $0.zone) }.sorted()
        #expect(times == ["2026-12-07T10:00:00+08:00", "2026-12-09T10:00:00+08:00"])
    }

    @Test func quietHoursCutTheWindow() throws {
        let store = try store([Self.patient("P1")])
        let late = try Self.campaign(
            "late", Self.broadcast("2026-12-05") + "\n[window]\nhours = [\"20:00-23:00\"]\n")
        // Dec 5, 21:10 in Shanghai: the window is open but quiet hours (21:00-08:00) are too; next is Dec 6 20:00,
        // which is past the due date + 0 days: expired. With one day of room it goes out on Dec 6.
        let report = try queue([late], now: "2026-12-05T13:10:00Z").run(
            store: store, dryRun: false, skipInvalid: false)
        #expect(report.expired == 1)
        let roomy = try Self.campaign(
            "late2",
            Self.broadcast("2026-12-05")
                + "\n[window]\nhours = [\"20:00-23:00\"]\n[limits]\nexpire_after = \"1d\"\n")
        _ = try queue([roomy], now: "2026-12-05T13:10:00Z").run(
            store: store, dryRun: false, skipInvalid: false)
        #expect(
            try messages(store).map { OutboxMessage.localText($0.sendAt, in: $0.zone) } == [
                "2026-12-06T20:00:00+08:00"
            ])
    }

    @Test func audienceTagsExclusionsRequiredFieldsAndEqualityFilters() throws {
        let store = try store([
            Self.patient("P1", tags: ["cataract", "elderly"], extra: ["status": "resolved"]),
            Self.patient(
                "P2", phone: "+8613900139000", tags: ["cataract", "deceased"], extra: ["status": "resolved"]),
            Self.patient("P3", phone: "+8613700137000", tags: ["elderly"], extra: ["status": "open"]),
            Self.patient(
                "P4", phone: "+8613600136000", recheck: nil, tags: ["cataract"], extra: ["status": "resolved"]
            ),
        ])
        let campaign = try Self.campaign(
            "recheck",
            Self.recheck
                + "\n[audience]\ntags = [\"cataract\"]\nexclude_tags = [\"deceased\"]\nrequire = [\"recheck_date\"]\n"
                + "where = { status = \"resolved\" }\n")
        let report = try queue([campaign]).run(store: store, dryRun: false, skipInvalid: false)
        #expect(report.queued == 2)
        #expect(Set(try messages(store).map(\.patientID)) == ["P1"])
    }

    // MARK: - Errors and dry runs

    @Test func aMissingDateFieldIsAnErrorAndNothingIsWrittenWithoutSkipInvalid() throws {
        let store = try store([Self.patient("P1"), Self.patient("P2", phone: "+8613900139000", recheck: nil)])
        let campaign = try Self.campaign("recheck", Self.recheck)
        let report = try queue([campaign]).run(store: store, dryRun: false, skipInvalid: false)
        #expect(report.errorCount == 1)
        #expect(report.errors.first?.patientID == "P2")
        #expect(report.errors.first?.message.contains("recheck_date") == true)
        #expect(!report.committed)
        #expect(report.batchID == nil)
        #expect(try messages(store).isEmpty)
        #expect(store.status().batches.isEmpty)

        let skipping = try queue([campaign]).run(store: store, dryRun: false, skipInvalid: true)
        #expect(skipping.committed)
        #expect(skipping.queued == 2)
        #expect(skipping.errorCount == 1)
    }

    @Test func aRenderErrorNamesThePatientAndTheField() throws {
        let store = try store([Self.patient("P1")])
        let campaign = try Self.campaign(
            "doc", Self.recheck.replacingOccurrences(of: "\"recheck\"", with: "\"doctor\""))
        let report = try queue([campaign]).run(store: store, dryRun: false, skipInvalid: false)
        #expect(report.errorCount == 2)
        #expect(report.errors.first?.description.contains("patient P1") == true)
        #expect(report.errors.first?.message.contains("patient.doctor") == true)
        #expect(try messages(store).isEmpty)
    }

    @Test func aDryRunPlansAndReportsButWritesNothing() throws {
        let store = try store([Self.patient("P1")])
        let report = try queue([try Self.campaign("recheck", Self.recheck)]).run(
            store: store, dryRun: true, skipInvalid: false)
        #expect(report.queued == 2)
        #expect(report.batchID == nil)
        #expect(try messages(store).isEmpty)
        #expect(store.auditEntries(since: nil).map(\.action) == ["import"])
    }

    @Test func anUnknownTemplateOrSenderStopsTheRunBeforePlanning() throws {
        let store = try store([Self.patient("P1")])
        let badTemplate = try Self.campaign(
            "x", Self.recheck.replacingOccurrences(of: "\"recheck\"", with: "\"rechek\""))
        let templateError = try #require(throws: ConfigurationError.self) {
            try queue([badTemplate]).run(store: store, dryRun: false, skipInvalid: false)
        }
        #expect(templateError.key == "template")
        #expect(templateError.location == SourceLocation(line: 1, column: 12))
        #expect(
            templateError.description.hasPrefix("Schedules/x.toml:1:12: template: no template \"rechek\""))
        #expect(templateError.message.contains("did you mean recheck?"))
        let badSender = try Self.campaign(
            "y", Self.recheck.replacingOccurrences(of: "[\"file\"]", with: "[\"file\", \"sms\"]"))
        let senderError = try #require(throws: ConfigurationError.self) {
            try queue([badSender]).run(store: store, dryRun: false, skipInvalid: false)
        }
        #expect(senderError.key == "senders[1]")
        #expect(senderError.location == SourceLocation(line: 2, column: 20))
        #expect(senderError.description.hasPrefix("Schedules/y.toml:2:20: senders[1]: no sender \"sms\""))
        #expect(senderError.message.contains("[senders.sms]"))
    }

    /// A template that does not compile stops the run before planning, even with skipInvalid, and even when
    /// no patient would need that locale: it is broken for everyone, and nothing is written.
    @Test func aTemplateThatDoesNotCompileStopsTheRun() throws {
        try folder.write(
            "Templates/recheck.zh-CN.mustache",
            "+++\nkind = \"reminder\"\n+++\n{{patient.honorific}}您好{{#patient.doctor}}，请复查。\n")
        let library = try TemplateLibrary(directory: folder.path("Templates"))
        let store = try store([Self.patient("P1", locale: "en")])
        for skipInvalid in [false, true] {
            let error = try #require(throws: TemplateError.self) {
                try CampaignQueue(
                    campaigns: [try Self.campaign("recheck", Self.recheck)], library: library,
                    configuration: configuration, now: Self.instant("2026-12-01T00:00:00Z"), actor: "tester"
                ).run(store: store, dryRun: false, skipInvalid: skipInvalid)
            }
            #expect(error.file == folder.path("Templates/recheck.zh-CN.mustache"))
            #expect(error.location == SourceLocation(line: 4, column: 24))
        }
        #expect(try messages(store).isEmpty)
        #expect(store.auditEntries(since: nil).map(\.action) == ["import"])
    }

    @Test func theQueueIsAuditedWithCountsAndNoPatientData() throws {
        let store = try store([Self.patient("P1")])
        _ = try queue([try Self.campaign("recheck", Self.recheck)]).run(
            store: store, dryRun: false, skipInvalid: false)
        let entry = try #require(store.auditEntries(since: nil).last)
        #expect(entry.action == "queue")
        #expect(entry.actor == "tester")
        #expect(entry.detail.contains("queued=2"))
        #expect(!entry.detail.contains("13800138000"))
        #expect(!entry.detail.contains("王"))
    }
}
