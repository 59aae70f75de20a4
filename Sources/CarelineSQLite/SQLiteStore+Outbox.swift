import CarelineCore
import Foundation
import GRDB

extension SQLiteStore {
    /// Runs one queue in one transaction (see ``OutboxStore/queueBatch(campaigns:createdAt:createdBy:_:)``).
    ///
    /// The batch row is inserted first, so the writer knows its id; keeping nothing rolls it back with
    /// everything else. The returned record's `createdAt` is the stored one (whole milliseconds).
    ///
    /// - Throws: ``StoreError``, or whatever `body` throws (then nothing is written).
    public func queueBatch(
        campaigns: [String], createdAt: Date, createdBy: String,
        _ body: (any BatchWriter) throws -> (keep: Bool, audit: AuditEntry)
    ) throws -> BatchRecord? {
        try passingCallerErrors {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: Self.bulkWriteCacheSQL)
                var record: BatchRecord?
                try db.inTransaction(.immediate) {
                    let createdMillis = StoredText.millis(createdAt)
                    try db.execute(
                        sql:
                            "INSERT INTO batches (campaigns, created_at, created_by, queued) VALUES (?, ?, ?, 0)",
                        arguments: [StoredText.jsonArray(campaigns), createdMillis, createdBy])
                    let batchID = db.lastInsertedRowID
                    let deferred = try BulkIndexes.deferIfLarge(in: db, minimumPatients: largeQueuePatients)
                    let writer = SQLiteBatchWriter(db: db, batchID: batchID, path: path)
                    let (keep, audit) = try body(writer)
                    guard keep else { return .rollback }
                    try deferred?.rebuild(in: db)
                    try db.execute(
                        sql: "UPDATE batches SET queued = ? WHERE id = ?",
                        arguments: [writer.inserted, batchID])
                    try Self.appendAudit(audit, adding: nil, in: db)
                    record = BatchRecord(
                        id: batchID, campaigns: campaigns, createdAt: StoredText.date(millis: createdMillis),
                        createdBy: createdBy, queued: writer.inserted, skipped: writer.skipped)
                    return .commit
                }
                return record
            }
        }
    }

    /// Messages matching `filter` by planned instant then id, at most `limit`, streamed.
    ///
    /// Rows are read with a cursor in pages of ``messagePageSize``, each page in its own read, continuing
    /// after the last (`send_at`, `id`) seen: memory stays bounded, and `body` runs outside any database
    /// access, so it may call back into this store (cancel, update) without deadlocking. A message whose
    /// planned instant moves behind the read position during the iteration is not visited again.
    ///
    /// - Throws: ``StoreError``, or whatever `body` throws (the iteration stops).
    public func forEachMessage(_ filter: MessageFilter, limit: Int?, _ body: (OutboxMessage) throws -> Void)
        throws
    {
        let (condition, values) = MessageRow.condition(filter)
        let first =
            "SELECT \(MessageRow.columns) FROM messages WHERE \(condition) ORDER BY send_at, id LIMIT ?"
        let next =
            "SELECT \(MessageRow.columns) FROM messages WHERE \(condition) AND (send_at, id) > (?, ?) "
            + "ORDER BY send_at, id LIMIT ?"
        var remaining = limit.map { max(0, $0) } ?? Int.max
        var position: (sendAt: Int64, id: String)?
        while remaining > 0 {
            let pageSize = min(Self.messagePageSize, remaining)
            let page = try read { db in
                let statement = try RawStatement(
                    db.cachedStatement(sql: position == nil ? first : next), in: db)
                defer { statement.reset() }
                for (index, value) in values.enumerated() { statement.bind(Int32(index + 1), value) }
                var index = Int32(values.count + 1)
                if let position {
                    statement.bind(index, position.sendAt)
                    statement.bind(index + 1, position.id)
                    index += 2
                }
                statement.bind(index, pageSize)
                var page: [(message: OutboxMessage, sendAt: Int64)] = []
                while try statement.step() {
                    page.append((try MessageRow.message(from: statement, path: path), statement.int64(8)))
                }
                return page
            }
            for row in page { try body(row.message) }
            guard page.count == pageSize, let last = page.last else { return }
            remaining -= page.count
            position = (last.sendAt, last.message.id)
        }
    }

    /// How many messages ``forEachMessage(_:limit:_:)`` reads at a time.
    static let messagePageSize = 512

    /// Counts per campaign and state (by campaign, then state order), the earliest planned instant of a
    /// pending message, and the batches newest first.
    ///
    /// - Throws: ``StoreError``.
    public func status() throws(StoreError) -> OutboxStatus {
        try read { db in
            var rows: [OutboxStatus.Row] = []
            let counts = try Row.fetchAll(
                db, sql: "SELECT campaign, state, count(*) FROM messages GROUP BY campaign, state")
            for row in counts {
                let campaign: String = row[0]
                let stateText: String = row[1]
                guard let state = MessageState(rawValue: stateText) else {
                    throw StoreError.unreadable(path: path, table: "messages", key: "*", column: "state")
                }
                rows.append(OutboxStatus.Row(campaign: campaign, state: state, count: row[2]))
            }
            rows.sort { ($0.campaign, $0.state) < ($1.campaign, $1.state) }
            let next = try Int64.fetchOne(
                db, sql: "SELECT min(send_at) FROM messages WHERE state IN \(MessageRow.pendingStates)")
            let batches = try Self.batches(where: "1", arguments: [], in: db, path: path)
            return OutboxStatus(rows: rows, nextSendAt: next.map(StoredText.date(millis:)), batches: batches)
        }
    }

    /// Cancels the pending messages matching `filter` in one transaction and appends `audit` with
    /// `cancelled=N` added to its detail.
    ///
    /// - Returns: How many messages were cancelled.
    /// - Throws: ``StoreError``.
    public func cancel(_ filter: MessageFilter, audit: AuditEntry) throws(StoreError) -> Int {
        let (condition, values) = MessageRow.condition(filter)
        return try write { db in
            let statement = try RawStatement(
                db.makeStatement(
                    sql: "UPDATE messages SET state = 'cancelled', updated_at = ? "
                        + "WHERE state IN \(MessageRow.pendingStates) AND \(condition)"),
                in: db)
            statement.bind(1, StoredText.millis(audit.at))
            for (index, value) in values.enumerated() { statement.bind(Int32(index + 2), value) }
            try statement.run()
            let cancelled = db.changesCount
            try Self.appendAudit(audit, adding: "cancelled=\(cancelled)", in: db)
            return cancelled
        }
    }

    /// Records an opt-out and cancels the pending messages to that phone or of that patient, in one
    /// transaction; appends `audit` with `cancelled=N` added to its detail.
    ///
    /// The list holds one entry per phone and one per patient: a phone or patient already listed keeps its
    /// first entry; when only one of an opt-out's phone and patient is new, an entry for that one alone is
    /// added.
    ///
    /// - Returns: How many messages were cancelled.
    /// - Throws: ``StoreError`` (`.other` when the opt-out has neither a phone nor a patient id).
    public func addOptOut(_ optOut: OptOut, audit: AuditEntry) throws(StoreError) -> Int {
        guard optOut.phone != nil || optOut.patientID != nil else {
            throw StoreError(
                code: .other, path: path,
                message: "an opt-out needs a phone number or a patient id; give one.")
        }
        return try write { db in
            let phoneListed = try optOut.phone.map {
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM opt_outs WHERE phone = ?)", arguments: [$0.e164])
                    ?? false
            }
            let patientListed = try optOut.patientID.map {
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM opt_outs WHERE patient_id = ?)", arguments: [$0])
                    ?? false
            }
            let newPhone = phoneListed == false ? optOut.phone : nil
            let newPatient = patientListed == false ? optOut.patientID : nil
            if newPhone != nil || newPatient != nil {
                try db.execute(
                    sql:
                        "INSERT INTO opt_outs (phone, patient_id, reason, at, source) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        newPhone?.e164, newPatient, optOut.reason, StoredText.millis(optOut.at),
                        optOut.source,
                    ])
            }
            try db.execute(
                sql: "UPDATE messages SET state = 'cancelled', updated_at = ? "
                    + "WHERE state IN \(MessageRow.pendingStates) AND (recipient = ? OR patient_id = ?)",
                arguments: [StoredText.millis(audit.at), optOut.phone?.e164, optOut.patientID])
            let cancelled = db.changesCount
            try Self.appendAudit(audit, adding: "cancelled=\(cancelled)", in: db)
            return cancelled
        }
    }

    /// Every opt-out, newest first.
    ///
    /// - Throws: ``StoreError``.
    public func optOuts() throws(StoreError) -> [OptOut] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT id, phone, patient_id, reason, at, source FROM opt_outs ORDER BY at DESC, id DESC"
            )
            return try rows.map { row throws(StoreError) in
                var phone: PhoneNumber?
                if let text: String = row[1] {
                    guard let number = PhoneNumber(e164: text) else {
                        throw StoreError.unreadable(
                            path: path, table: "opt_outs", key: "\(row[0] as Int64)", column: "phone")
                    }
                    phone = number
                }
                return OptOut(
                    phone: phone, patientID: row[2], reason: row[3], at: StoredText.date(millis: row[4]),
                    source: row[5])
            }
        }
    }

    /// The audit trail, oldest first; with `since`, the entries at or after it.
    ///
    /// - Throws: ``StoreError``.
    public func auditEntries(since: Date?) throws(StoreError) -> [AuditEntry] {
        try read { db in
            let rows: [Row]
            if let since {
                rows = try Row.fetchAll(
                    db,
                    sql: "SELECT at, actor, action, subject, detail FROM audit WHERE at >= ? ORDER BY at, id",
                    arguments: [StoredText.millis(since)])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT at, actor, action, subject, detail FROM audit ORDER BY at, id")
            }
            return rows.map { row in
                AuditEntry(
                    at: StoredText.date(millis: row[0]), actor: row[1], action: row[2], subject: row[3],
                    detail: row[4])
            }
        }
    }
}

extension SQLiteStore {
    /// The batches matching `condition`, newest first.
    static func batches(where condition: String, arguments: StatementArguments, in db: Database, path: String)
        throws -> [BatchRecord]
    {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, campaigns, created_at, created_by, queued, skipped_duplicate, skipped_opted_out,
                    skipped_expired, skipped_capped, skipped_invalid
                FROM batches WHERE \(condition) ORDER BY id DESC
                """, arguments: arguments)
        return try rows.map { row in
            let id: Int64 = row[0]
            guard let campaigns = StoredText.strings(fromJSON: row[1]) else {
                throw StoreError.unreadable(path: path, table: "batches", key: "\(id)", column: "campaigns")
            }
            return BatchRecord(
                id: id, campaigns: campaigns, createdAt: StoredText.date(millis: row[2]), createdBy: row[3],
                queued: row[4],
                skipped: ReviewReport.Skipped(
                    duplicate: row[5], optedOut: row[6], expired: row[7], capped: row[8], invalid: row[9]))
        }
    }
}

/// How an ``OutboxMessage`` maps to a `messages` row.
enum MessageRow {
    /// The columns a queue run writes, in the order ``bind(_:batchID:to:)`` binds them.
    static let insertColumns = """
        id, batch_id, campaign, step, patient_id, recipient, senders, due_date, send_at, local_date, time_zone, \
        expires_at, body, encoding, segments, idempotency_key, state, attempts, created_at, requires_approval
        """

    /// The columns read back, in the order ``message(from:path:)`` expects.
    static let columns = insertColumns + ", sender_index, provider_id, last_error, purged_at"

    /// `('queued', 'retry')`: the states that may still be sent.
    static let pendingStates =
        "(" + MessageState.allCases.filter(\.isPending).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        + ")"

    /// `('queued', 'sending', …)`: the states that count toward caps.
    static let capStates =
        "("
        + MessageState.allCases.filter(\.countsTowardCaps).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        + ")"

    /// Inserts a message unless its idempotency key is already there (any other conflict is an error).
    static let insertSQL = """
        INSERT INTO messages (\(insertColumns), content_hash, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (idempotency_key) DO NOTHING
        """

    /// The SQL condition and values selecting `filter` (`1` for no condition).
    static func condition(_ filter: MessageFilter) -> (sql: String, values: [SQLValue]) {
        var parts: [String] = []
        var values: [SQLValue] = []
        if let campaign = filter.campaign {
            parts.append("campaign = ?")
            values.append(.text(campaign))
        }
        if let batchID = filter.batchID {
            parts.append("batch_id = ?")
            values.append(.integer(batchID))
        }
        if let state = filter.state {
            parts.append("state = ?")
            values.append(.text(state.rawValue))
        }
        if let id = filter.id {
            parts.append("id = ?")
            values.append(.text(id))
        }
        if let patientID = filter.patientID {
            parts.append("patient_id = ?")
            values.append(.text(patientID))
        }
        return (parts.isEmpty ? "1" : parts.joined(separator: " AND "), values)
    }

    /// Binds the 22 parameters of ``insertSQL``; the message is filed under `batchID`.
    static func bind(_ message: OutboxMessage, batchID: Int64, to statement: RawStatement) {
        let created = StoredText.millis(message.createdAt)
        statement.bind(1, message.id)
        statement.bind(2, batchID)
        statement.bind(3, message.campaign)
        statement.bind(4, message.step)
        statement.bind(5, message.patientID)
        statement.bind(6, message.recipient.e164)
        statement.bind(7, StoredText.jsonArray(message.senders))
        statement.bind(8, message.dueDate.iso)
        statement.bind(9, StoredText.millis(message.sendAt))
        statement.bind(10, message.localDate.iso)
        statement.bind(11, message.timeZone)
        statement.bind(12, StoredText.millis(message.expiresAt))
        statement.bind(13, message.body)
        statement.bind(14, message.encoding.rawValue)
        statement.bind(15, message.segments)
        statement.bind(16, message.idempotencyKey)
        statement.bind(17, message.state.rawValue)
        statement.bind(18, message.attempts)
        statement.bind(19, created)
        statement.bind(20, message.requiresApproval ? 1 : 0)
        statement.bind(21, contentHash(message))
        statement.bind(22, created)
    }

    /// FNV-1a of id, recipient, body and senders: shows whether a queued message was altered afterwards.
    static func contentHash(_ message: OutboxMessage) -> String {
        StoredText.contentHash([
            message.id, message.recipient.e164, message.body, message.senders.joined(separator: ","),
        ])
    }

    /// Reads the current row of a statement that selected ``columns``.
    ///
    /// - Throws: ``StoreError`` `.corrupt` naming the message id and column when a value cannot be read.
    static func message(from row: RawStatement, path: String) throws(StoreError) -> OutboxMessage {
        let id = row.text(0) ?? ""
        func unreadable(_ column: String) -> StoreError {
            .unreadable(path: path, table: "messages", key: id, column: column)
        }
        // A purged row keeps only the masked number (see `SQLiteStore.purgeFinished`): it reads back redacted.
        let purgedAt = row.isNull(23) ? nil : StoredText.date(millis: row.int64(23))
        let storedRecipient = row.text(5) ?? ""
        guard
            let recipient = purgedAt == nil
                ? PhoneNumber(e164: storedRecipient) : PhoneNumber(redacted: storedRecipient)
        else { throw unreadable("recipient") }
        guard let senders = StoredText.strings(fromJSON: row.text(6) ?? "") else {
            throw unreadable("senders")
        }
        guard let dueDate = LocalDate(iso: row.text(7) ?? "") else { throw unreadable("due_date") }
        guard let localDate = LocalDate(iso: row.text(9) ?? "") else { throw unreadable("local_date") }
        guard let encoding = SMSEncoding(rawValue: row.text(13) ?? "") else { throw unreadable("encoding") }
        guard let state = MessageState(rawValue: row.text(16) ?? "") else { throw unreadable("state") }
        return OutboxMessage(
            id: id, batchID: row.int64(1), campaign: row.text(2) ?? "", step: row.text(3) ?? "",
            patientID: row.text(4) ?? "", recipient: recipient, senders: senders, dueDate: dueDate,
            sendAt: StoredText.date(millis: row.int64(8)), localDate: localDate, timeZone: row.text(10) ?? "",
            expiresAt: StoredText.date(millis: row.int64(11)), body: row.text(12) ?? "", encoding: encoding,
            segments: row.int(14), idempotencyKey: row.text(15) ?? "", state: state, attempts: row.int(17),
            createdAt: StoredText.date(millis: row.int64(18)), senderIndex: row.int(20),
            providerID: row.text(21), lastError: row.text(22), requiresApproval: row.int(19) != 0,
            purgedAt: purgedAt)
    }
}
