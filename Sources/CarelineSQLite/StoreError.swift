import GRDB

/// Why the store failed: what went wrong with which database file, and what to do about it.
///
/// Messages never contain patient data: they name the file and quote SQLite's own message (which names tables
/// and columns, never bound values).
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, so callers can choose an exit code or a retry.
    public enum Code: Sendable, Hashable {
        /// The file cannot be opened or created (missing folder, no permission, not a file).
        case cannotOpen
        /// Another connection holds the lock longer than the busy timeout.
        case locked
        /// The disk or the database is full.
        case full
        /// The file is damaged or is not a SQLite database.
        case corrupt
        /// A newer careline migrated the file: this build does not know all of its migrations.
        case schemaTooNew
        /// The file, its folder or the file system is read-only.
        case readOnly
        /// Any other SQLite failure (a constraint, a misuse); the message has SQLite's words.
        case other
    }

    /// The kind of failure.
    public var code: Code
    /// The database file.
    public var path: String
    /// What failed and what to do; never patient data.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - path: The database file.
    ///   - message: What failed and what to do; must not contain patient data.
    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// `<path>: <message>`.
    public var description: String { "\(path): \(message)" }
}

extension StoreError {
    /// Maps a GRDB error to a store error by its primary SQLite result code.
    ///
    /// - Parameters:
    ///   - error: The error GRDB threw; its SQL and arguments are not quoted (arguments are patient data).
    ///   - path: The database file.
    init(_ error: DatabaseError, path: String) {
        let sqlite = error.message ?? "no message"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self.init(
                code: .locked, path: path,
                message:
                    "the database is locked (\(sqlite)): another careline, or a sqlite3 shell, is using it. "
                    + "Try again when it has finished.")
        case .SQLITE_FULL:
            self.init(
                code: .full, path: path,
                message: "the disk or the database is full (\(sqlite)). Free some disk space and try again; "
                    + "nothing of the failed change was written.")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            self.init(
                code: .corrupt, path: path,
                message:
                    "the file is damaged or is not a careline database (\(sqlite)). Check the store path "
                    + "in the configuration, or restore the file from a backup.")
        case .SQLITE_CANTOPEN:
            self.init(
                code: .cannotOpen, path: path,
                message: "cannot open the database file (\(sqlite)). Check that its folder exists and that "
                    + "this user may read and write it.")
        case .SQLITE_READONLY, .SQLITE_PERM:
            self.init(
                code: .readOnly, path: path,
                message:
                    "the database is read-only (\(sqlite)). Check the permissions of the file, its folder "
                    + "and its -wal and -shm files, and that the file system is mounted writable.")
        default:
            self.init(
                code: .other, path: path,
                message: "SQLite error \(error.extendedResultCode.rawValue) (\(sqlite)). If it persists, run "
                    + "an integrity check and report it.")
        }
    }

    /// Converts any error thrown by a store operation: store errors as they are, GRDB errors mapped, anything
    /// else (a bug) as ``Code/other``.
    static func wrapping(_ error: any Error, path: String) -> StoreError {
        switch error {
        case let error as StoreError: return error
        case let error as DatabaseError: return StoreError(error, path: path)
        default:
            return StoreError(
                code: .other, path: path, message: "unexpected failure (\(type(of: error))). Report it.")
        }
    }

    /// A stored value this build cannot read back: the row was written by something else, or damaged.
    static func unreadable(path: String, table: String, key: String, column: String) -> StoreError {
        StoreError(
            code: .corrupt, path: path,
            message: "\(table) row \(key): column \(column) holds a value careline cannot read. Run an "
                + "integrity check; fix or delete the row, or restore the file from a backup.")
    }
}
