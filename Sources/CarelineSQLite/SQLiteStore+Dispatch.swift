import CarelineCore
import Foundation
import GRDB

extension SQLiteStore: DispatchStore {
    /// Pending messages planned at or before `now`, by planned instant then id, after `position`.
    ///
    /// - Throws: ``StoreError``.
    public func dueMessages(at now: Date, after position: (sendAt: Date, id: String)?, limit: Int)
        throws(StoreError) -> [OutboxMessage]
    {
        let base =
            // The partial index walks pending messages in send order; without the hint SQLite prefers
            // (state, send_at) and sorts every due message again for each page.
            "SELECT \(MessageRow.columns) FROM messages INDEXED BY messages_pending "
            + "WHERE state IN \(MessageRow.pendingStates) AND send_at <= ?"
        let sql =
            position == nil
            ? base + " ORDER BY send_at, id LIMIT ?"
            : base + " AND (send_at, id) > (?, ?) ORDER BY send_at, id LIMIT ?"
        return try pointRead { db in
            let statement = try RawStatement(db.cachedStatement(sql: sql), in: db)
            defer { statement.reset() }
            statement.bind(1, StoredText.millis(now))
            var index: Int32 = 2
            if let position {
                statement.bind(2, StoredText.millis(position.sendAt))
                statement.bind(3, position.id)
                index = 4
            }
            statement.bind(index, max(0, limit))
            var messages: [OutboxMessage] = []
            while try statement.step() {
                messages.append(try MessageRow.message(from: statement, path: path))
            }
            return messages
        }
    }

    /// Messages in one state, by planned instant then id, at most `limit`.
    ///
    /// - Throws: ``StoreError``.
    public func messages(in state: MessageState, limit: Int) throws(StoreError) -> [OutboxMessage] {
        try pointRead { db in
            let statement = try RawStatement(
                db.cachedStatement(
                    sql:
                        "SELECT \(MessageRow.columns) FROM messages WHERE state = ? ORDER BY send_at, id LIMIT ?"
                ),
                in: db)
            defer { statement.reset() }
            statement.bind(1, state.rawValue)
            statement.bind(2, max(0, limit))
            var messages: [OutboxMessage] = []
            while try statement.step() {
                messages.append(try MessageRow.message(from: statement, path: path))
            }
            return messages
        }
    }

    /// Applies the updates whose message is still in their `from` state, and appends `audit`, in one
    /// transaction; with ``CommitDurability/powerLoss`` the commit waits for `fsync` of the WAL
    /// (`PRAGMA synchronous = FULL`), else it survives a crash of the process (`NORMAL`, WAL mode).
    ///
    /// - Returns: The ids changed.
    /// - Throws: ``StoreError``; nothing is changed then.
    public func apply(_ updates: [MessageUpdate], audit: [AuditEntry], durability: CommitDurability)
        throws(StoreError) -> Set<String>
    {
        guard !updates.isEmpty || !audit.isEmpty else { return [] }
        do {
            try pool.writeWithoutTransaction { db in
                // A plain setting of the connection: switching it writes nothing.
                try db.execute(
                    sql: durability == .powerLoss
                        ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            }
        } catch {
            throw .wrapping(error, path: path)
        }
        return try write { db in
            var changed = Set<String>()
            let statement = try RawStatement(db.cachedStatement(sql: Self.updateSQL), in: db)
            for update in updates {
                defer { statement.reset() }
                statement.bind(1, update.to.rawValue)
                statement.bind(2, StoredText.millis(update.at))
                bindOptional(statement, 3, update.sendAt.map(StoredText.millis))
                bindOptional(statement, 4, update.localDate?.iso)
                bindOptional(statement, 5, update.attempts.map(Int64.init))
                bindOptional(statement, 6, update.senderIndex.map(Int64.init))
                bindOptional(statement, 7, update.providerID)
                bindOptional(statement, 8, update.lastError)
                bindOptional(statement, 9, update.body?.text)
                bindOptional(statement, 10, update.body?.encoding.rawValue)
                bindOptional(statement, 11, update.body.map { Int64($0.segments) })
                statement.bind(12, update.id)
                statement.bind(13, update.from.rawValue)
                try statement.run()
                if db.changesCount == 1 { changed.insert(update.id) }
            }
            if updates.contains(where: { $0.body != nil }) {
                for update in updates where update.body != nil && changed.contains(update.id) {
                    try Self.refreshContentHash(id: update.id, in: db)
                }
            }
            for entry in audit { try Self.appendAudit(entry, adding: nil, in: db) }
            return changed
        }
    }

    /// The campaign file's text kept with a batch, or `nil`.
    ///
    /// - Throws: ``StoreError``.
    public func campaignSource(batchID: Int64, campaign: String) throws(StoreError) -> String? {
        try pointRead { db in
            try String.fetchOne(
                db, sql: "SELECT source FROM campaign_sources WHERE batch_id = ? AND campaign = ?",
                arguments: [batchID, campaign])
        }
    }

    /// Whether the patient, or the phone number, is on the opt-out list.
    ///
    /// - Throws: ``StoreError``.
    public func isOptedOut(patientID: String, phone: PhoneNumber) throws(StoreError) -> Bool {
        try pointRead { db in try Self.isOptedOut(patientID: patientID, phone: phone, in: db) }
    }

    /// The local dates of a patient's messages whose state counts toward caps.
    ///
    /// - Throws: ``StoreError``.
    public func capDates(patientID: String) throws(StoreError) -> [LocalDate] {
        try localDates(patientID: patientID, states: MessageRow.capStates)
    }

    /// The local dates of a patient's messages that went out or may have (`sent`, `sending`, `unknown`).
    ///
    /// - Throws: ``StoreError``.
    public func deliveredDates(patientID: String) throws(StoreError) -> [LocalDate] {
        try localDates(patientID: patientID, states: "('sent', 'sending', 'unknown')")
    }

    private func localDates(patientID: String, states: String) throws(StoreError) -> [LocalDate] {
        try pointRead { db in
            try Self.localDates(patientID: patientID, states: states, order: "", in: db, path: path)
        }
    }

    /// The local dates of a patient's messages in `states` (an SQL list such as `('sent', 'retry')`).
    static func localDates(patientID: String, states: String, order: String, in db: Database, path: String)
        throws
        -> [LocalDate]
    {
        let statement = try RawStatement(
            db.cachedStatement(
                sql:
                    "SELECT id, local_date FROM messages WHERE patient_id = ? AND state IN \(states) \(order)"
            ),
            in: db)
        defer { statement.reset() }
        statement.bind(1, patientID)
        var dates: [LocalDate] = []
        while try statement.step() {
            guard let date = LocalDate(iso: statement.text(1) ?? "") else {
                throw StoreError.unreadable(
                    path: path, table: "messages", key: statement.text(0) ?? "", column: "local_date")
            }
            dates.append(date)
        }
        return dates
    }

    /// Sets the state and whichever optional columns are given (NULL parameters keep the stored value; an
    /// empty `last_error` clears it), only while the state is still the expected one.
    static let updateSQL = """
        UPDATE messages SET state = ?1, updated_at = ?2,
            send_at = coalesce(?3, send_at), local_date = coalesce(?4, local_date),
            attempts = coalesce(?5, attempts), sender_index = coalesce(?6, sender_index),
            provider_id = coalesce(?7, provider_id),
            last_error = CASE WHEN ?8 IS NULL THEN last_error WHEN ?8 = '' THEN NULL ELSE ?8 END,
            body = coalesce(?9, body), encoding = coalesce(?10, encoding), segments = coalesce(?11, segments)
        WHERE id = ?12 AND state = ?13
        """

    /// Recomputes a message's content hash after its body changed.
    static func refreshContentHash(id: String, in db: Database) throws {
        let statement = try RawStatement(
            db.cachedStatement(sql: "SELECT \(MessageRow.columns) FROM messages WHERE id = ?"), in: db)
        defer { statement.reset() }
        statement.bind(1, id)
        guard try statement.step() else { return }
        let message = try MessageRow.message(from: statement, path: "")
        try db.execute(
            sql: "UPDATE messages SET content_hash = ? WHERE id = ?",
            arguments: [MessageRow.contentHash(message), id])
    }
}

/// Binds a value, or NULL.
private func bindOptional(_ statement: RawStatement, _ index: Int32, _ value: String?) {
    statement.bind(index, value)
}

private func bindOptional(_ statement: RawStatement, _ index: Int32, _ value: Int64?) {
    if let value { statement.bind(index, value) } else { statement.bindNull(index) }
}
