import CarelineCore
import CarelineTesting
import Foundation
import Testing

@testable import CarelineSQLite

/// `careline doctor`'s read-only look into the database, and the dispatch lock probe.
@Suite("SQLiteStore health")
struct StoreHealthTests {
    /// A database with a few messages in different states, closed (its WAL folded into the file).
    static func populated(in folder: TemporaryDirectory) throws -> String {
        let path = folder.path("careline.sqlite")
        let store = try SQLiteStore(path: path)
        try store.queue([
            Sample.message("m1", patient: "p1", day: 5, state: .queued),
            Sample.message("m2", patient: "p2", day: 3, state: .retry),
            Sample.message("m3", patient: "p3", day: 4, state: .sending),
            Sample.message("m4", patient: "p4", day: 4, state: .sending),
            Sample.message("m5", patient: "p5", day: 4, state: .unknown),
            Sample.message("m6", patient: "p6", day: 2, state: .sent),
        ])
        try store.checkpoint()
        return path
    }

    @Test func countsStatesAndFindsTheNextSendWithoutChangingTheFile() throws {
        let folder = try TemporaryDirectory()
        let path = try Self.populated(in: folder)
        let before = try #require(FileManager.default.contents(atPath: path))

        let health = try SQLiteStore.health(path: path)

        #expect(health.path == path)
        #expect(health.fileMode == 0o600)
        #expect(health.appliedMigrations == SQLiteStore.migrationNames)
        #expect(health.knownMigrations == SQLiteStore.migrationNames)
        #expect(health.integrityProblems == [])
        #expect(health.messagesByState == ["queued": 1, "retry": 1, "sending": 2, "unknown": 1, "sent": 1])
        #expect(health.count(.sending) == 2)
        // m2 (retry, day 3, 59 h after t0) is the earliest pending one.
        #expect(health.nextSendAt == Sample.at(hours: 59))
        #expect(FileManager.default.contents(atPath: path) == before)
    }

    @Test func doctorJudgesTheStuckAndUnknownMessages() throws {
        let folder = try TemporaryDirectory()
        let health = try SQLiteStore.health(path: try Self.populated(in: folder))
        let results = DoctorCheck(
            facts: DoctorFacts(
                curl: CurlFacts.sample, sqliteVersion: SQLiteStore.libraryVersion,
                database: .inspected(health),
                timer: .notQueried(unitFile: nil, enabledLink: false), lock: .free, diskFreeBytes: nil,
                diskFolder: folder.path(""), now: Sample.t0)
        ).run()
        #expect(results.first { $0.name == "messages.sending" }?.status == .warning)
        #expect(
            results.first { $0.name == "messages.sending" }?.message.hasPrefix("2 left in sending") == true)
        #expect(
            results.first { $0.name == "messages.unknown" }?.message.hasPrefix("1 message needs a person")
                == true)
        #expect(
            results.first { $0.name == "database.integrity" } == .ok("database.integrity", "quick_check ok"))
    }

    @Test func aFileThatIsNotADatabaseIsCorrupt() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("careline.sqlite").description
        try folder.write("careline.sqlite", String(repeating: "this is not sqlite\n", count: 300))
        #expect {
            try SQLiteStore.health(path: path)
        } throws: { error in
            (error as? StoreError)?.code == .corrupt
        }
    }

    @Test func aDamagedPageIsFoundByQuickCheckOrRefused() throws {
        let folder = try TemporaryDirectory()
        let path = try Self.populated(in: folder)
        // Overwrite the second half of the file (b-tree pages of the tables and indexes) with noise.
        var bytes = try #require(FileManager.default.contents(atPath: path))
        let start = bytes.count / 2
        for index in start..<bytes.count { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
        try bytes.write(to: URL(fileURLWithPath: path))
        // Either the quick check lists the damage, or SQLite refuses to read the file at all.
        let found: Bool
        switch Result(catching: { () throws(StoreError) -> StoreHealth in try SQLiteStore.health(path: path) }
        ) {
        case .success(let health): found = !health.integrityProblems.isEmpty
        case .failure(let error): found = error.code == .corrupt
        }
        #expect(found)
        #expect(FileManager.default.contents(atPath: path) == bytes)
    }

    @Test func aMissingFileCannotBeOpened() throws {
        let folder = try TemporaryDirectory()
        #expect {
            try SQLiteStore.health(path: folder.path("none.sqlite"))
        } throws: { error in
            (error as? StoreError)?.code == .cannotOpen
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("none.sqlite")))
    }

    @Test func lockStateFollowsTheDispatcher() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("careline.sqlite")
        #expect(DispatchLock.state(database: path) == .neverTaken)
        // Asking did not create the lock file.
        #expect(!FileManager.default.fileExists(atPath: path + ".dispatch.lock"))
        do {
            let lock = try DispatchLock(database: path)
            #expect(DispatchLock.state(database: path) == .held)
            withExtendedLifetime(lock) {}
        }
        #expect(DispatchLock.state(database: path) == .free)
        // The probe let go at once: a dispatcher can take the lock.
        _ = try DispatchLock(database: path)
    }

    @Test func libraryVersionIsSQLite3() {
        #expect(SQLiteStore.libraryVersion.hasPrefix("3."))
    }
}

/// A libcurl description for doctor facts built in SQLite tests.
enum CurlFacts {
    static let sample = DoctorFacts.Curl(
        version: "7.88.1", tls: "OpenSSL/3.0.11", protocols: ["https"], http2: false)
}
