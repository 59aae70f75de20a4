import CarelineCore
import CarelineTesting
import Foundation
import GRDB
import Testing

@testable import CarelineSQLite

/// What only the SQLite file shows about a retention purge: the erased text is gone from the file's bytes, the
/// content hash and ids stay, a count leaves the file byte-identical, the purge reads its partial index.
@Suite("SQLite retention purge")
struct SQLiteRetentionTests {
    let folder: TemporaryDirectory
    let path: String

    init() throws {
        folder = try TemporaryDirectory()
        path = folder.path("careline.sqlite")
    }

    /// A sent message whose body is long enough to need no guessing when searched in the file.
    static func sent(_ id: String, body: String, key: String? = nil) -> OutboxMessage {
        var message = Sample.message(id, step: id, state: .sent)
        message.body = body
        if let key { message.idempotencyKey = key }
        return message
    }

    static let bodies = [
        "王阿姨您好！请于明天（12月3日）来院复查，李明医生为您接诊。",
        "Dear Ms. Nair, your recheck is on December 2. Reply STOP to opt out.",
    ]

    func fileBytes() throws -> Data {
        try #require(FileManager.default.contents(atPath: path))
    }

    @Test func purgedTextIsOverwrittenInTheFileNotLeftInFreeSpace() throws {
        do {
            let store = try SQLiteStore(path: path)
            try store.queue([
                Self.sent("msg_1", body: Self.bodies[0], key: "cold|tel:+8613800138000|at|2025-12-05"),
                Self.sent("msg_2", body: Self.bodies[1]),
            ])
            try store.checkpoint()
            let before = try fileBytes()
            for body in Self.bodies { #expect(before.range(of: Data(body.utf8)) != nil) }
            #expect(before.range(of: Data("+8613800138000".utf8)) != nil)

            let count = try store.purgeFinished(
                changedBefore: Sample.at(hours: 10),
                audit: Sample.audit("purge", hours: 30, detail: "older_than=1h"), auditWhenNone: false)
            #expect(count.total == 2)
            try store.checkpoint()
        }
        let after = try fileBytes()
        for body in Self.bodies {
            #expect(after.range(of: Data(body.utf8)) == nil, "a purged body is still in the file")
            // A distinctive piece too, in case a cell was split.
            #expect(after.range(of: Data(String(body.prefix(12)).utf8)) == nil)
        }
        #expect(after.range(of: Data("+8613800138000".utf8)) == nil, "a purged number is still in the file")
        #expect(after.range(of: Data("8613800138000".utf8)) == nil)
    }

    @Test func idsStatesAndTheContentHashStay() throws {
        let store = try SQLiteStore(path: path)
        try store.queue([Self.sent("msg_1", body: Self.bodies[0])])
        let query = "SELECT id, state, content_hash, idempotency_key, updated_at FROM messages"
        let before = try store.pool.read { try Row.fetchOne($0, sql: query) }
        _ = try store.purgeFinished(
            changedBefore: Sample.at(hours: 10), audit: Sample.audit("purge", hours: 30), auditWhenNone: false
        )
        let after = try store.pool.read { try Row.fetchOne($0, sql: query) }
        #expect(before == after)
        let stored = try store.pool.read {
            try Row.fetchOne($0, sql: "SELECT body, recipient, purged_at FROM messages")
        }
        #expect(stored?[0] == "")
        #expect(stored?[1] == "+86138****8000")
        #expect(stored?[2] == StoredText.millis(Sample.at(hours: 30)))
    }

    @Test func countingLeavesTheFileByteIdentical() throws {
        do {
            let store = try SQLiteStore(path: path)
            try store.queue([Self.sent("msg_1", body: Self.bodies[0])])
            try store.checkpoint()
        }
        let before = try fileBytes()
        do {
            let store = try SQLiteStore(path: path)
            #expect(
                try store.purgeableCount(changedBefore: Sample.at(hours: 10))
                    == PurgeCount(byState: [.sent: 1]))
        }
        #expect(try fileBytes() == before)
    }

    @Test func thePurgeReadsThePartialIndex() throws {
        let store = try SQLiteStore(path: path)
        let plan = try store.pool.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN " + SQLiteStore.purgeableSQL(columns: "id, recipient, state"),
                arguments: [0]
            ).map { $0["detail"] as String? ?? "" }
        }
        #expect(plan.contains { $0.contains("messages_purgeable") }, "\(plan)")
    }

    @Test func aFileFromBeforeRetentionIsUpgradedAndItsMessagesReadBack() throws {
        do {
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(queue, upTo: "v6-approval")
            try queue.close()
        }
        do {
            // A message as a v6 build wrote it: there is no purged_at column yet.
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO batches (campaigns, created_at, created_by) VALUES ('[\"recheck\"]', 0, 't')"
                )
                try db.execute(
                    sql: """
                        INSERT INTO messages (id, batch_id, campaign, step, patient_id, recipient, senders, due_date,
                            send_at, local_date, time_zone, expires_at, body, encoding, segments, content_hash,
                            idempotency_key, state, created_at, updated_at)
                        VALUES ('msg_1', 1, 'recheck', '-3d', 'p1', '+8613800138000', '["file"]', '2025-12-05', 0,
                            '2025-12-05', 'Asia/Shanghai', 0, 'hello', 'GSM-7', 1, 'h', 'k', 'sent', 0, 0)
                        """)
            }
            try queue.close()
        }
        let store = try SQLiteStore(path: path)
        let message = try #require(try store.messages().first)
        #expect(message.purgedAt == nil)
        #expect(message.recipient == Sample.phoneA)
        #expect(
            try store.purgeFinished(
                changedBefore: Sample.at(hours: 0), audit: Sample.audit("purge"), auditWhenNone: false
            ).total == 1)
        #expect(try store.messages().first?.recipient.masked == "+86138****8000")
    }
}
