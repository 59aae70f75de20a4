import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

@Suite("Message purge")
struct MessagePurgeTests {
    /// 2026-06-01T00:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_780_272_000)
    static let phone = PhoneNumber(e164: "+8613800138000")!

    /// A message in `state`, created (and last changed) `daysAgo` days before ``now``.
    static func message(_ id: String, _ state: MessageState, daysAgo: Double) -> OutboxMessage {
        let created = now.addingTimeInterval(-daysAgo * 86_400)
        let date = LocalDate(created, in: TimeZone(identifier: "UTC")!)
        return OutboxMessage(
            id: id, batchID: 1, campaign: "recheck", step: id, patientID: "p1", recipient: phone,
            senders: ["file"], dueDate: date, sendAt: created, localDate: date, timeZone: "Asia/Shanghai",
            expiresAt: created, body: "王阿姨您好！请于明天来院复查。", encoding: .ucs2, segments: 1,
            idempotencyKey: "recheck|p1|\(id)", state: state, createdAt: created)
    }

    static func store(_ messages: [OutboxMessage]) throws -> InMemoryStore {
        let store = InMemoryStore()
        _ = try store.queueBatch(campaigns: ["recheck"], createdAt: now, createdBy: "wang.fang") { writer in
            for message in messages { _ = try writer.insert(message) }
            return (true, AuditEntry(at: now, actor: "wang.fang", action: "queue"))
        }
        return store
    }

    static let period = RetentionPeriod("180d")!

    @Test func purgesFinishedMessagesOlderThanThePeriodAndAuditsTheCountsAndTheCutoff() throws {
        let store = try Self.store([
            Self.message("old_sent", .sent, daysAgo: 200), Self.message("old_failed", .failed, daysAgo: 181),
            Self.message("young_sent", .sent, daysAgo: 179),
            Self.message("old_unknown", .unknown, daysAgo: 400),
        ])
        let summary = try MessagePurge(store: store).run(
            olderThan: Self.period, now: Self.now, actor: "li.na", dryRun: false, auditWhenNone: true)
        #expect(summary.count == PurgeCount(byState: [.sent: 1, .failed: 1]))
        #expect(summary.cutoff == Date(timeIntervalSince1970: 1_764_720_000))
        #expect(
            summary.text
                == "purged 2 messages last changed before 2025-12-03T00:00:00Z "
                + "(sent 1, failed 1, expired 0, cancelled 0)")
        #expect(
            summary.json
                == "{\"purged\":2,\"dry_run\":false,\"older_than\":\"180d\",\"cutoff\":\"2025-12-03T00:00:00Z\","
                + "\"sent\":1,\"failed\":1,\"expired\":0,\"cancelled\":0}")
        #expect(
            store.auditEntries(since: Self.now).last
                == AuditEntry(
                    at: Self.now, actor: "li.na", action: "purge", subject: "outbox",
                    detail:
                        "older_than=180d cutoff=2025-12-03T00:00:00Z; purged=2 sent=1 failed=1 expired=0 cancelled=0"
                ))
        var purged: [String] = []
        try store.forEachMessage(MessageFilter(), limit: nil) { if $0.isPurged { purged.append($0.id) } }
        #expect(purged.sorted() == ["old_failed", "old_sent"])
    }

    @Test func aDryRunCountsAndWritesNothing() throws {
        let store = try Self.store([Self.message("old_sent", .sent, daysAgo: 200)])
        let audit = store.auditEntries(since: nil)
        let summary = try MessagePurge(store: store).run(
            olderThan: Self.period, now: Self.now, actor: "li.na", dryRun: true, auditWhenNone: true)
        #expect(summary.count.total == 1)
        #expect(
            summary.text
                == "dry run: would purge 1 message last changed before 2025-12-03T00:00:00Z "
                + "(sent 1, failed 0, expired 0, cancelled 0)")
        #expect(store.auditEntries(since: nil) == audit)
        var bodies: [String] = []
        try store.forEachMessage(MessageFilter(), limit: nil) { bodies.append($0.body) }
        #expect(bodies == ["王阿姨您好！请于明天来院复查。"])
    }

    @Test func nothingToPurgeIsAuditedOnlyWhenAsked() throws {
        let store = try Self.store([Self.message("young_sent", .sent, daysAgo: 10)])
        let purge = MessagePurge(store: store)
        _ = try purge.run(
            olderThan: Self.period, now: Self.now, actor: "dispatch", dryRun: false, auditWhenNone: false)
        #expect(store.auditEntries(since: Self.now).map(\.action) == ["queue"])
        _ = try purge.run(
            olderThan: Self.period, now: Self.now, actor: "li.na", dryRun: false, auditWhenNone: true)
        #expect(store.auditEntries(since: Self.now).map(\.action) == ["queue", "purge"])
    }

    @Test func aPurgedMessagePreviewsWithoutBodyOrNumber() throws {
        let store = try Self.store([Self.message("old_sent", .sent, daysAgo: 200)])
        _ = try MessagePurge(store: store).run(
            olderThan: Self.period, now: Self.now, actor: "li.na", dryRun: false, auditWhenNone: true)
        var found: OutboxMessage?
        try store.forEachMessage(MessageFilter(), limit: nil) { found = $0 }
        let message = try #require(found)
        #expect(message.previewJSON.contains("\"to\":\"+86138****8000\""))
        #expect(message.previewJSON.contains("\"body\":null"))
        #expect(message.previewJSON.hasSuffix(",\"state\":\"sent\",\"purged\":true}"))
        #expect(
            message.previewText.split(separator: "\n")[1]
                == "    (purged 2026-06-01T00:00:00Z: body and phone number erased)")
        #expect(!message.previewText.contains("复查"))
        #expect(Self.message("x", .queued, daysAgo: 0).previewJSON.hasSuffix(",\"purged\":false}"))
    }
}
