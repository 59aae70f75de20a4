import CarelineTesting
import Foundation
import Testing

/// `careline config check` and `careline doctor` run as an IT person would: exit codes, lines, JSON, and never
/// a secret value in the output.
@Suite("config check and doctor end to end", .serialized)
struct ConfigDoctorEndToEndTests {
    /// The parsed `--json` report.
    struct Report {
        var ok: Bool
        var checks: [(name: String, status: String, message: String)]

        init(_ text: String) throws {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            ok = try #require(object["ok"] as? Bool)
            let checks = try #require(object["checks"] as? [[String: Any]])
            self.checks = checks.map {
                ($0["name"] as? String ?? "", $0["status"] as? String ?? "", $0["message"] as? String ?? "")
            }
        }

        func status(_ name: String) -> String? { checks.first { $0.name == name }?.status }
        func message(_ name: String) -> String? { checks.first { $0.name == name }?.message }
    }

    /// A workspace whose template has sample data, so that `templates check` (part of `config check`) passes.
    static func workspace(senders: String, campaignSenders: [String], queue: Bool = false) throws
        -> DispatchWorkspace
    {
        let workspace = try DispatchWorkspace(
            patients: DispatchPatient.numbered(2), senders: senders, campaignSenders: campaignSenders,
            queue: false)
        try workspace.folder.write(
            "Templates/note.en.mustache",
            "+++\nkind = \"reminder\"\n[sample.patient]\nname = \"Ada\"\n+++\nHello {{patient.name}}, see you soon.\n"
        )
        if queue { try workspace.importAndQueue() }
        return workspace
    }

    static func expectNoSecret(
        _ result: CarelineProcess.Result, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for secret in [DispatchWorkspace.webhookSecret, TwilioFake.authToken, "wrong-token-value"] {
            #expect(!result.stdout.contains(secret), "a secret in stdout", sourceLocation: sourceLocation)
            #expect(!result.stderr.contains(secret), "a secret in stderr", sourceLocation: sourceLocation)
        }
    }

    @Test func soundConfigurationWithAReachableWebhookPasses() throws {
        let server = try LoopbackServer { _ in .response(status: 405) }
        defer { server.stop() }
        let workspace = try Self.workspace(
            senders: DispatchWorkspace.webhookSender(url: server.url(path: "/hook"))
                + DispatchWorkspace.fileSender,
            campaignSenders: ["hook", "file"], queue: false)

        let text = try workspace.careline(["config", "check", "--probe"])
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(
            text.stdout.contains(
                "ok      senders.hook.secret: env:CARELINE_WEBHOOK_SECRET resolves (value not shown)\n"))
        #expect(
            text.stdout.contains(
                "ok      senders.hook.probe: http://127.0.0.1:\(server.port) is reachable: HTTP 405 in "))
        #expect(text.stdout.contains("ok      schedules.note: template note, senders hook → file\n"))
        #expect(text.stdout.hasSuffix(" 0 errors\n"))
        Self.expectNoSecret(text)
        // HEAD requests only: nothing was posted.
        #expect(server.requests.map(\.method) == ["HEAD"])

        let json = try workspace.careline(["config", "check", "--probe", "--json"])
        #expect(json.status == 0)
        let report = try Report(json.stdout)
        #expect(report.ok)
        #expect(report.status("senders.hook.probe") == "ok")
        #expect(report.status("store") == "ok")
        #expect(report.checks.first?.name == "configuration")
        Self.expectNoSecret(json)
        #expect(!FileManager.default.fileExists(atPath: workspace.folder.path("careline.sqlite")))
    }

    @Test func anUnsetSecretExits78AndAFailedProbe69() throws {
        let port = try LoopbackServer.unusedPort()
        let workspace = try Self.workspace(
            senders: DispatchWorkspace.webhookSender(url: "http://127.0.0.1:\(port)/hook"),
            campaignSenders: ["hook"], queue: false)

        let probed = try workspace.careline(["config", "check", "--probe"])
        #expect(probed.status == 69, "\(probed.stdout)")
        #expect(
            probed.stdout.contains("error   senders.hook.probe: cannot connect to http://127.0.0.1:\(port) (")
        )

        workspace.environment["CARELINE_WEBHOOK_SECRET"] = nil
        let unset = try workspace.careline(["config", "check", "--probe", "--json"])
        #expect(unset.status == 78)
        let report = try Report(unset.stdout)
        #expect(!report.ok)
        #expect(report.status("senders.hook.secret") == "error")
        #expect(
            report.message("senders.hook.secret")
                == "careline.toml:13:10: senders.hook.secret: environment variable "
                + "CARELINE_WEBHOOK_SECRET is not set; export it or use file:PATH")

        workspace.environment["CARELINE_WEBHOOK_SECRET"] = "not-whsec"
        let malformed = try workspace.careline(["config", "check"])
        #expect(malformed.status == 78)
        #expect(!malformed.stdout.contains("not-whsec"))
    }

    @Test func twilioCredentialsAreProbedWithoutShowingThem() throws {
        guard TwilioFake.isAvailable else { return }
        let fake = try TwilioFake()
        let workspace = try Self.workspace(
            senders: DispatchWorkspace.twilioSender(baseURL: fake.baseURL),
            campaignSenders: ["sms"], queue: false)
        let accepted = try workspace.careline(["config", "check", "--probe", "--json"])
        #expect(accepted.status == 0, "\(accepted.stdout)")
        #expect(try Report(accepted.stdout).status("senders.sms.probe") == "ok")
        Self.expectNoSecret(accepted)

        workspace.environment["TWILIO_AUTH_TOKEN"] = "wrong-token-value"
        let rejected = try workspace.careline(["config", "check", "--probe", "--json"])
        #expect(rejected.status == 69)
        let report = try Report(rejected.stdout)
        #expect(report.status("senders.sms.probe") == "error")
        #expect(
            report.message("senders.sms.probe")?.contains("rejects the credentials (HTTP 401 in ") == true)
        Self.expectNoSecret(rejected)
        #expect(try fake.logged().isEmpty)
    }

    @Test func anInvalidKeyIsOneErrorLineAndExit78() throws {
        let workspace = try Self.workspace(
            senders: DispatchWorkspace.fileSender,
            campaignSenders: ["file"],
            queue: false)
        try workspace.folder.write(
            "careline.toml", "[policy]\nquiet_hour = \"21:00-08:00\"\n")
        let result = try workspace.careline(["config", "check", "--json"])
        #expect(result.status == 78)
        let report = try Report(result.stdout)
        #expect(report.checks.count == 1)
        #expect(report.status("configuration") == "error")
        #expect(
            report.message("configuration")?.hasPrefix(
                "careline.toml:2:1: policy.quiet_hour: unknown key — did you mean policy.quiet_hours?"
            ) == true)

        let doctor = try workspace.careline(["doctor"])
        #expect(doctor.status == 78)
        #expect(doctor.stderr.contains("policy.quiet_hour: unknown key"))

        let missing = try workspace.careline(["config", "check", "--config", "nowhere.toml"])
        #expect(missing.status == 66)
    }

    @Test func doctorLooksAtTheDatabaseWithoutChangingIt() throws {
        let workspace = try Self.workspace(
            senders: DispatchWorkspace.fileSender, campaignSenders: ["file"], queue: true)
        let path = workspace.folder.path("careline.sqlite")
        let before = try #require(FileManager.default.contents(atPath: path))

        let text = try workspace.careline(["doctor"])
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("ok      database.integrity: quick_check ok\n"))
        #expect(text.stdout.contains("ok      database.mode: 0600\n"))
        #expect(
            text.stdout.contains("ok      messages.next: 2 pending; next planned send 2026-12-01T09:00:00Z"))
        #expect(text.stdout.contains("ok      dispatch.lock: no dispatcher has run on this database yet\n"))
        let json = try workspace.careline(["doctor", "--json"])
        #expect(json.status == 0)
        let report = try Report(json.stdout)
        #expect(report.ok)
        #expect(
            report.checks.map(\.name) == [
                "libcurl", "sqlite", "database", "database.mode", "database.schema", "database.integrity",
                "messages.sending", "messages.unknown", "messages.next", "disk", "timer", "dispatch.lock",
            ])
        #expect(FileManager.default.contents(atPath: path) == before)
    }

    @Test func doctorOnACorruptDatabaseExits69() throws {
        let workspace = try Self.workspace(
            senders: DispatchWorkspace.fileSender,
            campaignSenders: ["file"],
            queue: false)
        let garbage = try workspace.folder.write(
            "careline.sqlite", String(repeating: "not a database at all\n", count: 200))
        let before = try Data(contentsOf: garbage)
        let result = try workspace.careline(["doctor", "--json"])
        #expect(result.status == 69, "\(result.stdout)\(result.stderr)")
        let report = try Report(result.stdout)
        #expect(!report.ok)
        #expect(report.status("database") == "error")
        #expect(
            report.message("database")?.contains("the file is damaged or is not a careline database") == true)
        #expect(try Data(contentsOf: garbage) == before)

        try FileManager.default.removeItem(at: garbage)
        let none = try workspace.careline(["doctor"])
        #expect(none.status == 0)
        #expect(none.stdout.contains("warning database: no database at "))
    }
}
