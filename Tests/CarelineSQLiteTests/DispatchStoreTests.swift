import CarelineCore
import CarelineTesting
import Foundation
import GRDB
import Testing

@testable import CarelineSQLite

/// A fresh ``DispatchStore`` of one kind; a SQLite store lives in its own temporary folder.
private struct DispatchStoreFixture {
    let store: any DispatchStore
    let sqlite: SQLiteStore?
    let folder: TemporaryDirectory?

    init(_ kind: StoreKind) throws {
        switch kind {
        case .sqlite:
            let folder = try TemporaryDirectory()
            let sqlite = try SQLiteStore(path: folder.path("careline.sqlite"))
            self.folder = folder
            self.sqlite = sqlite
            store = sqlite
        case .memory:
            folder = nil
            sqlite = nil
            store = InMemoryStore()
        }
    }
}

/// The semantics of ``DispatchStore`` the dispatcher relies on, checked against the SQLite store and the
/// in-memory one.
@Suite("DispatchStore conformance")
struct DispatchStoreTests {
    /// A message of patient `id` (so idempotency keys differ) planned `hours` after t0.
    static func message(_ id: String, hours: Double, state: MessageState = .queued, patient: String? = nil)
        -> OutboxMessage
    {
        Sample.message(id, patient: patient ?? "p-\(id)", hours: hours, state: state)
    }

    // MARK: - dueMessages

    @Test(arguments: StoreKind.allCases)
    func dueMessagesInPlannedOrderAfterAPositionUpToALimit(kind: StoreKind) throws {
        let store = try DispatchStoreFixture(kind).store
        try store.queue([
            Self.message("m_b", hours: 1),
            Self.message("m_d", hours: 5),
            Self.message("m_a", hours: 1),
            Self.message("m_e", hours: 1.5, state: .retry),
            Self.message("m_c", hours: 0.5),
            Self.message("m_f", hours: 0, state: .sent),
            Self.message("m_g", hours: 0, state: .cancelled),
            Self.message("m_h", hours: 0, state: .sending),
            Self.message("m_i", hours: 0, state: .unknown),
        ])
        let now = Sample.at(hours: 2)
        #expect(
            try store.dueMessages(at: now, after: nil, limit: 100).map(\.id) == ["m_c", "m_a", "m_b", "m_e"])
        #expect(try store.dueMessages(at: now, after: nil, limit: 2).map(\.id) == ["m_c", "m_a"])
        #expect(try store.dueMessages(at: now, after: nil, limit: 0).isEmpty)
        // Inclusive at the planned instant.
        #expect(
            try store.dueMessages(at: Sample.at(hours: 1), after: nil, limit: 10).map(\.id) == [
                "m_c", "m_a", "m_b",
            ])
        #expect(try store.dueMessages(at: Sample.at(hours: 0.25), after: nil, limit: 10).isEmpty)
        // After a position: exclusive, by instant then id.
        let position = (sendAt: Sample.at(hours: 1), id: "m_a")
        #expect(try store.dueMessages(at: now, after: position, limit: 10).map(\.id) == ["m_b", "m_e"])
        #expect(try store.dueMessages(at: now, after: position, limit: 1).map(\.id) == ["m_b"])
        #expect(
            try store.dueMessages(at: now, after: (Sample.at(hours: 1), "m_b"), limit: 10).map(\.id) == [
                "m_e"
            ])
        #expect(try store.dueMessages(at: now, after: (Sample.at(hours: 1.5), "m_e"), limit: 10).isEmpty)
        // Paging through with the last of each page finds each message once.
        var paged: [String] = []
        var cursor: (sendAt: Date, id: String)?
        while true {
            let page = try store.dueMessages(at: Sample.at(hours: 9), after: cursor, limit: 2)
            guard let last = page.last else { break }
            paged += page.map(\.id)
            cursor = (last.sendAt, last.id)
        }
        #expect(paged == ["m_c", "m_a", "m_b", "m_e", "m_d"])
    }

    @Test(arguments: StoreKind.allCases)
    func messagesInOneState(kind: StoreKind) throws {
        let store = try DispatchStoreFixture(kind).store
        try store.queue([
            Self.message("m_2", hours: 2, state: .sending),
            Self.message("m_1", hours: 3, state: .sending),
            Self.message("m_0", hours: 2, state: .sending),
            Self.message("m_3", hours: 1, state: .queued),
        ])
        #expect(try store.messages(in: .sending, limit: 10).map(\.id) == ["m_0", "m_2", "m_1"])
        #expect(try store.messages(in: .sending, limit: 1).map(\.id) == ["m_0"])
        #expect(try store.messages(in: .unknown, limit: 10).isEmpty)
    }

    // MARK: - apply

    @Test(arguments: StoreKind.allCases)
    func applyChangesOnlyMessagesStillInTheirFromState(kind: StoreKind) throws {
        let store = try DispatchStoreFixture(kind).store
        try store.queue([Self.message("m_1", hours: 1), Self.message("m_2", hours: 1)])
        let at = Sample.at(hours: 2)
        let changed = try store.apply(
            [
                MessageUpdate(id: "m_1", from: .queued, to: .sending, at: at, attempts: 1),
                MessageUpdate(id: "m_2", from: .retry, to: .sending, at: at, attempts: 7, lastError: "nope"),
                MessageUpdate(id: "missing", from: .queued, to: .sending, at: at),
            ],
            audit: [Sample.audit("claim", hours: 2)])
        #expect(changed == ["m_1"])
        let messages = try store.messages()
        #expect(messages.map(\.state) == [.sending, .queued])
        #expect(messages.map(\.attempts) == [1, 0])
        #expect(messages[1] == Self.filed(Self.message("m_2", hours: 1)))
        #expect(try store.auditEntries(since: nil).last == Sample.audit("claim", hours: 2))

        // A second claim of the same message loses: it is no longer queued.
        let again = try store.apply(
            [MessageUpdate(id: "m_1", from: .queued, to: .sending, at: at, attempts: 2)], audit: [])
        #expect(again.isEmpty)
        #expect(try store.messages(MessageFilter(id: "m_1")).first?.attempts == 1)

        // No updates, one audit line: only the line is written.
        #expect(try store.apply([], audit: [Sample.audit("dispatch", hours: 3)]).isEmpty)
        #expect(try store.auditEntries(since: nil).map(\.action) == ["queue", "claim", "dispatch"])
    }

    @Test(arguments: StoreKind.allCases)
    func applySetsGivenFieldsAndKeepsTheOthers(kind: StoreKind) throws {
        let store = try DispatchStoreFixture(kind).store
        try store.queue([Self.message("m_1", hours: 1)])
        let at = Sample.at(hours: 2)
        let retryAt = Sample.at(hours: 30)
        _ = try store.apply(
            [MessageUpdate(id: "m_1", from: .queued, to: .sending, at: at, attempts: 1)], audit: [])
        _ = try store.apply(
            [
                MessageUpdate(
                    id: "m_1", from: .sending, to: .retry, at: at, sendAt: retryAt, localDate: Sample.date(6),
                    lastError: "webhook: HTTP 503")
            ], audit: [])
        var expected = Self.filed(Self.message("m_1", hours: 1))
        expected.state = .retry
        expected.attempts = 1
        expected.sendAt = retryAt
        expected.localDate = Sample.date(6)
        expected.lastError = "webhook: HTTP 503"
        #expect(try store.messages() == [expected])

        // nil keeps the reason; a sender change and a provider id are stored; "" clears the reason.
        _ = try store.apply(
            [MessageUpdate(id: "m_1", from: .retry, to: .queued, at: at, senderIndex: 1)], audit: [])
        expected.state = .queued
        expected.senderIndex = 1
        #expect(try store.messages() == [expected])
        _ = try store.apply(
            [
                MessageUpdate(
                    id: "m_1", from: .queued, to: .sent, at: at,
                    providerID: "SM0123456789abcdef0123456789abcdef",
                    lastError: "")
            ], audit: [])
        expected.state = .sent
        expected.providerID = "SM0123456789abcdef0123456789abcdef"
        expected.lastError = nil
        #expect(try store.messages() == [expected])
        #expect(try store.dueMessages(at: Sample.at(hours: 100), after: nil, limit: 10).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func applyReplacesTheBody(kind: StoreKind) throws {
        let store = try DispatchStoreFixture(kind).store
        try store.queue([Self.message("m_1", hours: 1)])
        let body = (text: "Hello, see you tomorrow.", encoding: SMSEncoding.gsm7, segments: 1)
        let changed = try store.apply(
            [MessageUpdate(id: "m_1", from: .queued, to: .queued, at: Sample.at(hours: 2), body: body)],
            audit: [])
        #expect(changed == ["m_1"])
        let message = try #require(try store.messages().first)
        #expect(message.body == "Hello, see you tomorrow.")
        #expect(message.encoding == .gsm7)
        #expect(message.segments == 1)
    }

    @Test func bodyUpdateRefreshesTheContentHash() throws {
        let fixture = try DispatchStoreFixture(.sqlite)
        let store = try #require(fixture.sqlite)
        try store.queue([Sample.message("msg_1"), Self.message("m_2", hours: 1)])
        func hash(_ id: String) throws -> String? {
            try store.pool.read {
                try String.fetchOne(
                    $0, sql: "SELECT content_hash FROM messages WHERE id = ?", arguments: [id])
            }
        }
        let before = (try hash("msg_1"), try hash("m_2"))
        #expect(before.0 == "985dd2fba0cbed97")

        let body = (text: "您好，请于明天复诊。", encoding: SMSEncoding.ucs2, segments: 1)
        let changed = try store.apply(
            [
                MessageUpdate(id: "msg_1", from: .queued, to: .queued, at: Sample.at(hours: 2), body: body),
                // Stale: its body must not change, nor its hash.
                MessageUpdate(id: "m_2", from: .retry, to: .queued, at: Sample.at(hours: 2), body: body),
            ], audit: [])
        #expect(changed == ["msg_1"])
        var rewritten = Self.filed(Sample.message("msg_1"))
        rewritten.body = body.text
        let after = try hash("msg_1")
        #expect(after == MessageRow.contentHash(rewritten))
        #expect(after != before.0)
        #expect(try hash("m_2") == before.1)
        #expect(
            try store.messages(MessageFilter(id: "m_2")).first?.body == Self.message("m_2", hours: 1).body)
        #expect(try store.messages(MessageFilter(id: "msg_1")).first?.body == body.text)

        // A change without a body leaves the hash alone.
        _ = try store.apply(
            [MessageUpdate(id: "msg_1", from: .queued, to: .retry, at: Sample.at(hours: 3), lastError: "x")],
            audit: [])
        #expect(try hash("msg_1") == after)
    }

    // MARK: - Campaign sources, opt-outs, caps

    @Test(arguments: StoreKind.allCases)
    func campaignSourceRoundTrips(kind: StoreKind) throws {
        let store = try DispatchStoreFixture(kind).store
        let source = "template = \"x\"\n# 复诊 \"quoted\" \\ back-slash\n[window]\nhours = [\"09:00-21:00\"]\n"
        _ = try store.queueBatch(campaigns: ["recheck"], createdAt: Sample.t0, createdBy: "ana") { writer in
            try writer.saveCampaignSource(campaign: "recheck", source: source)
            return (true, Sample.audit("queue"))
        }
        // A batch not kept keeps no source either.
        _ = try store.queueBatch(campaigns: ["recheck"], createdAt: Sample.t0, createdBy: "ana") { writer in
            try writer.saveCampaignSource(campaign: "recheck", source: "dropped")
            return (false, Sample.audit("queue"))
        }
        #expect(try store.campaignSource(batchID: 1, campaign: "recheck") == source)
        #expect(try store.campaignSource(batchID: 1, campaign: "birthday") == nil)
        #expect(try store.campaignSource(batchID: 2, campaign: "recheck") == nil)
        #expect(try store.campaignSource(batchID: 3, campaign: "recheck") == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func optOutByPhoneOrPatient(kind: StoreKind) throws {
        let store = try DispatchStoreFixture(kind).store
        #expect(try store.isOptedOut(patientID: "p1", phone: Sample.phoneA) == false)
        _ = try store.addOptOut(
            OptOut(phone: Sample.phoneA, patientID: nil, reason: nil, at: Sample.t0, source: "sms"),
            audit: Sample.audit("opt-out"))
        _ = try store.addOptOut(
            OptOut(phone: nil, patientID: "p9", reason: nil, at: Sample.t0, source: "import"),
            audit: Sample.audit("opt-out"))
        #expect(try store.isOptedOut(patientID: "anyone", phone: Sample.phoneA))
        #expect(try store.isOptedOut(patientID: "p9", phone: Sample.phoneB))
        #expect(try store.isOptedOut(patientID: "p1", phone: Sample.phoneB) == false)
    }

    @Test(arguments: StoreKind.allCases)
    func capDatesCountLiveMessagesOfOnePatient(kind: StoreKind) throws {
        let store = try DispatchStoreFixture(kind).store
        let states: [MessageState] = [
            .queued, .sending, .sent, .retry, .failed, .unknown, .expired, .cancelled,
        ]
        var messages: [OutboxMessage] = []
        for (index, state) in states.enumerated() {
            messages.append(
                Sample.message("m_\(index)", patient: "p1", step: "s\(index)", day: index + 1, state: state))
        }
        messages.append(Sample.message("m_other", patient: "p2", day: 20))
        try store.queue(messages)
        let dates = try store.capDates(patientID: "p1").sorted()
        #expect(dates == [1, 2, 3, 4, 6].map(Sample.date))
        #expect(try store.capDates(patientID: "p2") == [Sample.date(20)])
        #expect(try store.capDates(patientID: "nobody").isEmpty)

        // A state change moves a message in or out of the count.
        _ = try store.apply(
            [MessageUpdate(id: "m_0", from: .queued, to: .cancelled, at: Sample.at(hours: 1))], audit: [])
        #expect(try store.capDates(patientID: "p1").sorted() == [2, 3, 4, 6].map(Sample.date))
    }

    /// A message as the store files it: under batch 1.
    static func filed(_ message: OutboxMessage) -> OutboxMessage {
        var filed = message
        filed.batchID = 1
        return filed
    }
}
