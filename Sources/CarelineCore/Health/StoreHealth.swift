import Foundation

/// What a read-only look into the outbox database found, for `careline doctor`.
///
/// Filled by the SQLite store (`SQLiteStore.health(path:)`), judged by ``DoctorCheck``.
public struct StoreHealth: Sendable, Equatable {
    /// The database file.
    public var path: String
    /// The file's permission bits (`0o600`).
    public var fileMode: Int
    /// The migrations recorded in the file, in the order applied.
    public var appliedMigrations: [String]
    /// The migrations this build knows, oldest first.
    public var knownMigrations: [String]
    /// What `PRAGMA quick_check` reported besides `ok` (empty when the file is sound).
    public var integrityProblems: [String]
    /// Messages in each state, by state name (`queued`, `sending`, …); states without messages are absent.
    public var messagesByState: [String: Int]
    /// The earliest planned send of a pending (`queued` or `retry`) message.
    public var nextSendAt: Date?

    /// Creates a snapshot.
    public init(
        path: String, fileMode: Int, appliedMigrations: [String], knownMigrations: [String],
        integrityProblems: [String], messagesByState: [String: Int], nextSendAt: Date?
    ) {
        self.path = path
        self.fileMode = fileMode
        self.appliedMigrations = appliedMigrations
        self.knownMigrations = knownMigrations
        self.integrityProblems = integrityProblems
        self.messagesByState = messagesByState
        self.nextSendAt = nextSendAt
    }

    /// Messages in `state`.
    public func count(_ state: MessageState) -> Int { messagesByState[state.rawValue] ?? 0 }
}
