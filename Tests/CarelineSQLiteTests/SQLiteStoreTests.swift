import CarelineCore
import CarelineTesting
import Foundation
import GRDB
import Testing

@testable import CarelineSQLite

/// What only the SQLite file can show: permissions, WAL, migrations, locks, damage, the append-only audit.
@Suite("SQLite store")
struct SQLiteStoreTests {
    let folder: TemporaryDirectory
    let path: String

    init() throws {
        folder = try TemporaryDirectory()
        path = folder.path("careline.sqlite")
    }

    /// The permission bits of a file.
    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }

    /// The code of the ``StoreError`` `body` throws, or nil.
    func storeErrorCode(_ body: () throws -> Void) -> StoreError.Code? {
        do {
            try body()
            return nil
        } catch let error as StoreError {
            return error.code
        } catch {
            return nil
        }
    }

    // MARK: - The file

    @Test func newFileAndItsWALFilesAreOwnerOnly() throws {
        let store = try SQLiteStore(path: path)
        try store.importPatients([Sample.full])
        #expect(try mode(path) == 0o600)
        #expect(try mode(path + "-wal") == 0o600)
        #expect(try mode(path + "-shm") == 0o600)
    }

    @Test func connectionsUseWALForeignKeysAndTheBusyTimeout() throws {
        let store = try SQLiteStore(path: path)
        #expect(try store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try store.pool.write { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") } == 1)
        #expect(try store.pool.write { try Int.fetchOne($0, sql: "PRAGMA busy_timeout") } == 5000)
        #expect(try store.integrityCheck() == [])
    }

    @Test func openWithoutCreateRefusesAMissingFile() throws {
        var error: StoreError?
        do {
            _ = try SQLiteStore.open(path: path, create: false)
        } catch let thrown {
            error = thrown
        }
        #expect(error?.code == .cannotOpen)
        #expect(error?.description.hasPrefix(path + ": there is no database file here.") == true)
        #expect(FileManager.default.fileExists(atPath: path) == false)
        _ = try SQLiteStore.open(path: path, create: true)
        let reopened = try SQLiteStore.open(path: path, create: false)
        #expect(try reopened.patientCount() == 0)
    }

    @Test func missingFolderCannotOpen() {
        #expect(
            storeErrorCode { _ = try SQLiteStore(path: folder.path("missing/careline.sqlite")) }
                == .cannotOpen)
    }

    @Test func fileThatIsNotADatabaseIsCorrupt() throws {
        try folder.write("careline.sqlite", String(repeating: "this is not a database. ", count: 400))
        var error: StoreError?
        do {
            _ = try SQLiteStore(path: path)
        } catch let thrown {
            error = thrown
        }
        #expect(error?.code == .corrupt)
        #expect(error?.path == path)
        #expect(error?.message.contains("restore the file from a backup") == true)
    }

    // MARK: - Migrations

    @Test func migrationsAreNamedOrderedAndRecorded() throws {
        #expect(
            SQLiteStore.migrationNames == [
                "v1-patients", "v2-outbox", "v3-opt-outs", "v4-audit", "v5-dispatch", "v6-approval",
                "v7-retention",
            ])
        let store = try SQLiteStore(path: path)
        let applied = try store.pool.read { try Migrations.migrator.appliedMigrations($0) }
        #expect(applied == SQLiteStore.migrationNames)
    }

    @Test func fileFromTheOldestSchemaIsUpgraded() throws {
        let old = Patient(id: "p1", name: "Old", phone: Sample.phoneA)
        do {
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(queue, upTo: "v1-patients")
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO patients (id, name, phone, digest) VALUES (?, ?, ?, ?)",
                    arguments: [old.id, old.name, old.phone?.e164, old.contentDigest])
                #expect(try db.tableExists("messages") == false)
            }
            try queue.close()
        }
        let store = try SQLiteStore(path: path)
        #expect(try store.patient(id: "p1") == old)
        #expect(try store.importPatients([old]) == ImportSummary(inserted: 0, updated: 0, unchanged: 1))
        let (record, _) = try store.queue([Sample.message("msg_1")])
        #expect(record?.queued == 1)
        #expect(
            try store.pool.read { try Migrations.migrator.appliedMigrations($0) }
                == SQLiteStore.migrationNames)
    }

    @Test func unknownMigrationMeansSchemaTooNew() throws {
        _ = try SQLiteStore(path: path)
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write {
                try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-future')")
            }
            try queue.close()
        }
        var error: StoreError?
        do {
            _ = try SQLiteStore(path: path)
        } catch let thrown {
            error = thrown
        }
        #expect(error?.code == .schemaTooNew)
        #expect(error?.message.contains("unknown migrations: v9-future") == true)
    }

    // MARK: - Integrity

    @Test func auditTrailRejectsUpdateAndDelete() throws {
        let store = try SQLiteStore(path: path)
        _ = try store.cancel(MessageFilter(), audit: Sample.audit("cancel", detail: "first"))
        let other = try DatabaseQueue(path: path)
        for sql in ["UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"] {
            var message: String?
            do {
                try other.write { try $0.execute(sql: sql) }
            } catch let error as DatabaseError {
                message = error.message
            }
            #expect(message == "the audit trail is append-only", "\(sql)")
        }
        try other.write {
            try $0.execute(sql: "INSERT INTO audit (at, actor, action, detail) VALUES (0, 'x', 'y', '')")
        }
        #expect(try store.auditEntries(since: nil).map(\.actor) == ["x", "tester"])
    }

    @Test func failedAndDiscardedWritesLeaveTheFileByteIdentical() throws {
        let store = try SQLiteStore(path: path)
        try store.importPatients([Sample.full, Sample.patient("p2")])
        try store.queue([Sample.message("msg_1")])
        try store.checkpoint()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        _ = try? store.queueBatch(campaigns: ["x"], createdAt: Sample.t0, createdBy: "ana") { writer in
            _ = try writer.insert(Sample.message("msg_2", day: 9))
            throw CallerError(reason: "boom")
        }
        _ = try store.queueBatch(campaigns: ["x"], createdAt: Sample.t0, createdBy: "ana") { writer in
            _ = try writer.insert(Sample.message("msg_3", day: 10))
            return (false, Sample.audit("queue"))
        }
        _ = try? store.upsertPatients(audit: Sample.audit("import")) { emit in
            try emit(Sample.patient("p3"))
            throw CallerError(reason: "bad row")
        }
        try store.checkpoint()
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(before.count > 0)
        #expect(before == after)
    }

    @Test func integrityCheckReportsDanglingReferences() throws {
        let store = try SQLiteStore(path: path)
        try store.queue([Sample.message("msg_1")])
        let other = try DatabaseQueue(path: path)
        try other.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "UPDATE messages SET batch_id = 42")
        }
        #expect(try store.integrityCheck() == ["messages row 1 refers to a missing batches row"])
    }

    @Test func unreadableValueNamesTheRowAndColumnButNotTheValue() throws {
        let store = try SQLiteStore(path: path)
        let other = try DatabaseQueue(path: path)
        try other.write { db in
            try db.execute(
                sql: "INSERT INTO patients (id, name, phone, digest) VALUES ('p7', 'X', '+1234', 'd')")
        }
        var error: StoreError?
        do {
            _ = try store.patient(id: "p7")
        } catch let thrown {
            error = thrown
        }
        #expect(error?.code == .corrupt)
        #expect(
            error?.message.hasPrefix("patients row p7: column phone holds a value careline cannot read.")
                == true)
        #expect(error?.message.contains("+1234") == false)
    }

    @Test func queuedMessageKeepsAContentHash() throws {
        let store = try SQLiteStore(path: path)
        try store.queue([Sample.message("msg_1")])
        let hash = try store.pool.read { try String.fetchOne($0, sql: "SELECT content_hash FROM messages") }
        #expect(hash == "985dd2fba0cbed97")
    }

    // MARK: - Locks

    @Test func writeFailsWithLockedWhileAnotherConnectionHoldsTheLock() throws {
        let store = try SQLiteStore(path: path, busyTimeout: 0.2)
        try store.importPatients([Sample.patient("p1")])
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // the lock outlives one access block on purpose
        let other = try DatabaseQueue(path: path, configuration: configuration)
        try other.writeWithoutTransaction { try $0.execute(sql: "BEGIN EXCLUSIVE") }

        let start = Date.now
        var error: StoreError?
        do {
            _ = try store.cancel(MessageFilter(), audit: Sample.audit("cancel"))
        } catch let thrown {
            error = thrown
        }
        let waited = Date.now.timeIntervalSince(start)
        #expect(error?.code == .locked)
        #expect(
            error?.message.contains("another careline, or a sqlite3 shell, is using it. Try again") == true)
        #expect(waited >= 0.15 && waited < 3, "waited \(waited) s")
        // WAL: readers are not blocked by a writer.
        #expect(try store.patientCount() == 1)

        try other.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
        #expect(try store.cancel(MessageFilter(), audit: Sample.audit("cancel")) == 0)
    }

    // MARK: - Error mapping

    @Test(arguments: [
        (ResultCode.SQLITE_BUSY, StoreError.Code.locked), (.SQLITE_LOCKED, .locked),
        (.SQLITE_BUSY_SNAPSHOT, .locked),
        (.SQLITE_FULL, .full), (.SQLITE_CORRUPT, .corrupt), (.SQLITE_NOTADB, .corrupt),
        (.SQLITE_CANTOPEN, .cannotOpen), (.SQLITE_READONLY, .readOnly), (.SQLITE_READONLY_DBMOVED, .readOnly),
        (.SQLITE_CONSTRAINT, .other), (.SQLITE_IOERR, .other),
    ])
    func sqliteResultCodesMapToStoreCodes(result: ResultCode, expected: StoreError.Code) {
        let error = StoreError(
            DatabaseError(
                resultCode: result, message: "sqlite says", sql: "UPDATE patients SET phone = ?",
                arguments: ["+8613800138000"]),
            path: "/var/lib/careline/careline.sqlite")
        #expect(error.code == expected)
        #expect(error.path == "/var/lib/careline/careline.sqlite")
        #expect(error.message.contains("(sqlite says)"))
        #expect(error.message.contains("8613800138000") == false)
        #expect(error.description == "/var/lib/careline/careline.sqlite: " + error.message)
    }
}
