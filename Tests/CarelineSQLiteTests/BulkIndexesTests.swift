import CarelineCore
import CarelineSQLite
import CarelineTesting
import Foundation
import GRDB
import Testing

/// A large queue run drops the send-order indexes and builds them again before it commits (`BulkIndexes`).
@Suite struct BulkIndexesTests {
    let folder: TemporaryDirectory
    let path: String

    init() throws {
        folder = try TemporaryDirectory()
        path = folder.path("careline.sqlite")
    }

    /// The `messages` indexes as SQLite keeps them: name and SQL.
    func indexes() throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' ORDER BY name"
            ).map { "\($0[0] as String): \(($0[1] as String?) ?? "auto")" }
        }
    }

    func messages(_ count: Int, batch: Int64) -> [OutboxMessage] {
        (0..<count).map { index in
            var message = Sample.message(
                "msg_\(batch)_\(index)", patient: "p\(index % 4)", step: "s\(batch)", day: 2 + index % 20,
                hours: Double(count - index), batchID: batch)
            message.idempotencyKey = "key-\(batch)-\(index)"
            return message
        }
    }

    @Test func aLargeRunEndsWithTheSameIndexesAndReadsInSendOrder() throws {
        let store = try SQLiteStore(path: path, busyTimeout: 5, largeQueuePatients: 3)
        try store.importPatients((0..<4).map { Sample.patient("p\($0)") })
        let before = try indexes()
        #expect(before.count >= 8)
        let (record, inserted) = try store.queue(messages(50, batch: 1))
        #expect(record?.queued == 50)
        #expect(inserted.allSatisfy { $0 })
        #expect(try indexes() == before)
        #expect(try store.integrityCheck() == [])
        // The rebuilt indexes serve the listings and the dispatcher: send order, as written by `hours`.
        var listed: [String] = []
        try store.forEachMessage(MessageFilter(batchID: 1), limit: nil) { listed.append($0.id) }
        #expect(listed == (0..<50).reversed().map { "msg_1_\($0)" })
        let due = try store.dueMessages(at: Sample.at(hours: 10.5), after: nil, limit: 100)
        #expect(due.map(\.id) == (40..<50).reversed().map { "msg_1_\($0)" })
    }

    @Test func aRunThatKeepsNothingLeavesTheIndexes() throws {
        let store = try SQLiteStore(path: path, busyTimeout: 5, largeQueuePatients: 3)
        try store.importPatients((0..<4).map { Sample.patient("p\($0)") })
        let before = try indexes()
        _ = try store.queueBatch(campaigns: ["x"], createdAt: Sample.t0, createdBy: "ana") { writer in
            for message in messages(10, batch: 1) { _ = try writer.insert(message) }
            return (false, Sample.audit("queue"))
        }
        _ = try? store.queueBatch(campaigns: ["x"], createdAt: Sample.t0, createdBy: "ana") { writer in
            for message in messages(10, batch: 1) { _ = try writer.insert(message) }
            throw CallerError(reason: "boom")
        }
        #expect(try indexes() == before)
        #expect(try store.integrityCheck() == [])
    }

    @Test func duplicatesAreStillRefusedWhileTheIndexesAreDeferred() throws {
        let store = try SQLiteStore(path: path, busyTimeout: 5, largeQueuePatients: 3)
        try store.importPatients((0..<4).map { Sample.patient("p\($0)") })
        try store.queue(messages(5, batch: 1))
        // Five stored messages, four patients: still large (4 × 2 ≥ 5). The same keys again are skipped.
        let (_, inserted) = try store.queue(
            messages(5, batch: 1).map { message in
                var copy = message
                copy.id += "-again"
                return copy
            })
        #expect(inserted == [false, false, false, false, false])
    }
}
