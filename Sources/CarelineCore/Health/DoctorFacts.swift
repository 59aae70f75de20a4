import Foundation

/// What `careline doctor` found on the machine: the libraries, the database, the timer, the dispatch lock.
///
/// Gathered by the executable and the libraries that own each part (libcurl's version from CarelineCurl, the
/// database from CarelineSQLite), judged by ``DoctorCheck`` without I/O.
public struct DoctorFacts: Sendable, Equatable {
    /// libcurl as linked: `curl_version_info`.
    public struct Curl: Sendable, Equatable {
        /// `7.88.1`.
        public var version: String
        /// The TLS library (`OpenSSL/3.0.11`), or `nil` when libcurl was built without TLS.
        public var tls: String?
        /// The protocols it speaks (`http`, `https`, …).
        public var protocols: [String]
        /// Whether it speaks HTTP/2.
        public var http2: Bool

        /// Creates the facts.
        public init(version: String, tls: String?, protocols: [String], http2: Bool) {
            self.version = version
            self.tls = tls
            self.protocols = protocols
            self.http2 = http2
        }
    }

    /// The outbox database.
    public enum Database: Sendable, Equatable {
        /// There is no file at the store path.
        case missing(path: String)
        /// The file cannot be opened or read: the store's message (names the file, says what to do).
        case unusable(path: String, message: String)
        /// A read-only look found this.
        case inspected(StoreHealth)
    }

    /// `careline-dispatch.timer`.
    public enum Timer: Sendable, Equatable {
        /// systemd runs and answered `systemctl is-enabled` / `is-active` with these words (`enabled`,
        /// `disabled`, `masked`, `not-found`, …; `active`, `inactive`).
        case systemd(enabled: String, active: String)
        /// systemd does not run here (a container, a chroot) or `systemctl` is missing: whether the unit file and
        /// the `timers.target.wants` link were found under `/etc/systemd/system`.
        case notQueried(unitFile: String?, enabledLink: Bool)
    }

    /// `<database>.dispatch.lock`.
    public enum Lock: Sendable, Equatable {
        /// Nobody holds it: no dispatcher runs now.
        case free
        /// A dispatcher runs right now.
        case held
        /// There is no lock file: no dispatcher has run on this database yet.
        case neverTaken
        /// It could not be tried (the reason).
        case unknown(String)
    }

    /// libcurl.
    public var curl: Curl
    /// The SQLite library's version (`3.40.1`).
    public var sqliteVersion: String
    /// The database.
    public var database: Database
    /// The timer.
    public var timer: Timer
    /// The dispatch lock.
    public var lock: Lock
    /// Free bytes on the file system that holds the database, if known.
    public var diskFreeBytes: Int64?
    /// The folder whose file system that is.
    public var diskFolder: String
    /// Now, for "next planned send in …".
    public var now: Date

    /// Creates facts.
    public init(
        curl: Curl, sqliteVersion: String, database: Database, timer: Timer, lock: Lock,
        diskFreeBytes: Int64?,
        diskFolder: String, now: Date
    ) {
        self.curl = curl
        self.sqliteVersion = sqliteVersion
        self.database = database
        self.timer = timer
        self.lock = lock
        self.diskFreeBytes = diskFreeBytes
        self.diskFolder = diskFolder
        self.now = now
    }
}
