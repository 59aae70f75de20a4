import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

@Suite("careline.toml")
struct ConfigurationTests {
    @Test func readsEveryKeyAndResolvesPathsAgainstTheFilesFolder() throws {
        let text = """
            [clinic]
            name = "明德眼科"
            phone = "400-820-1234"
            signature = "【明德眼科】"
            timezone = "Asia/Shanghai"
            region = "cn"
            [clinic.en]
            name = "Mingde Eye Hospital"
            [paths]
            templates = "tpl"
            schedules = "/srv/schedules"
            [policy]
            require_signature = true
            optout_text = "回T退订"
            """
        let configuration = try Configuration.parse(text, file: "/etc/careline/careline.toml")
        #expect(configuration.clinic.name == "明德眼科")
        #expect(configuration.clinic.timeZone?.identifier == "Asia/Shanghai")
        #expect(configuration.clinic.region == "CN")
        #expect(configuration.clinic.defaultLocale == "zh-CN")
        #expect(configuration.templatesPath == "/etc/careline/tpl")
        #expect(configuration.schedulesPath == "/srv/schedules")
        #expect(configuration.policy.requireSignature)
        #expect(configuration.policy.optoutText == [nil: "回T退订"])
        let clinic = try #require(configuration.clinicFields)
        #expect(clinic.value(for: .en)["name"] == .string("Mingde Eye Hospital"))
        #expect(clinic.value(for: .en)["phone"] == .string("400-820-1234"))
        #expect(clinic.value(for: .zh)["name"] == .string("明德眼科"))
    }

    @Test func storeAndSendingPolicy() throws {
        let configuration = try Configuration.parse(
            "[store]\npath = \"state/careline.sqlite\"\n[policy]\nquiet_hours = \"22:00-07:30\"\nmax_per_day = 2\n",
            file: "/srv/clinic/careline.toml")
        #expect(configuration.storePath == "/srv/clinic/state/careline.sqlite")
        #expect(configuration.policy.quietHours == TimeRange(parsing: "22:00-07:30"))
        #expect(configuration.policy.maxPerDay == 2)
        #expect(configuration.policy.maxPerWeek == 3)
        let none = try Configuration.parse("[policy]\nquiet_hours = \"none\"\n", file: "careline.toml")
        #expect(none.policy.quietHours == nil)
        #expect(Configuration().policy.quietHours == TimeRange(parsing: "21:00-08:00"))
        #expect(Configuration().storePath == "careline.sqlite")
    }

    @Test func defaultsWithoutAFile() throws {
        let configuration = Configuration()
        #expect(configuration.clinicFields == nil)
        #expect(configuration.templatesPath == "Templates")
        #expect(configuration.clinic.defaultLocale == "en")
        let relative = try Configuration.parse("", file: "careline.toml")
        #expect(relative.templatesPath == "Templates")
    }

    @Test(
        arguments: [
            ("[clinic]\nnmae = \"x\"", 2, 1, "clinic.nmae", "did you mean clinic.name?"),
            ("[clinc]\nname = \"x\"", 1, 1, "clinc", "did you mean clinic?"),
            (
                "[clinic]\ntimezone = \"Asia/Shangai\"", 2, 12, "clinic.timezone",
                "did you mean Asia/Shanghai?"
            ),
            ("[clinic]\ntimezone = \"CST\"", 2, 12, "clinic.timezone", "IANA name"),
            ("[clinic]\nregion = \"China\"", 2, 10, "clinic.region", "two-letter"),
            ("[clinic]\nname = 3", 2, 8, "clinic.name", "must be a string"),
            ("[policy]\nrequire_signature = \"yes\"", 2, 21, "policy.require_signature", "true or false"),
            (
                "[policy]\nrequire_signature = true", 1, 1, "policy.require_signature",
                "[clinic] signature is not set"
            ),
            ("[policy]\noptout_text = { fr = \"x\" }", 2, 17, "policy.optout_text.fr", "use zh or en"),
            ("[clinic.de]\nname = \"x\"", 1, 1, "clinic.de", "unknown key"),
            ("clinic = 3", 1, 10, "clinic", "must be a table"),
            ("[policy]\nquiet_hours = \"21:00\"", 2, 15, "policy.quiet_hours", "HH:MM-HH:MM"),
            ("[policy]\nmax_per_day = 0", 2, 15, "policy.max_per_day", "from 1 to 100"),
            ("[policy]\nmax_per_week = 2.5", 2, 16, "policy.max_per_week", "whole number"),
            ("[store]\npath = \"\"", 2, 8, "store.path", "must not be empty"),
            ("[store]\npaht = \"x\"", 2, 1, "store.paht", "did you mean store.path?"),
        ] as [(String, Int, Int, String, String)])
    func badValuesNameTheLineAndKey(text: String, line: Int, column: Int, key: String, fragment: String)
        throws
    {
        let error = try #require(throws: ConfigurationError.self) {
            try Configuration.parse(text, file: "careline.toml")
        }
        #expect(error.key == key)
        #expect(error.location == SourceLocation(line: line, column: column), "\(error)")
        #expect(error.description.hasPrefix("careline.toml:\(line):\(column): \(key): "))
        #expect(error.message.contains(fragment), "\(error.message)")
    }

    @Test func syntaxErrorsKeepTheTOMLPosition() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try Configuration.parse("[clinic]\nname = \"unterminated\n", file: "c.toml")
        }
        #expect(error.code == .syntax)
        #expect(error.location?.line == 2)
    }

    @Test func locatesTheFile() throws {
        #expect(
            Configuration.locate(explicit: "a.toml", environment: ["CARELINE_CONFIG": "b.toml"])! == (
                "a.toml", true
            ))
        #expect(
            Configuration.locate(explicit: nil, environment: ["CARELINE_CONFIG": "b.toml"])! == (
                "b.toml", true
            ))
        let missing = try #require(throws: ConfigurationError.self) {
            try Configuration.load(path: "/nonexistent.toml")
        }
        #expect(missing.code == .notFound)
    }

    @Test func theShippedExampleLoads() throws {
        let root = try #require(Corpus.packageRoot())
        let configuration = try Configuration.load(path: root.appendingPathComponent("careline.toml").path)
        #expect(configuration.policy.optoutText[.en] == "Reply STOP to opt out")
        #expect(configuration.clinic.timeZone?.identifier == "Asia/Shanghai")
    }

    @Test func sendersHaveAKindAndOnlyTheKeysOfThatKind() throws {
        let configuration = try Configuration.parse(
            """
            [senders.sms]
            kind = "twilio"
            account_sid = "AC0123456789abcdef0123456789abcdef"
            auth_token = "env:TWILIO_AUTH_TOKEN"
            from = "+15005550006"
            [senders.hook]
            kind = "webhook"
            url = "http://127.0.0.1:9000/careline"
            secret = "env:CARELINE_WEBHOOK_SECRET"
            """, file: "clinic/c.toml")
        #expect(configuration.senders["sms"]?.kind == .twilio)
        #expect(configuration.senders["hook"]?.kind == .webhook)
        #expect(configuration.senders["hook"]?.line == 6)
        #expect(configuration.senders["file"] == nil)
        #expect(
            Configuration().senders == [
                "file": .init(name: "file", settings: .file(FileSettings(path: "sent.jsonl")))
            ])
        let withoutSenders = try Configuration.parse("[clinic]\nname = \"x\"\n", file: "clinic/c.toml")
        #expect(withoutSenders.senders["file"]?.settings == .file(FileSettings(path: "clinic/sent.jsonl")))

        let missingKind = try #require(throws: ConfigurationError.self) {
            try Configuration.parse("[senders.sms]\naccount_sid = \"AC1\"\n", file: "c.toml")
        }
        #expect(missingKind.key == "senders.sms.kind")
        #expect(missingKind.location?.line == 1)
        let badKind = try #require(throws: ConfigurationError.self) {
            try Configuration.parse("[senders.sms]\nkind = \"fax\"\n", file: "c.toml")
        }
        #expect(badKind.key == "senders.sms.kind")
        #expect(badKind.message.contains("file, webhook, twilio"))
        let typo = try #require(throws: ConfigurationError.self) {
            try Configuration.parse("[senders.hook]\nkind = \"webhook\"\nurll = \"x\"\n", file: "c.toml")
        }
        #expect(typo.key == "senders.hook.urll")
        #expect(typo.location?.line == 3)
        #expect(typo.message.contains("did you mean senders.hook.url?"))
    }
}
