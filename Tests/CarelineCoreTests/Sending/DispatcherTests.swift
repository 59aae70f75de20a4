import CarelineCore
import CarelineTesting
import Foundation
import Testing

/// The dispatcher's decisions, on the in-memory store with scripted senders and a manual clock. (The real
/// senders, transport and SQLite store are tested over loopback HTTP in CarelineCurlTests.)
@Suite("Dispatcher logic")
struct DispatcherTests {
    // One patient in Shanghai (UTC+8): the campaign's window is 19:00-21:00 local = 11:00-13:00Z, the clinic's
    // quiet hours 21:00-08:00 local = 13:00-00:00Z. The message is due 2026-12-01 and may be a day late.
    static let campaignSource = """
        template = "note"
        senders = ["a"]
        kind = "care"
        [trigger]
        at = 2026-12-01
        [window]
        hours = ["19:00-21:00"]
        [limits]
        expire_after = "1d"
        """

    static func instant(_ text: String) throws -> Date { try #require(Timestamp.parse(text)) }
    static func date(_ text: String) throws -> LocalDate { try #require(LocalDate(iso: text)) }

    static func message(
        _ id: String, patient: String = "p1", phone: String = "+8613800138000", senders: [String] = ["a"],
        sendAt: String = "2026-12-01T11:00:00Z", localDate: String = "2026-12-01", due: String = "2026-12-01",
        expiresAt: String = "2026-12-02T16:00:00Z", campaign: String = "care"
    ) throws -> OutboxMessage {
        OutboxMessage(
            id: id, batchID: 0, campaign: campaign, step: "at", patientID: patient,
            recipient: try #require(PhoneNumber(e164: phone)), senders: senders, dueDate: try date(due),
            sendAt: try instant(sendAt), localDate: try date(localDate), timeZone: "Asia/Shanghai",
            expiresAt: try instant(expiresAt), body: "body of \(id)", encoding: .gsm7, segments: 1,
            idempotencyKey: "key-\(id)", createdAt: try instant("2026-11-30T00:00:00Z"))
    }

    /// A store holding `messages` in one batch (with the campaign text unless `source` is nil) and patients.
    static func store(
        _ messages: [OutboxMessage], source: String? = campaignSource, patients: [Patient]? = nil
    ) throws -> InMemoryStore {
        let store = InMemoryStore()
        let audit = AuditEntry(
            at: try instant("2026-11-30T00:00:00Z"), actor: "t", action: "x", subject: nil, detail: "")
        let people =
            patients
            ?? Array(Set(messages.map(\.patientID))).sorted().map { id in
                Patient(
                    id: id, name: "Name", phone: messages.first { $0.patientID == id }?.recipient,
                    timeZone: "Asia/Shanghai")
            }
        _ = try store.upsertPatients(audit: audit) { emit in for patient in people { try emit(patient) } }
        _ = try store.queueBatch(
            campaigns: ["care"], createdAt: try instant("2026-11-30T00:00:00Z"), createdBy: "t"
        ) {
            writer in
            if let source { try writer.saveCampaignSource(campaign: "care", source: source) }
            for message in messages { _ = try writer.insert(message) }
            return (true, audit)
        }
        return store
    }

    static func dispatcher(
        _ store: InMemoryStore, senders: [ScriptedSender], clock: ManualClock,
        configuration: Configuration = Configuration(), rerenderer: (any MessageRerendering)? = nil,
        random: @escaping @Sendable () -> Double = { 0 }
    ) -> Dispatcher {
        var routes: [String: SenderRoute] = [:]
        for sender in senders { routes[sender.name] = SenderRoute(sender: sender, transport: nil) }
        return Dispatcher(
            store: store, routes: routes, configuration: configuration, clock: clock, random: random,
            rerenderer: rerenderer)
    }

    static func stored(_ store: InMemoryStore, _ id: String) throws -> OutboxMessage {
        var found: OutboxMessage?
        try store.forEachMessage(MessageFilter(id: id), limit: 1) { found = $0 }
        return try #require(found)
    }

    // MARK: - Send-time checks

    @Test func sendsWhatIsDueInsideItsWindowAndLeavesTheRest() throws {
        let store = try Self.store([
            try Self.message("m1"),
            try Self.message(
                "m2", patient: "p2", phone: "+8613900139000", sendAt: "2026-12-02T11:00:00Z",
                localDate: "2026-12-02"),
        ])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(name: "a")
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock).run(DispatchOptions())
        #expect(summary == DispatchSummary(sent: 1))
        #expect(sender.attempts.map(\.message.id) == ["m1"])
        #expect(sender.attempts.first?.attempt == 1)
        #expect(try Self.stored(store, "m1").state == .sent)
        #expect(try Self.stored(store, "m1").attempts == 1)
        #expect(try Self.stored(store, "m2").state == .queued)
        #expect(
            store.auditEntries(since: nil).last?.detail
                == "sent=1 retry=0 failed=0 unknown=0 rescheduled=0 skipped=0")
    }

    @Test func outsideItsWindowAtSendTimeIsPlannedForTheNextOpening() throws {
        let store = try Self.store([try Self.message("m1")])
        // 21:30 in Shanghai: after the window, inside quiet hours.
        let clock = ManualClock(start: try Self.instant("2026-12-01T13:30:00Z"))
        let sender = ScriptedSender(name: "a")
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock).run(DispatchOptions())
        #expect(summary == DispatchSummary(rescheduled: 1))
        #expect(sender.attempts.isEmpty)
        let message = try Self.stored(store, "m1")
        #expect(message.state == .queued)
        #expect(message.sendAt == (try Self.instant("2026-12-02T11:00:00Z")))
        #expect(message.localDate == (try Self.date("2026-12-02")))
    }

    @Test func pastItsExpiryItExpires() throws {
        let store = try Self.store([try Self.message("m1")])
        let clock = ManualClock(start: try Self.instant("2026-12-02T16:00:00Z"))
        let summary = try Self.dispatcher(store, senders: [ScriptedSender(name: "a")], clock: clock).run(
            DispatchOptions())
        #expect(summary == DispatchSummary(skipped: 1))
        #expect(try Self.stored(store, "m1").state == .expired)
        #expect(try Self.stored(store, "m1").lastError == "not sent before it expired")
    }

    @Test func theLastOpeningBeforeExpiryIsUsedAndNoneAfter() throws {
        let store = try Self.store([try Self.message("m1")])
        // 2026-12-02 21:30 local: the last window (12-02 19:00-21:00) is over, expiry is at 12-03 00:00 local.
        let clock = ManualClock(start: try Self.instant("2026-12-02T13:30:00Z"))
        let summary = try Self.dispatcher(store, senders: [ScriptedSender(name: "a")], clock: clock).run(
            DispatchOptions())
        #expect(summary == DispatchSummary(skipped: 1))
        #expect(try Self.stored(store, "m1").state == .expired)
    }

    @Test func aPatientWhoOptedOutAfterQueuingIsNotSent() throws {
        let optedOut = Patient(
            id: "p1", name: "Name", phone: PhoneNumber(e164: "+8613800138000"), timeZone: "Asia/Shanghai",
            optOut: true)
        let store = try Self.store([try Self.message("m1")], patients: [optedOut])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(name: "a")
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock).run(DispatchOptions())
        #expect(summary == DispatchSummary(skipped: 1))
        #expect(sender.attempts.isEmpty)
        #expect(try Self.stored(store, "m1").state == .cancelled)
    }

    @Test func thePreferredTimeOfTodayIsHonouredAtSendTime() throws {
        // The patient asked for 20:30-21:00 after the message was queued for 19:00.
        let patient = Patient(
            id: "p1", name: "Name", phone: PhoneNumber(e164: "+8613800138000"), timeZone: "Asia/Shanghai",
            preferredTime: TimeRange(parsing: "20:30-21:00"))
        let store = try Self.store([try Self.message("m1")], patients: [patient])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let summary = try Self.dispatcher(store, senders: [ScriptedSender(name: "a")], clock: clock).run(
            DispatchOptions())
        #expect(summary == DispatchSummary(rescheduled: 1))
        #expect(try Self.stored(store, "m1").sendAt == (try Self.instant("2026-12-01T12:30:00Z")))
    }

    @Test func theDailyCapHoldsAtSendTimeAndMovesTheSecondMessage() throws {
        var configuration = Configuration()
        configuration.policy.maxPerDay = 1
        let store = try Self.store([try Self.message("m1"), try Self.message("m2", campaign: "care")])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(name: "a")
        let summary = try Self.dispatcher(
            store, senders: [sender], clock: clock, configuration: configuration
        )
        .run(DispatchOptions())
        #expect(summary == DispatchSummary(sent: 1, rescheduled: 1))
        #expect(sender.attempts.map(\.message.id) == ["m1"])
        let moved = try Self.stored(store, "m2")
        #expect(moved.sendAt == (try Self.instant("2026-12-02T11:00:00Z")))
        #expect(moved.localDate == (try Self.date("2026-12-02")))
    }

    @Test func withoutTheCampaignKeptOnlyQuietHoursAndExpiryApply() throws {
        let store = try Self.store([try Self.message("m1")], source: nil)
        // 22:00 local: quiet until 08:00 local = 00:00Z.
        let clock = ManualClock(start: try Self.instant("2026-12-01T14:00:00Z"))
        let summary = try Self.dispatcher(store, senders: [ScriptedSender(name: "a")], clock: clock).run(
            DispatchOptions())
        #expect(summary == DispatchSummary(rescheduled: 1))
        #expect(try Self.stored(store, "m1").sendAt == (try Self.instant("2026-12-02T00:00:00Z")))
    }

    struct FixedRerenderer: MessageRerendering {
        func rerender(_ message: OutboxMessage, campaign: Campaign, on localDate: LocalDate) throws
            -> RenderedMessage?
        {
            let body = "rendered for \(localDate.iso)"
            return RenderedMessage(body: body, sms: SMSAnalysis(analyzing: body), warnings: [])
        }
    }

    @Test func aMessageMovedToAnotherDayIsRenderedForThatDay() throws {
        let store = try Self.store([try Self.message("m1")])
        let clock = ManualClock(start: try Self.instant("2026-12-01T13:30:00Z"))
        _ = try Self.dispatcher(
            store, senders: [ScriptedSender(name: "a")], clock: clock, rerenderer: FixedRerenderer()
        ).run(DispatchOptions())
        let message = try Self.stored(store, "m1")
        #expect(message.body == "rendered for 2026-12-02")
        #expect(message.segments == 1)
    }

    @Test func aSenderMissingFromTheConfigurationLeavesTheMessageAlone() throws {
        let store = try Self.store([try Self.message("m1", senders: ["gone"])])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let summary = try Self.dispatcher(store, senders: [ScriptedSender(name: "a")], clock: clock).run(
            DispatchOptions())
        #expect(summary == DispatchSummary(skipped: 1))
        #expect(try Self.stored(store, "m1").state == .queued)
    }

    @Test func aDryRunCountsButWritesAndSendsNothing() throws {
        let store = try Self.store([
            try Self.message("m1"),
            try Self.message("m2", patient: "p2", phone: "+8613900139000", expiresAt: "2026-12-01T11:10:00Z"),
        ])
        let before = try Self.all(store)
        let auditBefore = store.auditEntries(since: nil)
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(name: "a")
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock).run(
            DispatchOptions(dryRun: true))
        #expect(summary == DispatchSummary(sent: 1, skipped: 1))
        #expect(sender.attempts.isEmpty)
        #expect(try Self.all(store) == before)
        #expect(store.auditEntries(since: nil) == auditBefore)
    }

    static func all(_ store: InMemoryStore) throws -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        try store.forEachMessage(MessageFilter(), limit: nil) { messages.append($0) }
        return messages
    }

    // MARK: - Outcomes

    @Test func aTemporaryFailureIsRetriedAfterTheBackoffWithJitterInsideTheWindow() throws {
        let store = try Self.store([try Self.message("m1")])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(name: "a", outcome: { _ in .retry(after: nil, reason: "HTTP 503") })
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock, random: { 0.5 }).run(
            DispatchOptions())
        #expect(summary == DispatchSummary(retry: 1))
        let message = try Self.stored(store, "m1")
        #expect(message.state == .retry)
        // 60 s + 5 % (half of the 10 % jitter).
        #expect(message.sendAt == (try Self.instant("2026-12-01T11:31:03Z")))
        #expect(message.lastError == "HTTP 503")
        #expect(message.attempts == 1)
    }

    @Test func aRetryAfterLongerThanTheBackoffWinsAndClosedWindowsAreSkipped() throws {
        let store = try Self.store([try Self.message("m1")])
        let clock = ManualClock(start: try Self.instant("2026-12-01T12:30:00Z"))
        // Two hours from 20:30 local is 22:30, inside quiet hours: the next opening is 19:00 the next day.
        let sender = ScriptedSender(
            name: "a", outcome: { _ in .retry(after: .seconds(7200), reason: "HTTP 429") })
        _ = try Self.dispatcher(store, senders: [sender], clock: clock).run(DispatchOptions())
        #expect(try Self.stored(store, "m1").sendAt == (try Self.instant("2026-12-02T11:00:00Z")))
    }

    @Test func afterTheLastAttemptThroughASenderTheNextSenderIsTriedAtOnce() throws {
        var message = try Self.message("m1", senders: ["a", "b"])
        message.attempts = 4
        let store = try Self.store([message])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let first = ScriptedSender(name: "a", outcome: { _ in .retry(after: nil, reason: "HTTP 500") })
        let second = ScriptedSender(name: "b", outcome: { _ in .sent(providerID: "SM1") })
        let summary = try Self.dispatcher(store, senders: [first, second], clock: clock).run(
            DispatchOptions())
        #expect(summary == DispatchSummary(sent: 1))
        #expect(first.attempts.map(\.attempt) == [5])
        #expect(second.attempts.map(\.attempt) == [1])
        let stored = try Self.stored(store, "m1")
        #expect(stored.state == .sent)
        #expect(stored.senderIndex == 1)
        #expect(stored.providerID == "SM1")
        #expect(stored.lastError == nil)
    }

    @Test func aPermanentFailureOnTheLastSenderFails() throws {
        let store = try Self.store([try Self.message("m1", senders: ["a", "b"])])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let first = ScriptedSender(name: "a", outcome: { _ in .permanent(reason: "HTTP 410", optOut: false) })
        let second = ScriptedSender(
            name: "b", outcome: { _ in .permanent(reason: "bad number", optOut: false) })
        let summary = try Self.dispatcher(store, senders: [first, second], clock: clock).run(
            DispatchOptions())
        #expect(summary == DispatchSummary(failed: 1))
        let stored = try Self.stored(store, "m1")
        #expect(stored.state == .failed)
        #expect(stored.lastError == "bad number")
    }

    @Test func anUnsubscribedRecipientIsRecordedAndTheirOtherMessagesCancelled() throws {
        let store = try Self.store([
            try Self.message("m1", senders: ["a", "b"]),
            try Self.message(
                "m2", sendAt: "2026-12-02T11:00:00Z", localDate: "2026-12-02", due: "2026-12-02"),
        ])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let first = ScriptedSender(
            name: "a", outcome: { _ in .permanent(reason: "twilio: error 21610", optOut: true) })
        let second = ScriptedSender(name: "b")
        let summary = try Self.dispatcher(store, senders: [first, second], clock: clock).run(
            DispatchOptions())
        #expect(summary == DispatchSummary(failed: 1))
        #expect(second.attempts.isEmpty)
        #expect(try Self.stored(store, "m1").state == .failed)
        #expect(try Self.stored(store, "m2").state == .cancelled)
        #expect(store.optOuts().map(\.phone?.e164) == ["+8613800138000"])
        #expect(store.optOuts().map(\.source) == ["a"])
    }

    @Test func anUnknownOutcomeIsKeptForReconcile() throws {
        let store = try Self.store([try Self.message("m1")])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(
            name: "a", resendIsSafe: false, outcome: { _ in .unknown(reason: "timeout") })
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock).run(DispatchOptions())
        #expect(summary == DispatchSummary(unknown: 1))
        #expect(try Self.stored(store, "m1").state == .unknown)
        // A second run leaves it alone.
        _ = try Self.dispatcher(store, senders: [sender], clock: clock).run(DispatchOptions())
        #expect(sender.attempts.count == 1)
    }

    // MARK: - Recovery

    @Test(arguments: [true, false])
    func aSendLeftInFlightIsResentOnlyWhereThatIsSafe(resendIsSafe: Bool) throws {
        var message = try Self.message("m1")
        message.state = .sending
        message.attempts = 2
        let store = try Self.store([message])
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(name: "a", resendIsSafe: resendIsSafe)
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock).run(DispatchOptions())
        if resendIsSafe {
            #expect(summary == DispatchSummary(sent: 1))
            // Resent as the same attempt.
            #expect(sender.attempts.map(\.attempt) == [2])
            #expect(try Self.stored(store, "m1").state == .sent)
        } else {
            #expect(summary == DispatchSummary(unknown: 1))
            #expect(sender.attempts.isEmpty)
            let stored = try Self.stored(store, "m1")
            #expect(stored.state == .unknown)
            #expect(stored.lastError?.contains("careline reconcile --id m1") == true)
        }
    }

    // MARK: - Limits and pace

    @Test func limitStopsClaimingAfterThatManyMessages() throws {
        let messages = try (1...12).map { try Self.message("m\($0)", patient: "p\($0)") }
        let store = try Self.store(messages)
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(name: "a")
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock).run(
            DispatchOptions(limit: 5))
        #expect(summary.sent == 5)
        #expect(try Self.all(store).filter { $0.state == .queued }.count == 7)
    }

    @Test func maxDurationStopsClaimingAndLosesNothing() throws {
        let messages = try (1...140).map {
            try Self.message("m\(String(format: "%03d", $0))", patient: "p\($0)")
        }
        let store = try Self.store(messages)
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(
            name: "a", concurrency: 2, onSend: { _ in clock.advance(by: .seconds(1)) })
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock)
            .run(DispatchOptions(maxDuration: .seconds(20)))
        // Rounds of 128 (concurrency 2 × 64 for a sender that de-duplicates), one second per message: the first
        // round passes 20 s, so no second one is claimed; the rest stay queued for the next run.
        #expect(summary.sent == 128)
        let states = try Self.all(store).map(\.state)
        #expect(states.filter { $0 == .sent }.count == 128)
        #expect(states.filter { $0 == .queued }.count == 12)
    }

    @Test func theRateLimitPacesRounds() throws {
        let messages = try (1...30).map {
            try Self.message("m\(String(format: "%02d", $0))", patient: "p\($0)")
        }
        let store = try Self.store(messages)
        let clock = ManualClock(start: try Self.instant("2026-12-01T11:30:00Z"))
        let sender = ScriptedSender(name: "a", rate: 10, concurrency: 8)
        let summary = try Self.dispatcher(store, senders: [sender], clock: clock).run(DispatchOptions())
        #expect(summary.sent == 30)
        // Rounds of 10 at 10 per second leave at the slot of their last message: 0.9 s, 1.9 s, 2.9 s.
        #expect(clock.slept == [.milliseconds(900), .seconds(1), .seconds(1)])
    }
}
