import CarelineCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SQLiteStore {
    /// The version of the SQLite library careline is linked with (`3.40.1`).
    public static var libraryVersion: String {
        let version: String? = try? DatabaseQueue().inDatabase { db in
            try String.fetchOne(db, sql: "SELECT sqlite_version()")
        }
        return version ?? "unknown"
    }

    /// Looks into the database at `path` without changing it, for `careline doctor`.
    ///
    /// Opens a read-only connection (no migration, no journal-mode switch, no checkpoint), so the database file
    /// stays byte-identical; SQLite may create empty `-wal` and `-shm` files beside it, with the file's mode.
    /// Runs `PRAGMA quick_check` and counts messages per state.
    ///
    /// - Parameter path: The database file; it must exist.
    /// - Returns: What was found.
    /// - Throws: ``StoreError``: `.cannotOpen` when the file is missing or unreadable, `.corrupt` when it is not
    ///   a SQLite database or too damaged to read, `.locked` when another process holds it longer than 5 s.
    public static func health(path: String) throws(StoreError) -> StoreHealth {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = attributes[.posixPermissions] as? NSNumber
        else {
            throw StoreError(
                code: .cannotOpen, path: path,
                message: "there is no database file here, or it cannot be looked at. Check the [store] path.")
        }
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        configuration.label = "careline.health"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                let tables = Set(
                    try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
                let applied =
                    tables.contains("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
                    : []
                let problems = try String.fetchAll(db, sql: "PRAGMA quick_check").filter { $0 != "ok" }
                var counts: [String: Int] = [:]
                var next: Date?
                if tables.contains("messages") {
                    for row in try Row.fetchAll(
                        db, sql: "SELECT state, COUNT(*) FROM messages GROUP BY state")
                    {
                        let state: String = row[0] ?? "?"
                        let count: Int = row[1] ?? 0
                        counts[state] = count
                    }
                    let millis = try Int64.fetchOne(
                        db, sql: "SELECT MIN(send_at) FROM messages WHERE state IN ('queued', 'retry')")
                    next = millis.map(StoredText.date(millis:))
                }
                return StoreHealth(
                    path: path, fileMode: permissions.intValue & 0o7777, appliedMigrations: applied,
                    knownMigrations: Migrations.names, integrityProblems: problems, messagesByState: counts,
                    nextSendAt: next)
            }
        } catch {
            throw .wrapping(error, path: path)
        }
    }
}

extension DispatchLock {
    /// Whether a dispatcher holds the lock of `database` right now, without creating the lock file.
    ///
    /// Takes the lock for an instant and lets go at once: a dispatcher starting in that instant exits 75 and
    /// the next timer run sends.
    ///
    /// - Parameter database: The database file.
    /// - Returns: `.held`, `.free`, `.neverTaken` (no lock file) or `.unknown` with the reason.
    public static func state(database: String) -> DoctorFacts.Lock {
        let path = database + ".dispatch.lock"
        let descriptor = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return .neverTaken }
            return .unknown("cannot open \(path) (\(String(cString: strerror(code))))")
        }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return .free
        }
        let code = errno
        if code == EWOULDBLOCK { return .held }
        return .unknown("cannot lock \(path) (\(String(cString: strerror(code))))")
    }
}
