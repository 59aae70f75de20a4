import CarelineCore
import Foundation
import GRDB

/// The embedded store: patients, the outbox, batches, opt-outs and the audit trail in one SQLite file.
///
/// The file is opened in WAL mode through a GRDB `DatabasePool`, so `careline status` can read while a queue
/// run or the dispatcher writes. Every write is one transaction. A new file is created with mode 0600 (its
/// `-wal` and `-shm` files too): it holds patient data. A connection waits up to the busy timeout for another
/// process's lock, then fails with ``StoreError/Code/locked``.
///
/// Instants are stored as integer milliseconds: sub-millisecond parts of a `Date` are rounded away.
public final class SQLiteStore: OutboxStore, Sendable {
    /// The migration names this build knows, oldest first.
    public static let migrationNames: [String] = Migrations.names

    /// The database file.
    public let path: String
    /// The connections: one writer, several readers.
    /// One serialized connection: careline is one short-lived process per command. (A `DatabasePool` would
    /// write a dummy table into the file on every open to create the WAL, so a read-only command would change
    /// the file.)
    let pool: DatabaseQueue
    /// From how many patients on a queue run builds its deferrable indexes after the inserts.
    let largeQueuePatients: Int

    /// Raises the page cache to 64 MiB for a bulk write (an import, a queue run): such a run writes millions of
    /// entries in one transaction, and with a small cache the pages spill to the WAL and are read back. Listings
    /// keep the 16 MiB default, so `preview` of two million messages stays under 100 MB.
    static let bulkWriteCacheSQL = "PRAGMA cache_size = -65536"

    /// Opens (creating it if needed) and migrates the database at `path`, waiting up to 5 s for locks.
    ///
    /// - Parameter path: The database file; its folder must exist.
    /// - Throws: ``StoreError``: `.cannotOpen`, `.locked`, `.corrupt`, `.readOnly`, `.schemaTooNew`, …
    public convenience init(path: String) throws(StoreError) {
        try self.init(path: path, busyTimeout: 5)
    }

    /// Opens (creating it if needed) and migrates the database at `path`.
    ///
    /// - Parameters:
    ///   - path: The database file; its folder must exist.
    ///   - busyTimeout: How long a statement waits for another connection's lock before failing with
    ///     ``StoreError/Code/locked``, in seconds.
    /// - Throws: ``StoreError``: `.cannotOpen`, `.locked`, `.corrupt`, `.readOnly`, `.schemaTooNew`, …
    ///   - largeQueuePatients: From how many patients on a queue run defers its send-order indexes (see
    ///     ``BulkIndexes``); tests lower it.
    public init(path: String, busyTimeout: TimeInterval, largeQueuePatients: Int = 20_000) throws(StoreError)
    {
        self.path = path
        self.largeQueuePatients = largeQueuePatients
        let created = try Self.createPrivateFile(at: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "careline.store"
        // WAL without GRDB's `.wal` journal configuration, which also writes a dummy table when the WAL file is
        // absent: switching an existing WAL database to WAL again writes nothing.
        configuration.prepareDatabase { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode == "wal" else {
                throw DatabaseError(message: "could not switch the database to WAL mode")
            }
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // 16 MiB for reading (a listing streams, so its memory stays flat); the bulk writes raise it (see
            // ``bulkWriteCacheSQL``).
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        do {
            pool = try DatabaseQueue(path: path, configuration: configuration)
            try Migrations.migrate(pool, path: path)
        } catch {
            throw .wrapping(error, path: path)
        }
        if created {
            // SQLite gives -wal and -shm the database file's mode; make sure of it.
            for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                chmod(path + suffix, 0o600)
            }
        }
    }

    /// Opens the database at `path`, creating it only when `create` is true.
    ///
    /// - Parameters:
    ///   - path: The database file.
    ///   - create: Whether a missing file is created; when false a missing file is an error.
    /// - Returns: The migrated store.
    /// - Throws: ``StoreError`` `.cannotOpen` when the file is missing and `create` is false; else as
    ///   ``init(path:)``.
    public static func open(path: String, create: Bool) throws(StoreError) -> SQLiteStore {
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw StoreError(
                code: .cannotOpen, path: path,
                message: "there is no database file here. Check the [store] path in the configuration.")
        }
        return try SQLiteStore(path: path)
    }

    /// Runs SQLite's integrity and foreign-key checks.
    ///
    /// - Returns: The problems found, one per line; empty when the file is sound.
    /// - Throws: ``StoreError`` when the checks cannot run.
    public func integrityCheck() throws(StoreError) -> [String] {
        try read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            let rows = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            for row in rows {
                let table: String = row[0] ?? "?"
                let rowid: Int64? = row[1]
                let parent: String = row[2] ?? "?"
                problems.append(
                    "\(table) row \(rowid.map(String.init) ?? "?") refers to a missing \(parent) row")
            }
            return problems
        }
    }

    /// Whether the patient, or the phone number, is on the opt-out list.
    ///
    /// - Throws: ``StoreError``.
    public func isOptedOut(patientID: String, phone: PhoneNumber?) throws(StoreError) -> Bool {
        try pointRead { db in try Self.isOptedOut(patientID: patientID, phone: phone, in: db) }
    }

    // MARK: - Access helpers

    /// Reads in a snapshot; every error becomes a ``StoreError``.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw .wrapping(error, path: path)
        }
    }

    /// Runs one statement's read on the connection as it is: no transaction and no read-only toggling.
    ///
    /// GRDB's `read` switches `PRAGMA query_only` on and off around every call, which expires every prepared
    /// statement; the dispatcher reads a few single rows per message, so for those one-statement reads (atomic on
    /// their own) this is several times faster. Multi-statement reads that need one snapshot use ``read(_:)``.
    func pointRead<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.inDatabase(body)
        } catch {
            throw .wrapping(error, path: path)
        }
    }

    /// Writes in one transaction; every error becomes a ``StoreError``.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw .wrapping(error, path: path)
        }
    }

    /// Runs work that calls a caller's closure: GRDB errors become ``StoreError``s, the caller's own errors
    /// pass through unchanged.
    func passingCallerErrors<T>(_ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as DatabaseError {
            throw StoreError(error, path: path)
        }
    }

    /// Checkpoints the WAL into the database file and truncates it (for tests comparing file bytes).
    func checkpoint() throws(StoreError) {
        do {
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw .wrapping(error, path: path)
        }
    }

    /// Creates an empty file with mode 0600 when none exists (SQLite treats an empty file as a new database).
    ///
    /// - Returns: Whether the file was created.
    private static func createPrivateFile(at path: String) throws(StoreError) -> Bool {
        if FileManager.default.fileExists(atPath: path) { return false }
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw StoreError(
                code: .cannotOpen, path: path,
                message: "cannot create the database file (\(reason)). Check that its folder exists and that "
                    + "this user may write to it.")
        }
        fchmod(descriptor, 0o600)
        close(descriptor)
        return true
    }

    // MARK: - Shared statements

    /// Appends a line to the audit trail, `extra` (counts) added to its detail.
    static func appendAudit(_ entry: AuditEntry, adding extra: String?, in db: Database) throws {
        var detail = entry.detail
        if let extra {
            detail = detail.isEmpty ? extra : detail + "; " + extra
        }
        let statement = try RawStatement(
            db.cachedStatement(
                sql: "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)"),
            in: db)
        statement.bind(1, StoredText.millis(entry.at))
        statement.bind(2, entry.actor)
        statement.bind(3, entry.action)
        statement.bind(4, entry.subject)
        statement.bind(5, detail)
        try statement.run()
    }

    /// Whether the patient or the phone is on the opt-out list.
    static func isOptedOut(patientID: String, phone: PhoneNumber?, in db: Database) throws -> Bool {
        let statement = try RawStatement(
            db.cachedStatement(
                sql: "SELECT EXISTS (SELECT 1 FROM opt_outs WHERE patient_id = ? OR phone = ?)"),
            in: db)
        defer { statement.reset() }
        statement.bind(1, patientID)
        statement.bind(2, phone?.e164)
        return try statement.step() && statement.int(0) != 0
    }
}
