import CarelineCore
import Foundation
import GRDB

extension SQLiteStore {
    /// One batch, or `nil`.
    ///
    /// - Throws: ``StoreError``.
    public func batch(id: Int64) throws(StoreError) -> BatchRecord? {
        try read { db in try Self.batches(where: "id = ?", arguments: [id], in: db, path: path).first }
    }

    /// The latest approval or rejection of a batch, or `nil`.
    ///
    /// - Throws: ``StoreError``.
    public func latestDecision(batchID: Int64) throws(StoreError) -> BatchDecision? {
        try pointRead { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT decision, reviewer, at, note, batch_hash FROM approvals
                        WHERE batch_id = ? ORDER BY id DESC LIMIT 1
                        """,
                    arguments: [batchID])
            else { return nil }
            guard let kind = BatchDecision.Kind(rawValue: row[0]) else {
                throw StoreError.unreadable(
                    path: path, table: "approvals", key: "\(batchID)", column: "decision")
            }
            return BatchDecision(
                batchID: batchID, kind: kind, reviewer: row[1], at: StoredText.date(millis: row[2]),
                note: row[3],
                batchHash: row[4])
        }
    }

    /// Records an approval and its message hashes, with `audit`, in one transaction.
    ///
    /// - Throws: ``StoreError``.
    public func recordApproval(
        _ decision: BatchDecision, hashes: [(id: String, hash: String)], audit: AuditEntry
    ) throws(StoreError) {
        try write { db in
            let approvalID = try Self.insertDecision(decision, in: db)
            let statement = try RawStatement(
                db.cachedStatement(
                    sql: "INSERT INTO approved_messages (approval_id, message_id, hash) VALUES (?, ?, ?)"),
                in: db)
            for entry in hashes {
                defer { statement.reset() }
                statement.bind(1, approvalID)
                statement.bind(2, entry.id)
                statement.bind(3, entry.hash)
                try statement.run()
            }
            try Self.appendAudit(audit, adding: nil, in: db)
        }
    }

    /// Records a rejection and cancels the batch's pending messages, in one transaction.
    ///
    /// - Returns: How many messages were cancelled.
    /// - Throws: ``StoreError``.
    public func recordRejection(_ decision: BatchDecision, audit: AuditEntry) throws(StoreError) -> Int {
        try write { db in
            _ = try Self.insertDecision(decision, in: db)
            try db.execute(
                sql: "UPDATE messages SET state = 'cancelled', updated_at = ?, last_error = 'batch rejected' "
                    + "WHERE batch_id = ? AND state IN \(MessageRow.pendingStates)",
                arguments: [StoredText.millis(decision.at), decision.batchID])
            let cancelled = db.changesCount
            try Self.appendAudit(audit, adding: "cancelled=\(cancelled)", in: db)
            return cancelled
        }
    }

    /// The hash the latest decision on `batchID` approved for a message, or `nil`.
    ///
    /// - Throws: ``StoreError``.
    public func approvedHash(messageID: String, batchID: Int64) throws(StoreError) -> String? {
        try pointRead { db in
            let statement = try RawStatement(
                db.cachedStatement(
                    sql: """
                        SELECT a.decision, m.hash FROM (
                            SELECT id, decision FROM approvals WHERE batch_id = ? ORDER BY id DESC LIMIT 1
                        ) AS a LEFT JOIN approved_messages AS m ON m.approval_id = a.id AND m.message_id = ?
                        """),
                in: db)
            defer { statement.reset() }
            statement.bind(1, batchID)
            statement.bind(2, messageID)
            guard try statement.step(), statement.text(0) == BatchDecision.Kind.approved.rawValue else {
                return nil
            }
            return statement.text(1)
        }
    }

    private static func insertDecision(_ decision: BatchDecision, in db: Database) throws -> Int64 {
        try db.execute(
            sql:
                "INSERT INTO approvals (batch_id, decision, reviewer, at, note, batch_hash) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                decision.batchID, decision.kind.rawValue, decision.reviewer, StoredText.millis(decision.at),
                decision.note, decision.batchHash,
            ])
        return db.lastInsertedRowID
    }
}
