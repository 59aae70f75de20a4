import Foundation
import Testing

@testable import CarelineCore

/// `careline doctor`'s judging, with facts made up in the test.
@Suite("DoctorCheck")
struct DoctorCheckTests {
    /// 2025-12-01T08:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_764_576_000)
    static let curl = DoctorFacts.Curl(
        version: "7.88.1", tls: "OpenSSL/3.0.11", protocols: ["dict", "http", "https", "smtp"], http2: true)
    static let migrations = ["v1-patients", "v2-outbox"]

    static func health(
        mode: Int = 0o600, applied: [String] = migrations, problems: [String] = [],
        states: [String: Int] = ["queued": 3, "retry": 1, "sent": 9],
        next: Date? = now.addingTimeInterval(5400)
    ) -> StoreHealth {
        StoreHealth(
            path: "/var/lib/careline/careline.sqlite", fileMode: mode, appliedMigrations: applied,
            knownMigrations: migrations, integrityProblems: problems, messagesByState: states,
            nextSendAt: next)
    }

    static func facts(
        curl: DoctorFacts.Curl = curl, database: DoctorFacts.Database = .inspected(health()),
        timer: DoctorFacts.Timer = .systemd(enabled: "enabled", active: "active"),
        lock: DoctorFacts.Lock = .free, disk: Int64? = 20 << 30
    ) -> DoctorFacts {
        DoctorFacts(
            curl: curl, sqliteVersion: "3.40.1", database: database, timer: timer, lock: lock,
            diskFreeBytes: disk,
            diskFolder: "/var/lib/careline", now: now)
    }

    @Test func aHealthyMachine() {
        let report = CheckReport(checks: DoctorCheck(facts: Self.facts()).run())
        #expect(
            report.text == """
                ok      libcurl: libcurl 7.88.1, TLS OpenSSL/3.0.11, http, https, HTTP/2
                ok      sqlite: SQLite 3.40.1
                ok      database: /var/lib/careline/careline.sqlite
                ok      database.mode: 0600
                ok      database.schema: 2 of 2 migrations (v2-outbox)
                ok      database.integrity: quick_check ok
                ok      messages.sending: none in flight
                ok      messages.unknown: none waiting for reconcile
                ok      messages.next: 4 pending; next planned send 2025-12-01T09:30:00Z (in 1 h 30 min)
                ok      disk: 20.0 GiB free in /var/lib/careline
                ok      timer: careline-dispatch.timer is enabled and active (systemctl list-timers shows the next run)
                ok      dispatch.lock: no dispatcher is running now
                12 ok, 0 warnings, 0 errors
                """)
        #expect(report.exitCode == 0)
    }

    @Test func aDamagedOrUnusableDatabaseIsUnavailable() {
        let damaged = DoctorCheck(
            facts: Self.facts(
                database: .inspected(Self.health(problems: ["*** in database main ***", "page 4"])))
        ).run()
        #expect(
            damaged.first { $0.name == "database.integrity" }
                == .error(
                    "database.integrity",
                    "quick_check found 2 problems, first: *** in database main ***. Stop the timer, restore the "
                        + "file from a backup, and report it", .unavailable))
        #expect(CheckReport(checks: damaged).exitCode == 69)

        let unusable = DoctorCheck(
            facts: Self.facts(
                database: .unusable(path: "/x.sqlite", message: "/x.sqlite: the file is damaged"))
        ).run()
        #expect(
            unusable.first { $0.name == "database" }
                == .error("database", "/x.sqlite: the file is damaged", .unavailable))
        #expect(!unusable.contains { $0.name == "database.integrity" })
        #expect(CheckReport(checks: unusable).exitCode == 69)

        let newer = DoctorCheck(
            facts: Self.facts(database: .inspected(Self.health(applied: Self.migrations + ["v9-future"])))
        ).schemaCheck(Self.health(applied: Self.migrations + ["v9-future"]))
        #expect(newer.failure == .unavailable)
        #expect(
            newer.message
                == "written by a newer careline (unknown migrations: v9-future); use that version or a newer one"
        )
    }

    @Test func stuckAndUnknownMessagesSayWhatToRun() {
        let stuck = Self.health(states: ["sending": 2, "unknown": 1], next: nil)
        let results = DoctorCheck(facts: Self.facts(database: .inspected(stuck))).messageChecks(stuck)
        #expect(
            results == [
                .warning(
                    "messages.sending",
                    "2 left in sending by a dispatcher that stopped mid-run; the next careline dispatch recovers "
                        + "them (resent through webhook and file senders, unknown through Twilio)"),
                .warning(
                    "messages.unknown",
                    "1 message needs a person: careline status lists them; check the provider, then careline "
                        + "reconcile --id ID --mark-sent | --mark-failed | --resend"),
                .ok("messages.next", "nothing pending"),
            ])
        // While a dispatcher runs, messages in sending are simply in flight.
        let running = DoctorCheck(facts: Self.facts(database: .inspected(stuck), lock: .held)).messageChecks(
            stuck)
        #expect(running.first == .ok("messages.sending", "2 in flight: a dispatcher is running now"))
    }

    @Test func modeAndOldSchemaAreWarnings() {
        let check = DoctorCheck(facts: Self.facts())
        #expect(
            check.modeCheck(Self.health(mode: 0o644))
                == .warning(
                    "database.mode",
                    "0644: it holds patient data and others may read it; chmod 600 "
                        + "/var/lib/careline/careline.sqlite (and its -wal and -shm files)"))
        #expect(check.schemaCheck(Self.health(applied: ["v1-patients"])).status == .warning)
    }

    @Test(arguments: [
        (
            DoctorFacts.Timer.systemd(enabled: "disabled", active: "inactive"),
            "careline-dispatch.timer is installed but disabled: nothing sends on its own; sudo systemctl enable --now careline-dispatch.timer"
        ),
        (
            .systemd(enabled: "not-found", active: "inactive"),
            "careline-dispatch.timer is not installed: nothing sends on its own; install it as deploy/systemd/README.md says, or run careline dispatch some other way"
        ),
        (
            .systemd(enabled: "enabled", active: "inactive"),
            "careline-dispatch.timer is enabled but inactive; start it: sudo systemctl start careline-dispatch.timer"
        ),
        (
            .notQueried(unitFile: nil, enabledLink: false),
            "systemd is not running here (or systemctl is missing), so the timer could not be checked; no careline-dispatch.timer in /etc/systemd/system: run careline dispatch some other way, or install the units on the machine that sends (deploy/systemd/README.md)"
        ),
        (
            .notQueried(unitFile: "/etc/systemd/system/careline-dispatch.timer", enabledLink: true),
            "systemd is not running here (or systemctl is missing), so the timer could not be checked; /etc/systemd/system/careline-dispatch.timer is there and enabled (timers.target.wants); check with systemctl list-timers on the host"
        ),
    ])
    func timerProblemsAreWarnings(timer: DoctorFacts.Timer, message: String) {
        let result = DoctorCheck(facts: Self.facts(timer: timer)).timerCheck()
        #expect(result.status == .warning)
        #expect(result.message == message)
    }

    @Test func libcurlWithoutTLSIsAnError() {
        let plain = DoctorFacts.Curl(version: "8.0.0", tls: nil, protocols: ["http"], http2: false)
        let result = DoctorCheck(facts: Self.facts(curl: plain)).curlCheck()
        #expect(result.failure == .unavailable)
        #expect(
            result.message
                == "libcurl 8.0.0 has no TLS (https), so no webhook or Twilio sender can work; install "
                + "libcurl4-openssl-dev (Debian) and rebuild careline")
    }

    @Test func lowDiskAndLockStates() {
        #expect(
            DoctorCheck(facts: Self.facts(disk: 300 << 20)).diskCheck()
                == .warning(
                    "disk",
                    "only 300 MiB free in /var/lib/careline: a full disk makes every write fail (exit 75); free "
                        + "some space"))
        #expect(DoctorCheck(facts: Self.facts(lock: .neverTaken)).lockCheck().status == .ok)
        #expect(DoctorCheck(facts: Self.facts(lock: .held)).lockCheck().status == .ok)
        #expect(DoctorCheck(facts: Self.facts(lock: .unknown("EACCES"))).lockCheck().status == .warning)
        #expect(
            DoctorCheck(facts: Self.facts(database: .missing(path: "/x.sqlite"))).databaseChecks()
                == [
                    .warning(
                        "database",
                        "no database at /x.sqlite yet: careline patients import or queue creates it; if one "
                            + "exists elsewhere, fix [store] path")
                ])
    }
}
