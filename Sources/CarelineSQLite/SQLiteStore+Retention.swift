import CarelineCore
import Foundation
import GRDB

extension SQLiteStore {
    /// Erases the body and full number of every finished message last changed before `cutoff` and not purged
    /// yet, in one transaction; see ``OutboxStore/purgeFinished(changedBefore:audit:auditWhenNone:)``.
    ///
    /// The rows are rewritten in place (no table rebuild): `body = ''`, `recipient` = the masked number (it still
    /// passes the `GLOB '+[1-9]*'` check), `purged_at` = `audit.at`, and a `tel:+…` part of the idempotency key
    /// (campaigns with `dedupe = "phone"`) becomes `tel:purged-<id>`, which stays unique. `updated_at` keeps the
    /// last change of the message's state. `secure_delete` is on for the transaction, so SQLite overwrites the
    /// old cell contents with zeros instead of leaving them in free space of the file.
    ///
    /// - Returns: How many messages were purged, by state.
    /// - Throws: ``StoreError`` (nothing is changed then); `.corrupt` naming the message when a stored number
    ///   cannot be read.
    public func purgeFinished(changedBefore cutoff: Date, audit: AuditEntry, auditWhenNone: Bool)
        throws(StoreError) -> PurgeCount
    {
        let path = self.path
        return try write { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            defer { try? db.execute(sql: "PRAGMA secure_delete = OFF") }
            let select = try RawStatement(
                db.makeStatement(
                    sql: Self.purgeableSQL(
                        columns: "rowid, id, recipient, state, instr(idempotency_key, '|tel:') > 0")),
                in: db)
            select.bind(1, StoredText.millis(cutoff))
            var rows: [(rowid: Int64, masked: String, state: MessageState, phoneKey: Bool)] = []
            while try select.step() {
                let id = select.text(1) ?? ""
                guard let phone = PhoneNumber(e164: select.text(2) ?? "") else {
                    throw StoreError.unreadable(path: path, table: "messages", key: id, column: "recipient")
                }
                guard let state = MessageState(rawValue: select.text(3) ?? "") else {
                    throw StoreError.unreadable(path: path, table: "messages", key: id, column: "state")
                }
                rows.append((select.int64(0), phone.masked, state, select.int(4) != 0))
            }
            select.reset()
            // In table order: the first purge of a large outbox rewrites most of its pages, each once.
            rows.sort { $0.rowid < $1.rowid }
            // Only the rare keys with a number in them (dedupe = "phone") are rewritten: setting the key on every
            // row would rewrite its unique index entry for nothing.
            let update = try RawStatement(
                db.makeStatement(
                    sql: "UPDATE messages SET body = '', recipient = ?2, purged_at = ?3 WHERE rowid = ?1"),
                in: db)
            let updateKey = try RawStatement(
                db.makeStatement(
                    sql: """
                        UPDATE messages SET body = '', recipient = ?2, purged_at = ?3,
                            idempotency_key = replace(idempotency_key, '|tel:' || recipient || '|',
                                '|tel:purged-' || id || '|')
                        WHERE rowid = ?1
                        """),
                in: db)
            let at = StoredText.millis(audit.at)
            var byState: [MessageState: Int] = [:]
            for row in rows {
                let statement = row.phoneKey ? updateKey : update
                statement.bind(1, row.rowid)
                statement.bind(2, row.masked)
                statement.bind(3, at)
                try statement.run()
                byState[row.state, default: 0] += 1
            }
            let count = PurgeCount(byState: byState)
            if count.total > 0 || auditWhenNone {
                try Self.appendAudit(audit, adding: count.auditText, in: db)
            }
            return count
        }
    }

    /// What ``purgeFinished(changedBefore:audit:auditWhenNone:)`` would purge now; reads only.
    ///
    /// - Throws: ``StoreError``.
    public func purgeableCount(changedBefore cutoff: Date) throws(StoreError) -> PurgeCount {
        let path = self.path
        return try read { db in
            let statement = try RawStatement(
                db.makeStatement(sql: Self.purgeableSQL(columns: "state, count(*)") + " GROUP BY state"),
                in: db)
            statement.bind(1, StoredText.millis(cutoff))
            var byState: [MessageState: Int] = [:]
            while try statement.step() {
                guard let state = MessageState(rawValue: statement.text(0) ?? "") else {
                    throw StoreError.unreadable(path: path, table: "messages", key: "*", column: "state")
                }
                byState[state] = statement.int(1)
            }
            statement.reset()
            return PurgeCount(byState: byState)
        }
    }

    /// The finished messages not purged yet and last changed before the bound cutoff (`?1`), read through the
    /// `messages_purgeable` partial index (its condition is written exactly as the index's). Without statistics
    /// SQLite would take `messages_state_send_order` for the `state IN` and visit every finished message ever
    /// sent on each dispatch; the partial index reads only those past the cutoff.
    static func purgeableSQL(columns: String) -> String {
        "SELECT \(columns) FROM messages INDEXED BY messages_purgeable "
            + "WHERE purged_at IS NULL AND state IN \(finishedStates) AND updated_at < ?1"
    }

    /// `('sent', 'failed', 'expired', 'cancelled')`: the states a purge may erase.
    static let finishedStates =
        "(" + MessageState.allCases.filter(\.isFinished).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        + ")"
}
