import CarelineCore
import GRDB

/// The ``BatchWriter`` of one queue run: every call reads and writes through the run's transaction.
///
/// Bound to the write connection inside ``SQLiteStore/queueBatch(campaigns:createdAt:createdBy:_:)``; using
/// it after that call returned is a programming error (GRDB stops it).
final class SQLiteBatchWriter: BatchWriter {
    /// The id of the batch being written.
    let batchID: Int64
    /// How many messages this run inserted.
    private(set) var inserted = 0
    /// What the run left out, as saved.
    private(set) var skipped = ReviewReport.Skipped()
    private let db: Database
    private let path: String
    /// The opt-out list, once read.
    private var optOuts: (patients: Set<String>, phones: Set<String>)?

    init(db: Database, batchID: Int64, path: String) {
        self.db = db
        self.batchID = batchID
        self.path = path
    }

    /// Every patient in id order, read with a cursor (never all at once).
    ///
    /// - Throws: ``StoreError``, or whatever `body` throws (the iteration stops).
    func forEachPatient(_ body: (Patient) throws -> Void) throws {
        let statement = try wrapped {
            try RawStatement(
                db.makeStatement(sql: "SELECT \(PatientRow.columns) FROM patients ORDER BY id"), in: db)
        }
        defer { statement.reset() }
        while try wrapped({ try statement.step() }) {
            try body(try PatientRow.patient(from: statement, path: path))
        }
    }

    /// Whether an idempotency key is already in the outbox.
    ///
    /// - Throws: ``StoreError``.
    func containsKey(_ key: String) throws(StoreError) -> Bool {
        try wrapped {
            let statement = try RawStatement(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM messages WHERE idempotency_key = ?)"),
                in: db)
            defer { statement.reset() }
            statement.bind(1, key)
            return try statement.step() && statement.int(0) != 0
        }
    }

    /// Inserts a message filed under this batch (whatever its `batchID` says); false when its idempotency key
    /// is already in the outbox (nothing written).
    ///
    /// - Throws: ``StoreError`` (a duplicate message id is an error, not a skip).
    func insert(_ message: OutboxMessage) throws(StoreError) -> Bool {
        try wrapped {
            let statement = try RawStatement(db.cachedStatement(sql: MessageRow.insertSQL), in: db)
            MessageRow.bind(message, batchID: batchID, to: statement)
            try statement.run()
            let written = db.changesCount == 1
            if written { inserted += 1 }
            return written
        }
    }

    /// Keeps what the run left out with this batch.
    ///
    /// - Throws: ``StoreError``.
    func saveSkipped(_ skipped: ReviewReport.Skipped) throws(StoreError) {
        try wrapped {
            try db.execute(
                sql: """
                    UPDATE batches SET skipped_duplicate = ?, skipped_opted_out = ?, skipped_expired = ?,
                        skipped_capped = ?, skipped_invalid = ? WHERE id = ?
                    """,
                arguments: [
                    skipped.duplicate, skipped.optedOut, skipped.expired, skipped.capped, skipped.invalid,
                    batchID,
                ])
        }
        self.skipped = skipped
    }

    /// Keeps a campaign file's text with this batch.
    ///
    /// - Throws: ``StoreError``.
    func saveCampaignSource(campaign: String, source: String) throws(StoreError) {
        try wrapped {
            try db.execute(
                sql: "INSERT OR REPLACE INTO campaign_sources (batch_id, campaign, source) VALUES (?, ?, ?)",
                arguments: [batchID, campaign, source])
        }
    }

    /// The local dates of a patient's messages whose state counts toward caps, by date then message id.
    ///
    /// - Throws: ``StoreError``.
    func capDates(patientID: String) throws(StoreError) -> [LocalDate] {
        try wrapped {
            try SQLiteStore.localDates(
                patientID: patientID, states: MessageRow.capStates, order: "ORDER BY local_date, id", in: db,
                path: path)
        }
    }

    /// Whether the patient, or the phone number, is on the opt-out list.
    ///
    /// - Throws: ``StoreError``.
    func isOptedOut(patientID: String, phone: PhoneNumber?) throws(StoreError) -> Bool {
        let list = try optOutList()
        return list.patients.contains(patientID) || phone.map { list.phones.contains($0.e164) } ?? false
    }

    /// The opt-out list, read once per run (it cannot change inside the run's transaction): a run asks once per
    /// patient, and a million point queries cost more than one pass over the list.
    private func optOutList() throws(StoreError) -> (patients: Set<String>, phones: Set<String>) {
        if let optOuts { return optOuts }
        let list = try wrapped {
            var list = (patients: Set<String>(), phones: Set<String>())
            let rows = try Row.fetchCursor(db, sql: "SELECT patient_id, phone FROM opt_outs")
            while let row = try rows.next() {
                if let patient: String = row[0] { list.patients.insert(patient) }
                if let phone: String = row[1] { list.phones.insert(phone) }
            }
            return list
        }
        optOuts = list
        return list
    }

    /// Runs database work, turning its errors into ``StoreError``s.
    private func wrapped<T>(_ work: () throws -> T) throws(StoreError) -> T {
        do {
            return try work()
        } catch {
            throw .wrapping(error, path: path)
        }
    }
}
