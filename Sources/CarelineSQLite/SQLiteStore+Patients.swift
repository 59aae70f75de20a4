import CarelineCore
import Foundation
import GRDB

extension SQLiteStore {
    /// Writes every patient `produce` emits in one transaction (see ``PatientStore/upsertPatients(audit:_:)``).
    ///
    /// One prepared upsert per row (`ON CONFLICT(id) DO UPDATE … WHERE digest <> excluded.digest`) with raw
    /// binds: unchanged rows are not rewritten. The counts come from SQLite, not from a read per row: rows
    /// written = the change in `total_changes`, inserted = the change in the row count, updated = written −
    /// inserted, unchanged = emitted − written.
    ///
    /// - Parameters:
    ///   - audit: The audit line; `inserted=… updated=… unchanged=…` is added to its detail.
    ///   - produce: Calls `emit` once per patient.
    /// - Returns: The counts.
    /// - Throws: ``StoreError``, or whatever `produce` throws (then nothing is written).
    public func upsertPatients(
        audit: AuditEntry, _ produce: (_ emit: (Patient) throws -> Void) throws -> Void
    ) throws -> ImportSummary {
        try passingCallerErrors {
            try pool.write { db in
                try db.execute(sql: Self.bulkWriteCacheSQL)
                let countBefore = try Int.fetchOne(db, sql: "SELECT count(*) FROM patients") ?? 0
                let changesBefore = db.totalChangesCount
                let upsert = try RawStatement(db.cachedStatement(sql: PatientRow.upsertSQL), in: db)
                var emitted = 0
                try produce { patient in
                    PatientRow.bind(patient, to: upsert)
                    try upsert.run()
                    emitted += 1
                }
                let written = db.totalChangesCount - changesBefore
                let countAfter = try Int.fetchOne(db, sql: "SELECT count(*) FROM patients") ?? 0
                let inserted = countAfter - countBefore
                let summary = ImportSummary(
                    inserted: inserted, updated: written - inserted, unchanged: emitted - written)
                try Self.appendAudit(audit, adding: PatientRow.countsText(summary), in: db)
                return summary
            }
        }
    }

    /// One patient, or `nil`.
    ///
    /// - Throws: ``StoreError``.
    public func patient(id: String) throws(StoreError) -> Patient? {
        try pointRead { db in
            let statement = try RawStatement(
                db.cachedStatement(sql: "SELECT \(PatientRow.columns) FROM patients WHERE id = ?"), in: db)
            defer { statement.reset() }
            statement.bind(1, id)
            guard try statement.step() else { return nil }
            return try PatientRow.patient(from: statement, path: path)
        }
    }

    /// How many patients there are.
    ///
    /// - Throws: ``StoreError``.
    public func patientCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM patients") ?? 0 }
    }
}

/// How a ``Patient`` maps to a `patients` row.
enum PatientRow {
    /// The columns read back, in the order ``patient(from:path:)`` expects.
    static let columns =
        "id, name, phone, gender, birth_date, timezone, locale, tags, opt_out, preferred_time, extra"

    /// Inserts a new id, rewrites a known id whose digest differs, leaves an unchanged row alone.
    static let upsertSQL = """
        INSERT INTO patients (\(columns), digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, phone = excluded.phone, gender = excluded.gender,
            birth_date = excluded.birth_date, timezone = excluded.timezone, locale = excluded.locale,
            tags = excluded.tags, opt_out = excluded.opt_out, preferred_time = excluded.preferred_time,
            extra = excluded.extra, digest = excluded.digest
        WHERE patients.digest <> excluded.digest
        """

    /// Binds the 12 parameters of ``upsertSQL``.
    static func bind(_ patient: Patient, to statement: RawStatement) {
        statement.bind(1, patient.id)
        statement.bind(2, patient.name)
        statement.bind(3, patient.phone?.e164)
        statement.bind(4, patient.gender.map { $0 == .female ? "F" : "M" })
        statement.bind(5, patient.birthDate?.iso)
        statement.bind(6, patient.timeZone)
        statement.bind(7, patient.locale)
        statement.bind(8, StoredText.jsonArray(patient.tags))
        statement.bind(9, patient.optOut ? 1 : 0)
        statement.bind(10, patient.preferredTime?.description)
        statement.bind(11, StoredText.jsonObject(patient.extra))
        statement.bind(12, patient.contentDigest)
    }

    /// Reads the current row of a statement that selected ``columns``.
    ///
    /// - Throws: ``StoreError`` `.corrupt` naming the patient id and column when a value cannot be read.
    static func patient(from row: RawStatement, path: String) throws(StoreError) -> Patient {
        let id = row.text(0) ?? ""
        func unreadable(_ column: String) -> StoreError {
            .unreadable(path: path, table: "patients", key: id, column: column)
        }
        var patient = Patient(id: id, name: row.text(1) ?? "")
        if let text = row.text(2) {
            guard let phone = PhoneNumber(e164: text) else { throw unreadable("phone") }
            patient.phone = phone
        }
        switch row.text(3) {
        case nil: break
        case "F": patient.gender = .female
        case "M": patient.gender = .male
        default: throw unreadable("gender")
        }
        if let text = row.text(4) {
            guard let date = LocalDate(iso: text) else { throw unreadable("birth_date") }
            patient.birthDate = date
        }
        patient.timeZone = row.text(5)
        patient.locale = row.text(6)
        guard let tags = StoredText.strings(fromJSON: row.text(7) ?? "[]") else { throw unreadable("tags") }
        patient.tags = tags
        patient.optOut = row.int(8) != 0
        if let text = row.text(9) {
            guard let range = TimeRange(parsing: text) else { throw unreadable("preferred_time") }
            patient.preferredTime = range
        }
        guard let extra = StoredText.map(fromJSON: row.text(10) ?? "{}") else { throw unreadable("extra") }
        patient.extra = extra
        return patient
    }

    /// `inserted=3 updated=1 unchanged=2`, added to an import's audit line.
    static func countsText(_ summary: ImportSummary) -> String {
        "inserted=\(summary.inserted) updated=\(summary.updated) unchanged=\(summary.unchanged)"
    }
}
