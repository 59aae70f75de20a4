import GRDB

/// The `messages` indexes a large queue run drops at its start and builds again before it commits.
///
/// A queue run of a million patients inserts two million messages in one transaction. Kept up to date row by
/// row, each secondary index keyed by planned instant (the dispatcher's and the listings' send order) or by phone
/// takes an insert at a random place in a b-tree much larger than the page cache: measured, that made a
/// 1,000,000-patient queue 43 times slower than a plain import. Built once over the finished table, an index is
/// one sort. The drop and the build happen inside the run's transaction, so other connections keep seeing the
/// old indexes until the commit, and a run that is rolled back leaves the schema as it was.
///
/// Kept during the run: the unique indexes (message id, idempotency key), which the run itself checks, and the
/// patient index, which the caps read per patient (written in patient order, it grows at its end anyway).
struct BulkIndexes {
    /// The indexes dropped, with the SQL that made them (as SQLite keeps it), to build them again.
    let dropped: [(name: String, sql: String)]

    /// Drops the deferrable indexes when the run is likely large: at least `minimumPatients` patients, and at
    /// least half as many patients as messages already stored. Building the indexes again reads every stored
    /// message, so with that bound the rebuild costs less than the run's own pass over the patients; a run
    /// into an outbox much larger than the patient list keeps its indexes.
    ///
    /// - Returns: What to rebuild, or `nil` when the run keeps its indexes.
    static func deferIfLarge(in db: Database, minimumPatients: Int) throws -> BulkIndexes? {
        let patients = try Int.fetchOne(db, sql: "SELECT count(*) FROM patients") ?? 0
        guard patients >= minimumPatients else { return nil }
        // The largest rowid: the number of messages ever stored (none are deleted), without a count over them.
        let messages = try Int.fetchOne(db, sql: "SELECT max(rowid) FROM messages") ?? 0
        guard patients * 2 >= messages else { return nil }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT name, sql FROM sqlite_master
                WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL AND name != 'messages_patient_id'
                ORDER BY name
                """)
        var dropped: [(name: String, sql: String)] = []
        for row in rows {
            let name: String = row[0]
            let sql: String = row[1]
            // Only plain secondary indexes: a UNIQUE one enforces a rule the run relies on.
            guard !sql.uppercased().hasPrefix("CREATE UNIQUE") else { continue }
            try db.execute(sql: "DROP INDEX \(name.quotedDatabaseIdentifier)")
            dropped.append((name, sql))
        }
        return dropped.isEmpty ? nil : BulkIndexes(dropped: dropped)
    }

    /// Builds every dropped index again (each one sort over the table).
    func rebuild(in db: Database) throws {
        for index in dropped { try db.execute(sql: index.sql) }
    }
}
