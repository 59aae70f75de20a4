import CarelineCore
import CarelineCurl
import CarelineSQLite
import CarelineTesting
import Foundation
import Testing

/// The dispatcher end to end in one process: a real SQLite file, real HTTP over loopback (``LoopbackServer``
/// as a webhook receiver, `twilio_fake.py` as Twilio), senders built by ``SenderRoutes``, and a manual clock
/// so backoff, rate limits and `--max-duration` run without waiting.
///
/// Serialized: its tests run one at a time, so the timing checks (a 1 s sender timeout, the concurrency
/// test's wall clock) do not compete with each other for the two cores.
@Suite("Dispatcher over loopback HTTP and SQLite", .serialized)
struct DispatcherHTTPTests {
    /// 2026-12-01T10:00:00Z: inside the default window (09:00-21:00) and outside quiet hours, in UTC.
    static let start = Date(timeIntervalSince1970: 1_796_119_200)
    /// When the test messages were planned: five minutes before ``start``, so they are due.
    static let planned = start.addingTimeInterval(-300)

    /// What a receiver echoes back: the number and the body, which must never reach `last_error`.
    static let echo = Array("received \(DispatchWorld.phone): \(DispatchWorld.body)".utf8)

    /// Checks that a reason names no full number, no body and nothing the receiver said.
    static func expectPrivate(_ reason: String?, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard let reason else { return }
        for secret in [DispatchWorld.phone, "13800138000", DispatchWorld.body, "received", "明德"] {
            #expect(!reason.contains(secret), "last_error leaks \(secret)", sourceLocation: sourceLocation)
        }
    }

    /// The audit line the run appends last.
    static func expectAudited(
        _ summary: DispatchSummary, in world: DispatchWorld,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let last = try world.store.auditEntries(since: nil).last
        #expect(last?.action == "dispatch", sourceLocation: sourceLocation)
        #expect(last?.detail == summary.text, sourceLocation: sourceLocation)
    }

    // MARK: - 1. Webhook status mapping

    /// One status a webhook receiver answers, and what the dispatcher must record.
    struct StatusCase: Sendable, CustomTestStringConvertible {
        var status: Int
        var state: MessageState
        var lastError: String?

        var testDescription: String { "HTTP \(status) → \(state.rawValue)" }

        var summary: DispatchSummary {
            switch state {
            case .sent: DispatchSummary(sent: 1)
            case .retry: DispatchSummary(retry: 1)
            default: DispatchSummary(failed: 1)
            }
        }
    }

    static let statusCases: [StatusCase] =
        [200, 201, 204].map { StatusCase(status: $0, state: .sent, lastError: nil) }
        + [
            StatusCase(
                status: 410, state: .failed,
                lastError: "webhook: HTTP 410: the receiver disabled this endpoint; check senders.hook.url")
        ]
        + [400, 404, 422].map {
            StatusCase(
                status: $0, state: .failed,
                lastError: "webhook: HTTP \($0): the receiver rejected the message")
        }
        + [408, 429, 500, 502, 503].map {
            StatusCase(status: $0, state: .retry, lastError: "webhook: HTTP \($0)")
        }
        + [301, 302].map {
            StatusCase(
                status: $0, state: .failed,
                lastError: "webhook: HTTP \($0): redirects are not followed; fix the URL in senders.hook.url")
        }

    @Test(arguments: statusCases)
    func webhookStatusBecomesAState(_ expected: StatusCase) throws {
        let world = try DispatchWorld(start: Self.start)
        let status = expected.status
        let server = try LoopbackServer { request in
            // Where a followed redirect would land: answering 200 would make the message `sent`.
            if request.path == "/moved" { return .text("followed") }
            var headers = [(name: "Content-Type", value: "text/plain; charset=utf-8")]
            if (300...399).contains(status) { headers.append((name: "Location", value: "/moved")) }
            return .response(status: status, headers: headers, body: status == 204 ? [] : Self.echo)
        }
        defer { server.stop() }
        try world.queue([try DispatchWorld.message("msg_1", sendAt: Self.planned)])
        let dispatcher = try world.dispatcher(senders: [
            "hook": DispatchWorld.webhook(server.url(path: "/hook"))
        ])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == expected.summary)
        let message = try world.message("msg_1")
        #expect(message.state == expected.state)
        #expect(message.attempts == 1)
        #expect(message.lastError == expected.lastError)
        #expect(message.providerID == nil)
        #expect(
            message.sendAt == (expected.state == .retry ? Self.start.addingTimeInterval(60) : Self.planned))
        Self.expectPrivate(message.lastError)
        #expect(server.requests.map(\.path) == ["/hook"])
        #expect(server.requests.first?.headers["webhook-id"] == "msg_1")
        #expect(server.requests.first?.webhookAttempt == 1)
        try Self.expectAudited(summary, in: world)
    }

    @Test func connectionRefusedIsRetried() throws {
        let world = try DispatchWorld(start: Self.start)
        let port = try LoopbackServer.unusedPort()
        try world.queue([try DispatchWorld.message("msg_1", sendAt: Self.planned)])
        let dispatcher = try world.dispatcher(
            senders: ["hook": DispatchWorld.webhook("http://127.0.0.1:\(port)/hook")])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(retry: 1))
        let message = try world.message("msg_1")
        #expect(message.state == .retry)
        #expect(message.attempts == 1)
        #expect(message.sendAt == Self.start.addingTimeInterval(60))
        #expect(message.lastError?.hasPrefix("webhook: no response (connect: ") == true)
        Self.expectPrivate(message.lastError)
    }

    @Test func hangPastTheTimeoutIsRetried() throws {
        let world = try DispatchWorld(start: Self.start)
        let server = try LoopbackServer { _ in .hang }
        defer { server.stop() }
        try world.queue([try DispatchWorld.message("msg_1", sendAt: Self.planned)])
        let dispatcher = try world.dispatcher(
            senders: ["hook": DispatchWorld.webhook(server.url(path: "/hook"), timeout: .seconds(1))])

        let elapsed = try ContinuousClock().measure {
            let summary = try dispatcher.run(DispatchOptions())
            #expect(summary == DispatchSummary(retry: 1))
        }

        #expect(elapsed < .seconds(4))
        let message = try world.message("msg_1")
        // A webhook resend is safe (same webhook-id), so a timeout is a retry, never `unknown`.
        #expect(message.state == .retry)
        #expect(message.attempts == 1)
        #expect(message.sendAt == Self.start.addingTimeInterval(60))
        #expect(message.lastError?.hasPrefix("webhook: no response (timeout: ") == true)
        Self.expectPrivate(message.lastError)
        #expect(server.requests.count == 1)
    }

    /// How a receiver can break a connection after the request went out.
    static func broken(_ name: String) -> LoopbackServer.Reply {
        switch name {
        case "closeMidResponse": .closeMidResponse
        case "closeMidBody": .closeMidBody
        default: .closeWithoutAnswer
        }
    }

    /// A webhook resend is harmless: a connection broken after the request went out is a retry.
    @Test(arguments: ["closeWithoutAnswer", "closeMidResponse", "closeMidBody"])
    func brokenWebhookConnectionIsRetried(_ reply: String) throws {
        let world = try DispatchWorld(start: Self.start)
        let server = try LoopbackServer { _ in Self.broken(reply) }
        defer { server.stop() }
        try world.queue([try DispatchWorld.message("msg_1", sendAt: Self.planned)])
        let dispatcher = try world.dispatcher(senders: [
            "hook": DispatchWorld.webhook(server.url(path: "/hook"))
        ])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(retry: 1))
        let message = try world.message("msg_1")
        #expect(message.state == .retry)
        #expect(message.sendAt == Self.start.addingTimeInterval(60))
        #expect(message.lastError?.hasPrefix("webhook: no response (other: ") == true)
        #expect(server.requests.count == 1)
    }

    /// Twilio may have a message whose connection broke after the request went out: `unknown`, never resent;
    /// a refused connection sent nothing: a retry.
    @Test(arguments: ["closeWithoutAnswer", "closeMidResponse", "closeMidBody", "refused"])
    func brokenTwilioConnection(_ reply: String) throws {
        let world = try DispatchWorld(start: Self.start)
        let server = try LoopbackServer { _ in Self.broken(reply) }
        defer { server.stop() }
        let port = reply == "refused" ? try LoopbackServer.unusedPort() : server.port
        try world.queue(
            [try DispatchWorld.message("msg_1", senders: ["sms"], sendAt: Self.planned)],
            source: DispatchWorld.campaignSource(senders: ["sms"]))
        let settings = TwilioSettings(
            baseURL: "http://127.0.0.1:\(port)", accountSID: TwilioFake.accountSID,
            authToken: Secret(
                parsing: "env:TWILIO_TOKEN", key: "senders.sms.auth_token", configurationFile: "c"),
            origin: .from(try #require(PhoneNumber(e164: "+15005550006"))))
        let dispatcher = try world.dispatcher(senders: ["sms": .twilio(settings)])

        let summary = try dispatcher.run(DispatchOptions())
        world.clock.advance(by: .seconds(3600))
        let later = try dispatcher.run(DispatchOptions())

        let message = try world.message("msg_1")
        if reply == "refused" {
            #expect(summary == DispatchSummary(retry: 1))
            #expect(message.lastError?.hasPrefix("twilio: no response (connect: ") == true)
            // Retried an hour later (and refused again): 60 s, then 300 s.
            #expect(later == DispatchSummary(retry: 1))
            #expect(message.state == .retry)
            #expect(message.attempts == 2)
        } else {
            #expect(summary == DispatchSummary(unknown: 1))
            #expect(later == DispatchSummary())
            #expect(message.state == .unknown)
            #expect(message.attempts == 1)
            #expect(message.lastError?.hasSuffix("; Twilio may have accepted it") == true)
            #expect(server.requests.count == 1)
        }
    }

    // MARK: - 2. Retry-After

    @Test(arguments: [
        ("600", 600.0), ("5", 60), ("Tue, 01 Dec 2026 10:10:00 GMT", 600),
        ("Tue, 01 Dec 2026 10:00:30 GMT", 60),
        ("Tuesday, 01-Dec-26 10:30:00 GMT", 1800),
    ])
    func retryAfterWinsWhenLongerThanTheBackoff(header: String, wait: Double) throws {
        let world = try DispatchWorld(start: Self.start)
        let server = try LoopbackServer { _ in
            .response(status: 429, headers: [(name: "Retry-After", value: header)], body: Self.echo)
        }
        defer { server.stop() }
        try world.queue([try DispatchWorld.message("msg_1", sendAt: Self.planned)])
        let dispatcher = try world.dispatcher(senders: [
            "hook": DispatchWorld.webhook(server.url(path: "/hook"))
        ])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(retry: 1))
        let message = try world.message("msg_1")
        #expect(message.state == .retry)
        #expect(message.sendAt == Self.start.addingTimeInterval(wait))
        #expect(message.lastError == "webhook: HTTP 429")
    }

    // MARK: - 3. Backoff schedule

    @Test func backoffWaitsGrowThenTheMessageFails() throws {
        let start = try DispatchWorld.at("2026-12-01T01:00:00Z")
        let world = try DispatchWorld(start: start)
        let server = try LoopbackServer { _ in .response(status: 503, body: Self.echo) }
        defer { server.stop() }
        try world.queue(
            [
                try DispatchWorld.message(
                    "msg_1", sendAt: start, expiresAt: start.addingTimeInterval(7 * 86_400))
            ],
            source: DispatchWorld.campaignSource(hours: "00:00-23:59", expireAfter: "7d"))
        let dispatcher = try world.dispatcher(
            senders: ["hook": DispatchWorld.webhook(server.url(path: "/hook"))],
            policy: DispatchWorld.noQuietHours)

        var waits: [Double] = []
        var summaries: [DispatchSummary] = []
        for _ in 1...5 {
            summaries.append(try dispatcher.run(DispatchOptions()))
            let message = try world.message("msg_1")
            guard message.state == .retry else { break }
            let wait = message.sendAt.timeIntervalSince(world.clock.now())
            waits.append(wait)
            // Not a second early: a run just before the planned instant sends nothing.
            world.clock.advance(by: .seconds(wait - 1))
            #expect(try dispatcher.run(DispatchOptions()) == DispatchSummary())
            world.clock.advance(by: .seconds(1))
        }

        #expect(waits == [60, 300, 1800, 7200])
        #expect(
            summaries == Array(repeating: DispatchSummary(retry: 1), count: 4) + [DispatchSummary(failed: 1)])
        let message = try world.message("msg_1")
        #expect(message.state == .failed)
        #expect(message.attempts == 5)
        #expect(message.lastError == "webhook: HTTP 503 (gave up after 5 attempts)")
        let requests = server.requests
        #expect(requests.map(\.webhookAttempt) == [1, 2, 3, 4, 5])
        #expect(requests.map { $0.headers["webhook-id"] } == Array(repeating: "msg_1", count: 5))
        let base = Int(start.timeIntervalSince1970)
        #expect(
            requests.map { $0.headers["webhook-timestamp"] }
                == [0, 60, 360, 2160, 9360].map { String(base + $0) })
    }

    /// A retry that would land outside the window or inside quiet hours waits for the next opening.
    @Test(arguments: [
        ("09:00-21:00", "2026-12-02T09:00:00Z"),  // the campaign's window closes at 21:00
        ("00:00-23:59", "2026-12-02T08:00:00Z"),  // the clinic's quiet hours (21:00-08:00) begin
    ])
    func retryWaitsForTheNextOpening(hours: String, expected: String) throws {
        let start = try DispatchWorld.at("2026-12-01T20:59:30Z")
        let world = try DispatchWorld(start: start)
        let server = try LoopbackServer { _ in .response(status: 503) }
        defer { server.stop() }
        try world.queue(
            [try DispatchWorld.message("msg_1", sendAt: start.addingTimeInterval(-30))],
            source: DispatchWorld.campaignSource(hours: hours, expireAfter: "2d"))
        let dispatcher = try world.dispatcher(senders: [
            "hook": DispatchWorld.webhook(server.url(path: "/hook"))
        ])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(retry: 1))
        let message = try world.message("msg_1")
        #expect(message.state == .retry)
        #expect(message.sendAt == (try DispatchWorld.at(expected)))
        #expect(message.localDate == LocalDate(year: 2026, month: 12, day: 2))
        #expect(server.requests.count == 1)
    }

    // MARK: - 8. Rate limit and concurrency

    @Test func rateLimitSpreadsSixtyMessagesOverThreeSeconds() throws {
        let world = try DispatchWorld(start: Self.start)
        let server = try LoopbackServer { _ in .response(status: 200) }
        defer { server.stop() }
        let messages = try (0..<60).map {
            try DispatchWorld.message(String(format: "msg_%02d", $0), sendAt: Self.planned)
        }
        try world.queue(messages)
        let dispatcher = try world.dispatcher(
            senders: ["hook": DispatchWorld.webhook(server.url(path: "/hook"), rate: 20)])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(sent: 60))
        #expect(try world.messages().allSatisfy { $0.state == .sent })
        #expect(server.requests.count == 60)
        // Never more than 20 requests stamped with the same second of the manual clock.
        var perSecond: [String: Int] = [:]
        for request in server.requests {
            perSecond[request.headers["webhook-timestamp"] ?? "?", default: 0] += 1
        }
        #expect(perSecond.values.allSatisfy { $0 <= 20 })
        let slept = world.clock.slept.reduce(Duration.zero, +)
        #expect(slept >= .milliseconds(2500))
        #expect(slept <= .milliseconds(3500))
    }

    @Test func concurrentRequestsOverlap() throws {
        let world = try DispatchWorld(start: Self.start)
        let server = try LoopbackServer { _ in .response(status: 202, delay: .milliseconds(100)) }
        defer { server.stop() }
        let messages = try (0..<32).map {
            try DispatchWorld.message(String(format: "msg_%02d", $0), sendAt: Self.planned)
        }
        try world.queue(messages)
        let dispatcher = try world.dispatcher(
            senders: ["hook": DispatchWorld.webhook(server.url(path: "/hook"), concurrency: 8)])

        var summary = DispatchSummary()
        let elapsed = try ContinuousClock().measure { summary = try dispatcher.run(DispatchOptions()) }

        #expect(summary == DispatchSummary(sent: 32))
        #expect(elapsed < .milliseconds(1500), "32 requests of 100 ms each took \(elapsed)")
        #expect(Set(server.requests.map(\.connection)).count >= 2)
        #expect(server.connectionsAccepted <= 8)
    }

    // MARK: - Caps at send time

    /// After an outage, two overdue messages of one patient (planned for Dec 1 and Dec 2, daily cap 1) are
    /// found outside the window at 22:00 on Dec 2: they must move to two different days and both be sent.
    @Test func overdueMessagesOfOnePatientMoveToDifferentDays() throws {
        let world = try DispatchWorld(start: try DispatchWorld.at("2026-12-02T22:00:00Z"))
        let server = try LoopbackServer { _ in .response(status: 200) }
        defer { server.stop() }
        let expiry = try DispatchWorld.at("2026-12-07T00:00:00Z")
        let first = try DispatchWorld.message(
            "msg_1", patient: "P1", sendAt: try DispatchWorld.at("2026-12-01T10:00:00Z"), expiresAt: expiry)
        var second = try DispatchWorld.message(
            "msg_2", patient: "P1", sendAt: try DispatchWorld.at("2026-12-02T10:00:00Z"), expiresAt: expiry)
        second.idempotencyKey += "|second"
        try world.queue([first, second], source: DispatchWorld.campaignSource(expireAfter: "5d"))
        let dispatcher = try world.dispatcher(senders: [
            "hook": DispatchWorld.webhook(server.url(path: "/hook"))
        ])

        let summary = try dispatcher.run(DispatchOptions())
        #expect(summary == DispatchSummary(rescheduled: 2))
        let planned = try world.messages().map { $0.localDate.iso }
        // Then every morning at 09:00 until they expire.
        var runs: [DispatchSummary] = []
        world.clock.advance(by: .seconds(11 * 3600))
        for _ in 0..<4 {
            runs.append(try dispatcher.run(DispatchOptions()))
            world.clock.advance(by: .seconds(86_400))
        }
        let states = try world.messages().map(\.state)

        #expect(Set(planned) == ["2026-12-03", "2026-12-04"])
        #expect(runs.prefix(2) == [DispatchSummary(sent: 1), DispatchSummary(sent: 1)])
        #expect(states == [.sent, .sent])
        #expect(server.requests.count == 2)
    }

    // MARK: - 7. Recovery of a webhook send

    @Test func interruptedWebhookSendIsResentWithTheSameAttemptAndID() throws {
        let world = try DispatchWorld(start: Self.start)
        let server = try LoopbackServer { _ in .response(status: 200) }
        defer { server.stop() }
        try world.queue([try DispatchWorld.message("msg_1", sendAt: Self.planned)])
        let claimed = try world.store.apply(
            [MessageUpdate(id: "msg_1", from: .queued, to: .sending, at: Self.planned, attempts: 1)],
            audit: [])
        #expect(claimed == ["msg_1"])
        let dispatcher = try world.dispatcher(senders: [
            "hook": DispatchWorld.webhook(server.url(path: "/hook"))
        ])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(sent: 1))
        let message = try world.message("msg_1")
        #expect(message.state == .sent)
        #expect(message.attempts == 1)
        #expect(message.lastError == nil)
        #expect(server.requests.count == 1)
        #expect(server.requests.first?.webhookAttempt == 1)
        #expect(server.requests.first?.headers["webhook-id"] == "msg_1")
    }

    // MARK: - 9. --limit and --max-duration

    @Test func limitSendsExactlyThatMany() throws {
        let world = try DispatchWorld(start: Self.start)
        let server = try LoopbackServer { _ in .response(status: 200) }
        defer { server.stop() }
        let messages = try (0..<12).map {
            try DispatchWorld.message(String(format: "msg_%02d", $0), sendAt: Self.planned)
        }
        try world.queue(messages)
        let dispatcher = try world.dispatcher(senders: [
            "hook": DispatchWorld.webhook(server.url(path: "/hook"))
        ])

        let summary = try dispatcher.run(DispatchOptions(limit: 5))

        #expect(summary == DispatchSummary(sent: 5))
        let stored = try world.messages()
        #expect(
            stored.filter { $0.state == .sent }.map(\.id) == (0..<5).map { String(format: "msg_%02d", $0) })
        #expect(stored.filter { $0.state == .queued }.count == 7)
        #expect(server.requests.count == 5)
    }

    @Test func maxDurationStopsClaimingAndLosesNothing() throws {
        let world = try DispatchWorld(start: Self.start)
        let clock = world.clock
        let sender = ScriptedSender(
            name: "hook", concurrency: 1, onSend: { _ in clock.advance(by: .seconds(1)) })
        let messages = try (0..<100).map {
            try DispatchWorld.message(String(format: "msg_%02d", $0), sendAt: Self.planned)
        }
        try world.queue(messages)
        let dispatcher = world.dispatcher(routes: ["hook": SenderRoute(sender: sender, transport: nil)])

        let summary = try dispatcher.run(DispatchOptions(maxDuration: .seconds(3)))

        #expect(summary.sent > 0)
        #expect(summary.sent < 100)
        // Exactly one round: 64 × concurrency messages of a de-duplicating sender are claimed together, and that
        // round takes 64 s > 3 s.
        #expect(summary.sent == 64)
        #expect(summary == DispatchSummary(sent: summary.sent))
        #expect(sender.attempts.count == summary.sent)
        let stored = try world.messages()
        #expect(stored.filter { $0.state == .sent }.count == summary.sent)
        #expect(stored.filter { $0.state == .queued }.count == 100 - summary.sent)
        #expect(stored.allSatisfy { $0.state == .sent || ($0.state == .queued && $0.attempts == 0) })
        // The next run picks up the rest.
        let rest = try dispatcher.run(DispatchOptions())
        #expect(rest == DispatchSummary(sent: 100 - summary.sent))
    }
}

/// The dispatcher against `twilio_fake.py`: fallback, opt-out at the provider, timeouts and recovery.
@Suite(
    "Dispatcher against twilio_fake.py", .serialized,
    .enabled(if: TwilioFake.isAvailable, "python3 or Tests/Fakes/twilio_fake.py is missing"))
struct DispatcherTwilioTests {
    static let start = DispatcherHTTPTests.start
    static let planned = DispatcherHTTPTests.planned

    // MARK: - 4. Fallback

    @Test func permanentWebhookFailureFallsBackToSMSInTheSameRun() throws {
        let world = try DispatchWorld(start: Self.start)
        let fake = try TwilioFake()
        let server = try LoopbackServer { _ in .response(status: 410) }
        defer { server.stop() }
        try world.queue(
            [try DispatchWorld.message("msg_1", senders: ["hook", "sms"], sendAt: Self.planned)],
            source: DispatchWorld.campaignSource(senders: ["hook", "sms"]))
        let dispatcher = try world.dispatcher(senders: [
            "hook": DispatchWorld.webhook(server.url(path: "/hook")), "sms": try DispatchWorld.twilio(fake),
        ])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(sent: 1))
        #expect(server.requests.count == 1)
        let logged = try fake.logged()
        #expect(logged.count == 1)
        #expect(logged.first?["to"] as? String == DispatchWorld.phone)
        #expect(logged.first?["body"] as? String == DispatchWorld.body)
        let message = try world.message("msg_1")
        #expect(message.state == .sent)
        #expect(message.senderIndex == 1)
        #expect(message.attempts == 1)
        #expect(message.lastError == nil)
        let sid = try #require(message.providerID)
        #expect(TwilioSettings.isSID(sid, prefix: "SM"))
        #expect(sid == logged.first?["sid"] as? String)
    }

    /// `--limit 1` counts messages: the one message claimed still falls back to SMS in the same run.
    @Test func limitCountsAFallbackAsTheSameMessage() throws {
        let world = try DispatchWorld(start: Self.start)
        let fake = try TwilioFake()
        let server = try LoopbackServer { _ in .response(status: 410) }
        defer { server.stop() }
        try world.queue(
            [
                try DispatchWorld.message("msg_1", senders: ["hook", "sms"], sendAt: Self.planned),
                try DispatchWorld.message("msg_2", senders: ["hook", "sms"], sendAt: Self.start),
            ],
            source: DispatchWorld.campaignSource(senders: ["hook", "sms"]))
        let dispatcher = try world.dispatcher(senders: [
            "hook": DispatchWorld.webhook(server.url(path: "/hook")), "sms": try DispatchWorld.twilio(fake),
        ])

        let summary = try dispatcher.run(DispatchOptions(limit: 1))

        #expect(server.requests.count == 1)
        #expect(try world.message("msg_2").state == .queued)
        #expect(try world.message("msg_2").senderIndex == 0)
        let first = try world.message("msg_1")
        let logged = try fake.logged().count
        #expect(summary == DispatchSummary(sent: 1))
        #expect(first.state == .sent)
        #expect(logged == 1)
        // Nothing is lost: it waits, queued on its second sender, for the next run.
        #expect(first.state == .queued || first.state == .sent)
        #expect(first.senderIndex == 1)
    }

    // MARK: - 5. Twilio 21610

    @Test func unsubscribedAtTwilioRecordsAnOptOutAndCancelsTheOthers() throws {
        let world = try DispatchWorld(start: Self.start)
        let fake = try TwilioFake()
        let phone = "+15005550003"
        let tomorrow = Self.start.addingTimeInterval(86_400)
        try world.queue(
            [
                try DispatchWorld.message(
                    "msg_1", patient: "P1", phone: phone, senders: ["sms"], sendAt: Self.planned),
                try DispatchWorld.message(
                    "msg_2", patient: "P2", phone: phone, senders: ["sms"], sendAt: tomorrow),
            ],
            source: DispatchWorld.campaignSource(senders: ["sms"]))
        let dispatcher = try world.dispatcher(senders: ["sms": try DispatchWorld.twilio(fake)])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(failed: 1))
        let first = try world.message("msg_1")
        #expect(first.state == .failed)
        #expect(
            first.lastError
                == "twilio: error 21610 (HTTP 400): the recipient replied STOP and is unsubscribed until they send START"
        )
        #expect(first.lastError?.contains("5550003") == false)
        #expect(try world.message("msg_2").state == .cancelled)
        let optOuts = try world.store.optOuts()
        #expect(optOuts.count == 1)
        #expect(optOuts.first?.phone == PhoneNumber(e164: phone))
        #expect(optOuts.first?.source == "sms")
        #expect(optOuts.first?.at == Self.start)
        #expect(try world.store.isOptedOut(patientID: "P3", phone: try #require(PhoneNumber(e164: phone))))
        #expect(try fake.logged().isEmpty)
    }

    /// The second message to the number is due in the same run, in a later round (rate 1/s): the opt-out
    /// recorded after the first round cancels it before its claim, so it never reaches Twilio.
    @Test func optOutCancelsADueMessageOfALaterRound() throws {
        let world = try DispatchWorld(start: Self.start)
        let fake = try TwilioFake()
        let phone = "+15005550003"
        try world.queue(
            [
                try DispatchWorld.message(
                    "msg_1", patient: "P1", phone: phone, senders: ["sms"], sendAt: Self.planned),
                try DispatchWorld.message(
                    "msg_2", patient: "P2", phone: phone, senders: ["sms"], sendAt: Self.planned),
            ],
            source: DispatchWorld.campaignSource(senders: ["sms"]))
        guard case .twilio(var settings) = try DispatchWorld.twilio(fake) else { return }
        settings.rate = 1
        let dispatcher = try world.dispatcher(senders: ["sms": .twilio(settings)])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(failed: 1))
        #expect(try world.messages().map(\.state) == [.failed, .cancelled])
        #expect(try world.message("msg_2").attempts == 0)
        #expect(try world.store.optOuts().count == 1)
    }

    // MARK: - 6. Twilio timeout

    @Test func twilioTimeoutIsUnknownAndNeverResent() throws {
        let world = try DispatchWorld(start: Self.start)
        let fake = try TwilioFake(slow: 3)
        let phone = "+15005550006"
        try world.queue(
            [try DispatchWorld.message("msg_1", phone: phone, senders: ["sms"], sendAt: Self.planned)],
            source: DispatchWorld.campaignSource(senders: ["sms"]))
        let dispatcher = try world.dispatcher(senders: [
            "sms": try DispatchWorld.twilio(fake, timeout: .seconds(1))
        ])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(unknown: 1))
        #expect(summary.unknown == 1)
        let message = try world.message("msg_1")
        #expect(message.state == .unknown)
        #expect(message.attempts == 1)
        #expect(message.lastError?.hasPrefix("twilio: no response (timeout: ") == true)
        #expect(message.lastError?.hasSuffix("; Twilio may have accepted it") == true)
        #expect(message.lastError?.contains("5550006") == false)

        world.clock.advance(by: .seconds(3600))
        let again = try dispatcher.run(DispatchOptions())
        #expect(again == DispatchSummary())
        #expect(try world.message("msg_1").state == .unknown)
        #expect(try fake.logged().count == 1)
        #expect(try fake.logged().first?["to"] as? String == phone)
    }

    // MARK: - 7. Recovery of a Twilio send

    @Test func interruptedTwilioSendBecomesUnknownWithoutAResend() throws {
        let world = try DispatchWorld(start: Self.start)
        let fake = try TwilioFake()
        try world.queue(
            [try DispatchWorld.message("msg_1", senders: ["sms"], sendAt: Self.planned)],
            source: DispatchWorld.campaignSource(senders: ["sms"]))
        let claimed = try world.store.apply(
            [MessageUpdate(id: "msg_1", from: .queued, to: .sending, at: Self.planned, attempts: 1)],
            audit: [])
        #expect(claimed == ["msg_1"])
        let dispatcher = try world.dispatcher(senders: ["sms": try DispatchWorld.twilio(fake)])

        let summary = try dispatcher.run(DispatchOptions())

        #expect(summary == DispatchSummary(unknown: 1))
        let message = try world.message("msg_1")
        #expect(message.state == .unknown)
        #expect(message.attempts == 1)
        #expect(
            message.lastError
                == "interrupted while sending through sms; check the provider, then run careline reconcile "
                + "--id msg_1 with --mark-sent, --mark-failed or --resend")
        #expect(try fake.logged().isEmpty)
    }
}
