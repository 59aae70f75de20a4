import Foundation

/// Judges what `careline doctor` found: one ``CheckResult`` per part, each with what to do when it is not
/// right. No I/O.
///
/// Errors (exit 69) are what stops careline from working: libcurl without TLS, a database that cannot be read,
/// is damaged, or was written by a newer careline. Everything a person should look at but that does not stop a
/// run (a missing timer, messages waiting for `reconcile`, a database others may read) is a warning.
public struct DoctorCheck: Sendable {
    /// Below this many free bytes next to the database, a warning.
    public static let lowDiskBytes: Int64 = 1 << 30
    /// The timer unit's name.
    public static let timerUnit = "careline-dispatch.timer"

    /// What was found.
    public var facts: DoctorFacts

    /// Creates a check.
    ///
    /// - Parameter facts: What was found on the machine.
    public init(facts: DoctorFacts) {
        self.facts = facts
    }

    /// Every check, in a fixed order: libcurl, SQLite, the database (file, mode, schema, integrity, messages),
    /// disk space, the timer, the dispatch lock.
    ///
    /// - Returns: The results.
    public func run() -> [CheckResult] {
        var results = [curlCheck(), .ok("sqlite", "SQLite \(facts.sqliteVersion)")]
        results += databaseChecks()
        results.append(diskCheck())
        results.append(timerCheck())
        results.append(lockCheck())
        return results
    }

    func curlCheck() -> CheckResult {
        let curl = facts.curl
        let protocols = curl.protocols.filter { $0 == "http" || $0 == "https" }.joined(separator: ", ")
        guard let tls = curl.tls, curl.protocols.contains("https") else {
            return .error(
                "libcurl",
                "libcurl \(curl.version) has no TLS (https), so no webhook or Twilio sender can work; install "
                    + "libcurl4-openssl-dev (Debian) and rebuild careline", .unavailable)
        }
        return .ok(
            "libcurl",
            "libcurl \(curl.version), TLS \(tls), \(protocols)\(curl.http2 ? ", HTTP/2" : "")")
    }

    func databaseChecks() -> [CheckResult] {
        switch facts.database {
        case .missing(let path):
            return [
                .warning(
                    "database",
                    "no database at \(path) yet: careline patients import or queue creates it; if one exists "
                        + "elsewhere, fix [store] path")
            ]
        case .unusable(_, let message):
            return [.error("database", message, .unavailable)]
        case .inspected(let health):
            var results: [CheckResult] = [.ok("database", health.path)]
            results.append(modeCheck(health))
            results.append(schemaCheck(health))
            results.append(integrityCheck(health))
            results += messageChecks(health)
            return results
        }
    }

    func modeCheck(_ health: StoreHealth) -> CheckResult {
        let mode = ConfigCheck.octal(health.fileMode)
        guard health.fileMode & 0o077 == 0 else {
            return .warning(
                "database.mode",
                "\(mode): it holds patient data and others may read it; chmod 600 \(health.path) (and its -wal "
                    + "and -shm files)")
        }
        return .ok("database.mode", mode)
    }

    func schemaCheck(_ health: StoreHealth) -> CheckResult {
        let unknown = health.appliedMigrations.filter { !health.knownMigrations.contains($0) }
        if !unknown.isEmpty {
            return .error(
                "database.schema",
                "written by a newer careline (unknown migrations: \(unknown.joined(separator: ", "))); use that "
                    + "version or a newer one", .unavailable)
        }
        let applied = health.knownMigrations.filter { health.appliedMigrations.contains($0) }.count
        let known = health.knownMigrations.count
        guard applied == known else {
            return .warning(
                "database.schema",
                "\(applied) of \(known) migrations applied; the next careline command that opens it for writing "
                    + "(e.g. careline status) brings it up to date")
        }
        return .ok(
            "database.schema", "\(applied) of \(known) migrations (\(health.knownMigrations.last ?? "none"))")
    }

    func integrityCheck(_ health: StoreHealth) -> CheckResult {
        guard let first = health.integrityProblems.first else {
            return .ok("database.integrity", "quick_check ok")
        }
        let count = health.integrityProblems.count
        return .error(
            "database.integrity",
            "quick_check found \(count) \(count == 1 ? "problem" : "problems"), first: \(first). Stop the timer, "
                + "restore the file from a backup, and report it", .unavailable)
    }

    func messageChecks(_ health: StoreHealth) -> [CheckResult] {
        var results: [CheckResult] = []
        let sending = health.count(.sending)
        if sending == 0 {
            results.append(.ok("messages.sending", "none in flight"))
        } else if facts.lock == .held {
            results.append(.ok("messages.sending", "\(sending) in flight: a dispatcher is running now"))
        } else {
            results.append(
                .warning(
                    "messages.sending",
                    "\(sending) left in sending by a dispatcher that stopped mid-run; the next careline dispatch "
                        + "recovers them (resent through webhook and file senders, unknown through Twilio)"))
        }
        let unknown = health.count(.unknown)
        if unknown == 0 {
            results.append(.ok("messages.unknown", "none waiting for reconcile"))
        } else {
            results.append(
                .warning(
                    "messages.unknown",
                    "\(unknown) \(unknown == 1 ? "message needs" : "messages need") a person: careline status lists "
                        + "them; check the provider, then careline reconcile --id ID --mark-sent | --mark-failed | "
                        + "--resend"))
        }
        if let next = health.nextSendAt {
            let pending = health.count(.queued) + health.count(.retry)
            let when =
                next <= facts.now
                ? "due now (since \(Self.format(next)))"
                : "\(Self.format(next)) (in \(Self.span(next.timeIntervalSince(facts.now))))"
            results.append(.ok("messages.next", "\(pending) pending; next planned send \(when)"))
        } else {
            results.append(.ok("messages.next", "nothing pending"))
        }
        return results
    }

    func diskCheck() -> CheckResult {
        guard let free = facts.diskFreeBytes else {
            return .warning("disk", "free space in \(facts.diskFolder) could not be read")
        }
        let text = "\(Self.bytes(free)) free in \(facts.diskFolder)"
        guard free >= Self.lowDiskBytes else {
            return .warning(
                "disk",
                "only \(text): a full disk makes every write fail (exit 75); free some space")
        }
        return .ok("disk", text)
    }

    func timerCheck() -> CheckResult {
        let unit = Self.timerUnit
        let enable = "sudo systemctl enable --now \(unit)"
        switch facts.timer {
        case .systemd(let enabled, let active):
            switch enabled {
            case "enabled", "enabled-runtime", "static", "alias", "indirect", "generated":
                guard active == "active" else {
                    return .warning(
                        "timer", "\(unit) is \(enabled) but \(active); start it: sudo systemctl start \(unit)"
                    )
                }
                return .ok(
                    "timer", "\(unit) is \(enabled) and active (systemctl list-timers shows the next run)")
            case "masked", "masked-runtime":
                return .warning(
                    "timer", "\(unit) is masked: nothing sends; sudo systemctl unmask \(unit), then \(enable)"
                )
            case "disabled", "linked", "linked-runtime":
                return .warning(
                    "timer", "\(unit) is installed but \(enabled): nothing sends on its own; \(enable)")
            default:
                return .warning(
                    "timer",
                    "\(unit) is not installed: nothing sends on its own; install it as deploy/systemd/README.md "
                        + "says, or run careline dispatch some other way")
            }
        case .notQueried(let unitFile, let enabledLink):
            let prefix =
                "systemd is not running here (or systemctl is missing), so the timer could not be checked"
            guard let unitFile else {
                return .warning(
                    "timer",
                    "\(prefix); no \(unit) in /etc/systemd/system: run careline dispatch some other way, or install "
                        + "the units on the machine that sends (deploy/systemd/README.md)")
            }
            return .warning(
                "timer",
                "\(prefix); \(unitFile) is there\(enabledLink ? " and enabled (timers.target.wants)" : ", not enabled")"
                    + "; check with systemctl list-timers on the host")
        }
    }

    func lockCheck() -> CheckResult {
        switch facts.lock {
        case .free: .ok("dispatch.lock", "no dispatcher is running now")
        case .held:
            .ok(
                "dispatch.lock",
                "a dispatcher is running now (it holds the lock); a second one would exit 75. If one seems hung, "
                    + "see systemctl status careline-dispatch.service")
        case .neverTaken: .ok("dispatch.lock", "no dispatcher has run on this database yet")
        case .unknown(let reason): .warning("dispatch.lock", "could not be checked: \(reason)")
        }
    }

    // MARK: - Formatting

    /// `2026-12-01T09:00:00Z`.
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
    static func span(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded(.down))
        if total < 60 { return "\(total) s" }
        let minutes = total / 60
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 1440 { return ConfigCheck.hours(minutes) }
        let days = minutes / 1440
        let hours = (minutes % 1440) / 60
        return hours == 0 ? "\(days) d" : "\(days) d \(hours) h"
    }

    /// `512 MiB`, `12.3 GiB`.
    static func bytes(_ count: Int64) -> String {
        let mebibytes = Double(count) / 1_048_576
        if mebibytes < 1024 { return "\(Int(mebibytes)) MiB" }
        return String(format: "%.1f GiB", mebibytes / 1024)
    }
}
