import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one-dispatcher-per-database lock: an exclusive `flock` on `<database>.dispatch.lock`.
///
/// The kernel releases it when the process ends however it ends (SIGKILL included), so a crashed dispatcher
/// never leaves a stale lock behind, and a second dispatcher learns at once that the first still runs.
public final class DispatchLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock without waiting.
    ///
    /// - Parameter database: The database file; the lock file sits beside it (mode 0600).
    /// - Throws: ``StoreError`` `.locked` when another dispatcher holds it, `.cannotOpen` when the lock file
    ///   cannot be created.
    public init(database: String) throws(StoreError) {
        path = database + ".dispatch.lock"
        let descriptor = path.withCString { open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw StoreError(
                code: .cannotOpen, path: path,
                message:
                    "cannot create the dispatch lock file (\(reason)). Check that the database's folder is "
                    + "writable by this user.")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK {
                throw StoreError(
                    code: .locked, path: database,
                    message: "another careline dispatch is running on this database; this one sends nothing. "
                        + "The next timer run will try again.")
            }
            throw StoreError(
                code: .cannotOpen, path: path,
                message: "cannot lock the dispatch lock file (\(String(cString: strerror(code)))).")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
