import Foundation
import Testing

@testable import CarelineCore

/// `careline config check`'s judging, with facts made up in the test (no file system).
@Suite("ConfigCheck")
struct ConfigCheckTests {
    static let file = "/etc/careline/careline.toml"

    /// A configuration parsed from `text` as if it were `/etc/careline/careline.toml`.
    static func configuration(_ text: String) throws -> Configuration {
        try Configuration.parse(text, file: file)
    }

    /// Facts where everything is fine: 3 templates, no campaign files, a writable store folder.
    static func facts(
        templates: ConfigCheckFacts.Templates = .checked(
            ConfigCheckFacts.TemplateSummary(
                directory: "/etc/careline/Templates", names: ["note", "recheck"], templates: 3, partials: 1,
                errors: [], warnings: 0)),
        schedules: ConfigCheckFacts.Schedules = .files(directory: "/etc/careline/Schedules", []),
        secrets: [String: ConfigCheckFacts.SecretFact] = [:],
        store: ConfigCheckFacts.PathFact = ConfigCheckFacts.PathFact(
            path: "/var/lib/careline/careline.sqlite", folderExists: true, folderWritable: true,
            fileExists: true,
            fileWritable: true),
        fileSenders: [String: ConfigCheckFacts.PathFact] = [:]
    ) -> ConfigCheckFacts {
        ConfigCheckFacts(
            templates: templates, schedules: schedules, secrets: secrets, store: store,
            fileSenders: fileSenders)
    }

    static let clinic = """
        [clinic]
        timezone = "Asia/Shanghai"
        [store]
        path = "/var/lib/careline/careline.sqlite"

        """

    static let webhook = """
        [senders.hook]
        kind = "webhook"
        url = "https://hooks.example.org/careline?token=abc"
        secret = "env:HOOK_SECRET"

        """

    static func result(_ results: [CheckResult], _ name: String) -> CheckResult? {
        results.first { $0.name == name }
    }

    @Test func aSoundConfigurationIsAllOk() throws {
        let configuration = try Self.configuration(Self.clinic + Self.webhook)
        let secret = ConfigCheckFacts.SecretFact(source: "env:HOOK_SECRET", problem: nil)
        let results = ConfigCheck(
            configuration: configuration, facts: Self.facts(secrets: ["senders.hook.secret": secret])
        ).run()
        #expect(
            results.map(\.line) == [
                "ok      configuration: /etc/careline/careline.toml: every key is valid",
                "ok      clinic.timezone: Asia/Shanghai",
                "ok      policy.quiet_hours: 21:00-08:00 in each patient's zone (13 h a day open)",
                "ok      policy.caps: at most 1 per patient per day and 3 per week",
                "ok      templates: 3 templates and 1 partials in /etc/careline/Templates pass careline templates "
                    + "check",
                "warning schedules: no campaign files (*.toml) in /etc/careline/Schedules",
                "ok      store: /var/lib/careline/careline.sqlite is writable",
                // The query (a token) is never shown: only scheme, host and port.
                "ok      senders.hook: webhook at https://hooks.example.org",
                "ok      senders.hook.secret: env:HOOK_SECRET resolves (value not shown)",
            ])
        #expect(CheckReport(checks: results).exitCode == 0)
    }

    @Test func anUnresolvableSecretIsAConfigurationError() throws {
        let configuration = try Self.configuration(Self.clinic + Self.webhook)
        let secret = try #require(configuration.senders["hook"]).settings
        guard case .webhook(let settings) = secret else {
            Issue.record("not a webhook")
            return
        }
        let problem = settings.secret.error(
            "environment variable HOOK_SECRET is not set; export it or use file:PATH")
        let results = ConfigCheck(
            configuration: configuration,
            facts: Self.facts(secrets: [
                "senders.hook.secret": ConfigCheckFacts.SecretFact(
                    source: "env:HOOK_SECRET", problem: problem)
            ])
        ).run()
        let line = try #require(Self.result(results, "senders.hook.secret"))
        #expect(line.status == .error)
        #expect(line.failure == .configuration)
        #expect(
            line.message
                == "/etc/careline/careline.toml:8:10: senders.hook.secret: environment variable HOOK_SECRET is not "
                + "set; export it or use file:PATH")
        #expect(CheckReport(checks: results).exitCode == 78)
    }

    @Test func aSecretFileOthersMayReadAndALiteralSecretAreWarnings() throws {
        let configuration = try Self.configuration(
            Self.clinic + """
                [senders.hook]
                kind = "webhook"
                url = "https://hooks.example.org/careline"
                secret = "file:hook.secret"
                [senders.sms]
                kind = "twilio"
                account_sid = "AC0123456789abcdef0123456789abcdef"
                auth_token = "not-a-reference"
                from = "+15005550006"

                """)
        let results = ConfigCheck(
            configuration: configuration,
            facts: Self.facts(secrets: [
                "senders.hook.secret": ConfigCheckFacts.SecretFact(
                    source: "file:/etc/careline/hook.secret", problem: nil, fileMode: 0o644),
                "senders.sms.auth_token": ConfigCheckFacts.SecretFact(
                    source: "literal (hidden)", problem: nil, isLiteral: true),
            ])
        ).run()
        #expect(
            Self.result(results, "senders.hook.secret")?.line
                == "warning senders.hook.secret: file:/etc/careline/hook.secret resolves, but the file has mode "
                + "0644: others may read it; chmod 600 it")
        let literal = try #require(Self.result(results, "senders.sms.auth_token"))
        #expect(literal.status == .warning)
        #expect(!literal.message.contains("not-a-reference"))
        #expect(CheckReport(checks: results).exitCode == 0)
    }

    @Test(arguments: [
        ("https://example.org/x", CheckStatus.ok, "webhook at https://example.org"),
        ("http://127.0.0.1:8080/x", .ok, "webhook at http://127.0.0.1:8080 (plain http, this machine only)"),
        ("http://localhost/x", .ok, "webhook at http://localhost (plain http, this machine only)"),
        ("http://[::1]:9/x", .ok, "webhook at http://[::1]:9 (plain http, this machine only)"),
        (
            "http://hooks.example.org/x?token=1", .warning,
            "webhook at http://hooks.example.org over plain http: messages and credentials cross the network "
                + "unencrypted; use https in senders.hook.url"
        ),
        (
            "http://127.0.0.1.example.org/", .warning,
            "webhook at http://127.0.0.1.example.org over plain http: messages and credentials cross the network "
                + "unencrypted; use https in senders.hook.url"
        ),
    ])
    func urlsAreHTTPSOrLoopback(url: String, status: CheckStatus, message: String) {
        let result = ConfigCheck.urlCheck("senders.hook", kind: "webhook", url: url, key: "url")
        #expect(result.status == status)
        #expect(result.message == message)
    }

    @Test func templateErrorsAreDataErrorsAndAMissingFolderAConfigurationError() throws {
        let configuration = try Self.configuration(Self.clinic)
        let broken = ConfigCheck(
            configuration: configuration,
            facts: Self.facts(
                templates: .checked(
                    ConfigCheckFacts.TemplateSummary(
                        directory: "T", names: ["a"], templates: 2, partials: 0,
                        errors: [
                            "T/a.en.mustache:1:3: unknown field {{x}}", "T/b.en.mustache:2:1: unclosed",
                        ],
                        warnings: 1)))
        ).templatesCheck()
        #expect(
            broken
                == .error(
                    "templates",
                    "2 errors in 2 templates and 0 partials in T: T/a.en.mustache:1:3: unknown field {{x}} (and 1 "
                        + "more); run careline templates check to see them all", .data))
        let missing = ConfigCheck(
            configuration: configuration,
            facts: Self.facts(templates: .unreadable("T: template folder not found; create it"))
        ).templatesCheck()
        #expect(missing.status == .error)
        #expect(missing.failure == .configuration)
        #expect(missing.message == "T: template folder not found; create it")
    }

    @Test func campaignsMustNameKnownTemplatesAndSendersAndOpenOutsideQuietHours() throws {
        let configuration = try Self.configuration(Self.clinic + Self.webhook)
        func campaign(_ name: String, template: String, senders: [String], hours: String) throws -> Campaign {
            try CampaignFile.parse(
                """
                template = "\(template)"
                kind = "reminder"
                senders = [\(senders.map { "\"\($0)\"" }.joined(separator: ", "))]
                [trigger]
                at = 2026-12-01
                [window]
                hours = ["\(hours)"]

                """, file: "/etc/careline/Schedules/\(name).toml")
        }
        let facts = Self.facts(
            schedules: .files(
                directory: "/etc/careline/Schedules",
                [
                    .loaded(try campaign("good", template: "note", senders: ["hook"], hours: "09:00-12:00")),
                    .loaded(try campaign("typo", template: "notes", senders: ["hook"], hours: "09:00-12:00")),
                    .loaded(
                        try campaign("nosender", template: "note", senders: ["hock"], hours: "09:00-12:00")),
                    .loaded(try campaign("night", template: "note", senders: ["hook"], hours: "22:00-06:00")),
                ]))
        let results = ConfigCheck(configuration: configuration, facts: facts).schedulesChecks()
        #expect(
            results == [
                .ok("schedules.good", "template note, senders hook"),
                .error(
                    "schedules.typo",
                    "/etc/careline/Schedules/typo.toml: template \"notes\" is not in /etc/careline/Templates — did "
                        + "you mean note?", .configuration),
                .error(
                    "schedules.nosender",
                    "/etc/careline/Schedules/nosender.toml: sender \"hock\" is not configured — did you mean hook? "
                        + "(configured: hook); add [senders.hock] or fix senders", .configuration),
                .error(
                    "schedules.night",
                    "/etc/careline/Schedules/night.toml: window.hours 22:00-06:00 lie entirely inside quiet hours "
                        + "21:00-08:00, so no message of it can ever be sent; move the window or change "
                        + "policy.quiet_hours", .configuration),
            ])
    }

    @Test func storeFolderProblemsSayWhatToDo() throws {
        let configuration = try Self.configuration(Self.clinic)
        func store(_ fact: ConfigCheckFacts.PathFact) -> CheckResult {
            ConfigCheck(configuration: configuration, facts: Self.facts(store: fact)).storeCheck()
        }
        let path = "/var/lib/careline/careline.sqlite"
        let missingFolder = store(
            .init(
                path: path, folderExists: false, folderWritable: false, fileExists: false, fileWritable: true)
        )
        #expect(missingFolder.failure == .configuration)
        #expect(
            missingFolder.message
                == "the folder /var/lib/careline of [store] path does not exist; create it (owned by the user "
                + "careline runs as) or fix [store] path")
        let readOnlyFolder = store(
            .init(path: path, folderExists: true, folderWritable: false, fileExists: true, fileWritable: true)
        )
        #expect(readOnlyFolder.failure == .unavailable)
        #expect(
            readOnlyFolder.message
                == "/var/lib/careline/careline.sqlite exists but this user cannot write its folder (SQLite needs "
                + "both, for its -wal and -shm files); run careline as the owner or fix the owner")
        let fresh = store(
            .init(path: path, folderExists: true, folderWritable: true, fileExists: false, fileWritable: true)
        )
        #expect(
            fresh
                == .ok(
                    "store",
                    "no database yet at /var/lib/careline/careline.sqlite; the first careline patients import or "
                        + "queue creates it"))
    }

    @Test func policySanity() throws {
        let long = try Self.configuration(
            Self.clinic + "[policy]\nquiet_hours = \"18:00-16:00\"\nmax_per_day = 4\nmax_per_week = 2\n")
        let results = ConfigCheck(configuration: long, facts: Self.facts()).clinicAndPolicyChecks()
        #expect(
            results == [
                .ok("clinic.timezone", "Asia/Shanghai"),
                .warning(
                    "policy.quiet_hours",
                    "18:00-16:00 leaves only 2 h a day to send; messages pile up and expire. Shorten quiet_hours "
                        + "(e.g. \"21:00-08:00\")"),
                .warning(
                    "policy.max_per_week",
                    "2 is below max_per_day (4), so the daily cap can never be reached; raise max_per_week or "
                        + "lower max_per_day"),
            ])
        let none = try Self.configuration("[policy]\nquiet_hours = \"none\"\n")
        let noneResults = ConfigCheck(configuration: none, facts: Self.facts()).clinicAndPolicyChecks()
        #expect(noneResults.map(\.name) == ["clinic.timezone", "policy.quiet_hours", "policy.caps"])
        #expect(noneResults.map(\.status) == [.warning, .warning, .ok])
    }

    @Test func withoutAFileTheDefaultsAreAWarning() {
        let results = ConfigCheck(configuration: Configuration(), facts: Self.facts()).run()
        #expect(results.first?.status == .warning)
        #expect(results.first?.name == "configuration")
        #expect(!results.contains { $0.name == "clinic.timezone" })
    }

    @Test func aLoadFailureIsOneLine() {
        let invalid = ConfigurationError(
            .unknownKey, file: "careline.toml", location: nil, key: "policy.quiet_hour",
            message: "unknown key")
        #expect(ConfigCheck.loadFailure(invalid).failure == .configuration)
        #expect(ConfigCheck.loadFailure(invalid).message == "careline.toml: policy.quiet_hour: unknown key")
        let missing = ConfigurationError(
            .notFound, file: "x.toml", location: nil, key: nil, message: "not found")
        #expect(CheckReport(checks: [ConfigCheck.loadFailure(missing)]).exitCode == 66)
    }
}

/// The report every check command prints.
@Suite("CheckReport")
struct CheckReportTests {
    @Test func exitCodeIsTheMostFundamentalFailure() {
        let probe = CheckResult.error("senders.hook.probe", "cannot connect", .unavailable)
        let template = CheckResult.error("templates", "1 error", .data)
        let secret = CheckResult.error("senders.hook.secret", "not set", .configuration)
        let warning = CheckResult.warning("timer", "not installed")
        #expect(CheckReport(checks: [warning]).exitCode == 0)
        #expect(CheckReport(checks: [warning, probe]).exitCode == 69)
        #expect(CheckReport(checks: [probe, template]).exitCode == 65)
        #expect(CheckReport(checks: [probe, template, secret]).exitCode == 78)
        #expect(CheckReport(checks: [warning]).ok)
        #expect(!CheckReport(checks: [warning, probe]).ok)
    }

    @Test func textAndJSON() {
        let report = CheckReport(checks: [
            .ok("store", "writable"), .warning("timer", "not \"installed\""),
            .error("database", "damaged", .unavailable),
        ])
        #expect(
            report.text == """
                ok      store: writable
                warning timer: not "installed"
                error   database: damaged
                1 ok, 1 warning, 1 error
                """)
        #expect(
            report.json
                == #"{"ok":false,"checks":[{"name":"store","status":"ok","message":"writable"},"#
                + #"{"name":"timer","status":"warning","message":"not \"installed\""},"#
                + #"{"name":"database","status":"error","message":"damaged"}]}"#)
    }

    @Test func onlyErrorsCarryAFailure() {
        #expect(CheckResult(name: "a", status: .ok, message: "m", failure: .data).failure == nil)
        #expect(CheckResult(name: "a", status: .error, message: "m").failure == .configuration)
    }
}
