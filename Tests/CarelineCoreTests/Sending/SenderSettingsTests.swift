import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

@Suite("[senders.NAME] settings")
struct SenderSettingsTests {
    static let file = "/etc/careline/careline.toml"
    static let accountSID = "AC0123456789abcdef0123456789ABCDEF"
    static let serviceSID = "MG0123456789abcdef0123456789abcdef"

    /// Parses `[senders.NAME]` out of a whole document, the way `Configuration` hands a table over.
    static func parse(_ text: String, name: String, file: String = file) throws -> SenderSettings {
        let root = try TOML.parse(text)
        let table = try #require(root.node(at: ["senders", name])?.value.tableValue)
        return try SenderSettings.parse(name: name, table: table, file: file)
    }

    static func failure(_ text: String, name: String) throws -> ConfigurationError {
        let root = try TOML.parse(text)
        let table = try #require(root.node(at: ["senders", name])?.value.tableValue)
        do throws(ConfigurationError) {
            _ = try SenderSettings.parse(name: name, table: table, file: file)
        } catch {
            return error
        }
        Issue.record("no error for \(text)")
        return ConfigurationError(.syntax, file: "", location: nil, key: nil, message: "")
    }

    // MARK: - Valid tables

    @Test func webhookWithEveryKey() throws {
        let settings = try Self.parse(
            """
            [senders.hook]
            kind = "webhook"
            url = "http://127.0.0.1:9000/careline"
            secret = "env:CARELINE_WEBHOOK_SECRET"
            rate = 50
            concurrency = 4
            timeout = "500ms"
            price_per_segment = 0.05
            currency = "cny"
            """, name: "hook")
        let expected = WebhookSettings(
            url: "http://127.0.0.1:9000/careline",
            secret: Secret(
                parsing: "env:CARELINE_WEBHOOK_SECRET", key: "senders.hook.secret",
                configurationFile: Self.file,
                location: SourceLocation(line: 4, column: 10)),
            rate: 50, concurrency: 4, timeout: .milliseconds(500),
            pricing: SenderPricing(pricePerSegment: 0.05, currency: "CNY"))
        #expect(settings == .webhook(expected))
        #expect(settings.kind == .webhook)
        #expect(settings.pricing == SenderPricing(pricePerSegment: 0.05, currency: "CNY"))
    }

    @Test func webhookDefaults() throws {
        let settings = try Self.parse(
            "[senders.hook]\nkind = \"webhook\"\nurl = \"https://hooks.example.org/c?x=1\"\nsecret = \"file:hook.key\"\n",
            name: "hook")
        guard case .webhook(let webhook) = settings else {
            Issue.record("not a webhook: \(settings)")
            return
        }
        #expect(webhook.url == "https://hooks.example.org/c?x=1")
        #expect(webhook.secret.source == .file("/etc/careline/hook.key"))
        #expect(webhook.rate == nil)
        #expect(webhook.concurrency == 8)
        #expect(webhook.timeout == .seconds(10))
        #expect(webhook.pricing == SenderPricing())
    }

    @Test func twilioWithFromAndEveryKey() throws {
        let settings = try Self.parse(
            """
            [senders.sms]
            kind = "twilio"
            base_url = "http://127.0.0.1:8080/"
            account_sid = "\(Self.accountSID)"
            auth_token = "env:TWILIO_AUTH_TOKEN"
            from = "+15005550006"
            status_callback = "https://clinic.example.org/twilio/status"
            rate = 0.5
            concurrency = 64
            timeout = "2m"
            price_per_segment = 0
            currency = "USD"
            """, name: "sms")
        let expected = TwilioSettings(
            baseURL: "http://127.0.0.1:8080", accountSID: Self.accountSID,
            authToken: Secret(
                parsing: "env:TWILIO_AUTH_TOKEN", key: "senders.sms.auth_token", configurationFile: Self.file,
                location: SourceLocation(line: 5, column: 14)),
            origin: .from(try #require(PhoneNumber(e164: "+15005550006"))),
            statusCallback: "https://clinic.example.org/twilio/status", rate: 0.5, concurrency: 64,
            timeout: .seconds(120), pricing: SenderPricing(pricePerSegment: 0, currency: "USD"))
        #expect(settings == .twilio(expected))
    }

    @Test func twilioWithAMessagingServiceAndDefaults() throws {
        let settings = try Self.parse(
            """
            [senders.sms]
            kind = "twilio"
            account_sid = "\(Self.accountSID)"
            auth_token = "file:/run/secrets/twilio"
            messaging_service_sid = "\(Self.serviceSID)"
            """, name: "sms")
        guard case .twilio(let twilio) = settings else {
            Issue.record("not twilio: \(settings)")
            return
        }
        #expect(twilio.baseURL == "https://api.twilio.com")
        #expect(twilio.origin == .messagingService(Self.serviceSID))
        #expect(twilio.authToken.source == .file("/run/secrets/twilio"))
        #expect(twilio.statusCallback == nil)
        #expect(twilio.rate == nil)
        #expect(twilio.concurrency == 8)
        #expect(twilio.timeout == .seconds(10))
    }

    @Test(arguments: [
        (
            "[senders.file]\nkind = \"file\"\npath = \"out/sent.jsonl\"", "/etc/careline/careline.toml",
            "/etc/careline/out/sent.jsonl"
        ),
        (
            "[senders.file]\nkind = \"file\"\npath = \"/var/lib/careline/sent.jsonl\"",
            "/etc/careline/careline.toml", "/var/lib/careline/sent.jsonl"
        ),
        ("[senders.file]\nkind = \"file\"", "/etc/careline/careline.toml", "/etc/careline/sent.jsonl"),
        ("[senders.file]\nkind = \"file\"", "careline.toml", "sent.jsonl"),
    ])
    func filePathIsRelativeToTheConfigurationFolder(text: String, file: String, path: String) throws {
        #expect(try Self.parse(text, name: "file", file: file) == .file(FileSettings(path: path)))
    }

    @Test func filePricing() throws {
        let settings = try Self.parse(
            "[senders.file]\nkind = \"file\"\nprice_per_segment = 0.045\ncurrency = \"usd\"", name: "file")
        #expect(settings.pricing == SenderPricing(pricePerSegment: 0.045, currency: "USD"))
    }

    @Test(arguments: [
        "1ms", "100ms", "500ms", "10s", "1m", "10m", "4m", "1h", "x", "10", "s", "-1s", "+5s", "1.5s", "1 s",
        "1234567890s", "5S",
    ])
    func durations(text: String) {
        let expected: [String: Duration] = [
            "1ms": .milliseconds(1), "100ms": .milliseconds(100), "500ms": .milliseconds(500),
            "10s": .seconds(10), "1m": .seconds(60), "10m": .seconds(600), "4m": .seconds(240),
            "1h": .seconds(3600),
        ]
        #expect(DurationText.parse(text) == expected[text])
    }

    @Test func aTimeoutInHoursIsOutOfRange() throws {
        let error = try Self.failure(
            "[senders.hook]\nkind = \"webhook\"\nurl = \"https://x.example\"\nsecret = \"env:S\"\ntimeout = \"1h\"",
            name: "hook")
        #expect(error.key == "senders.hook.timeout")
        #expect(error.message.contains("from 100ms to 10m"))
    }

    // MARK: - Errors: key path, line, column, what to do

    struct BadCase: CustomTestStringConvertible, Sendable {
        var name: String
        var sender: String
        var text: String
        var code: ConfigurationError.Code
        var key: String
        var line: Int
        var column: Int
        var fragment: String
        var testDescription: String { name }
    }

    static let hook = "[senders.hook]\nkind = \"webhook\"\n"
    static let hookOK = hook + "url = \"https://example.org/hook\"\nsecret = \"env:S\"\n"
    static let sms = "[senders.sms]\nkind = \"twilio\"\n"
    static let smsOK = sms + "account_sid = \"\(accountSID)\"\nauth_token = \"env:T\"\n"

    static let badCases: [BadCase] = [
        BadCase(
            name: "no kind", sender: "hook", text: "[senders.hook]\nurl = \"https://example.org\"",
            code: .invalidValue, key: "senders.hook.kind", line: 1, column: 1,
            fragment: "is missing; add kind = \"file\" | \"webhook\" | \"twilio\""),
        BadCase(
            name: "unknown kind", sender: "hook", text: "[senders.hook]\nkind = \"sms\"", code: .invalidValue,
            key: "senders.hook.kind", line: 2, column: 8, fragment: "must be one of file, webhook, twilio"),
        BadCase(
            name: "unknown key", sender: "hook", text: hookOK + "urll = \"x\"", code: .unknownKey,
            key: "senders.hook.urll", line: 5, column: 1, fragment: "did you mean senders.hook.url?"),
        BadCase(
            name: "twilio key on a file sender", sender: "file",
            text: "[senders.file]\nkind = \"file\"\nfrom = \"x\"",
            code: .unknownKey, key: "senders.file.from", line: 3, column: 1,
            fragment: "(known here: kind, path, price_per_segment, currency)"),
        BadCase(
            name: "url missing", sender: "hook", text: hook + "secret = \"env:S\"", code: .invalidValue,
            key: "senders.hook.url", line: 1, column: 1, fragment: "is missing; add url = \"https://"),
        BadCase(
            name: "url ftp", sender: "hook", text: hook + "url = \"ftp://example.org/x\"\nsecret = \"env:S\"",
            code: .invalidValue, key: "senders.hook.url", line: 3, column: 7,
            fragment: "must be an http:// or https:// URL with a host"),
        BadCase(
            name: "url without host", sender: "hook",
            text: hook + "url = \"http:///careline\"\nsecret = \"env:S\"",
            code: .invalidValue, key: "senders.hook.url", line: 3, column: 7,
            fragment: "must be an http:// or https:// URL with a host"),
        BadCase(
            name: "url not a URL", sender: "hook",
            text: hook + "url = \"example.org/hook\"\nsecret = \"env:S\"",
            code: .invalidValue, key: "senders.hook.url", line: 3, column: 7,
            fragment: "must be an http:// or https:// URL with a host"),
        BadCase(
            name: "url with credentials", sender: "hook",
            text: hook + "url = \"https://me:pw@example.org/\"\nsecret = \"env:S\"", code: .invalidValue,
            key: "senders.hook.url", line: 3, column: 7, fragment: "must not contain a user name or password"),
        BadCase(
            name: "url with fragment", sender: "hook",
            text: hook + "url = \"https://example.org/#x\"\nsecret = \"env:S\"",
            code: .invalidValue, key: "senders.hook.url", line: 3, column: 7,
            fragment: "must not have a #fragment"),
        BadCase(
            name: "url a number", sender: "hook", text: hook + "url = 8080\nsecret = \"env:S\"",
            code: .invalidValue,
            key: "senders.hook.url", line: 3, column: 7, fragment: "must be a string in quotes, not a integer"
        ),
        BadCase(
            name: "secret missing", sender: "hook", text: hook + "url = \"https://example.org\"",
            code: .invalidValue, key: "senders.hook.secret", line: 1, column: 1,
            fragment: "is missing; add secret = \"env:CARELINE_WEBHOOK_SECRET\" (or \"file:PATH\")"),
        BadCase(
            name: "secret env name", sender: "hook",
            text: hook + "url = \"https://example.org\"\nsecret = \"env:1X\"",
            code: .invalidValue, key: "senders.hook.secret", line: 4, column: 10,
            fragment: "env: must be followed by a variable name such as \"CARELINE_WEBHOOK_SECRET\""),
        BadCase(
            name: "secret env empty", sender: "hook",
            text: hook + "url = \"https://example.org\"\nsecret = \"env:\"",
            code: .invalidValue, key: "senders.hook.secret", line: 4, column: 10,
            fragment: "env: must be followed by a variable name"),
        BadCase(
            name: "secret file empty", sender: "hook",
            text: hook + "url = \"https://example.org\"\nsecret = \"file:\"",
            code: .invalidValue, key: "senders.hook.secret", line: 4, column: 10,
            fragment: "file: must be followed by the path of a file holding the secret"),
        BadCase(
            name: "secret as a shell variable", sender: "hook",
            text: hook + "url = \"https://example.org\"\nsecret = \"${CARELINE_WEBHOOK_SECRET}\"",
            code: .invalidValue, key: "senders.hook.secret", line: 4, column: 10,
            fragment: "starts with $ like a shell variable, which careline does not expand; write "
                + "\"env:CARELINE_WEBHOOK_SECRET\""),
        BadCase(
            name: "secret empty", sender: "hook", text: hook + "url = \"https://example.org\"\nsecret = \"\"",
            code: .invalidValue, key: "senders.hook.secret", line: 4, column: 10,
            fragment: "must not be empty"),
        BadCase(
            name: "rate zero", sender: "hook", text: hookOK + "rate = 0", code: .invalidValue,
            key: "senders.hook.rate", line: 5, column: 8, fragment: "messages per second above 0"),
        BadCase(
            name: "rate negative", sender: "hook", text: hookOK + "rate = -2.5", code: .invalidValue,
            key: "senders.hook.rate", line: 5, column: 8, fragment: "messages per second above 0"),
        BadCase(
            name: "rate text", sender: "hook", text: hookOK + "rate = \"50/s\"", code: .invalidValue,
            key: "senders.hook.rate", line: 5, column: 8, fragment: "messages per second above 0"),
        BadCase(
            name: "rate inf", sender: "hook", text: hookOK + "rate = inf", code: .invalidValue,
            key: "senders.hook.rate", line: 5, column: 8, fragment: "messages per second above 0"),
        BadCase(
            name: "concurrency 0", sender: "hook", text: hookOK + "concurrency = 0", code: .invalidValue,
            key: "senders.hook.concurrency", line: 5, column: 15, fragment: "a whole number from 1 to 64"),
        BadCase(
            name: "concurrency 65", sender: "hook", text: hookOK + "concurrency = 65", code: .invalidValue,
            key: "senders.hook.concurrency", line: 5, column: 15, fragment: "a whole number from 1 to 64"),
        BadCase(
            name: "concurrency float", sender: "hook", text: hookOK + "concurrency = 2.0",
            code: .invalidValue,
            key: "senders.hook.concurrency", line: 5, column: 15, fragment: "a whole number from 1 to 64"),
        BadCase(
            name: "timeout without unit", sender: "hook", text: hookOK + "timeout = \"10\"",
            code: .invalidValue,
            key: "senders.hook.timeout", line: 5, column: 11,
            fragment: "must be a duration from 100ms to 10m, such as \"10s\" or \"500ms\""),
        BadCase(
            name: "timeout a number", sender: "hook", text: hookOK + "timeout = 10", code: .invalidValue,
            key: "senders.hook.timeout", line: 5, column: 11, fragment: "must be a duration"),
        BadCase(
            name: "timeout too short", sender: "hook", text: hookOK + "timeout = \"50ms\"",
            code: .invalidValue,
            key: "senders.hook.timeout", line: 5, column: 11, fragment: "must be a duration"),
        BadCase(
            name: "timeout too long", sender: "hook", text: hookOK + "timeout = \"11m\"", code: .invalidValue,
            key: "senders.hook.timeout", line: 5, column: 11, fragment: "must be a duration"),
        BadCase(
            name: "negative price", sender: "hook", text: hookOK + "price_per_segment = -1",
            code: .invalidValue,
            key: "senders.hook.price_per_segment", line: 5, column: 21, fragment: "a number of 0 or more"),
        BadCase(
            name: "currency", sender: "hook", text: hookOK + "currency = \"yuan\"", code: .invalidValue,
            key: "senders.hook.currency", line: 5, column: 12, fragment: "an ISO 4217 code such as \"CNY\""),
        BadCase(
            name: "account_sid missing", sender: "sms",
            text: sms + "auth_token = \"env:T\"\nfrom = \"+15005550006\"",
            code: .invalidValue, key: "senders.sms.account_sid", line: 1, column: 1,
            fragment: "is missing; add account_sid = \"AC…\""),
        BadCase(
            name: "account_sid short", sender: "sms", text: sms + "account_sid = \"AC0123\"",
            code: .invalidValue,
            key: "senders.sms.account_sid", line: 3, column: 15,
            fragment: "must be AC followed by 32 hexadecimal"),
        BadCase(
            name: "account_sid not hex", sender: "sms",
            text: sms + "account_sid = \"AC0123456789abcdef0123456789abcdeg\"", code: .invalidValue,
            key: "senders.sms.account_sid", line: 3, column: 15,
            fragment: "must be AC followed by 32 hexadecimal"),
        BadCase(
            name: "account_sid an API key", sender: "sms",
            text: sms + "account_sid = \"SK0123456789abcdef0123456789abcdef\"", code: .invalidValue,
            key: "senders.sms.account_sid", line: 3, column: 15,
            fragment: "must be AC followed by 32 hexadecimal"),
        BadCase(
            name: "auth_token missing", sender: "sms",
            text: sms + "account_sid = \"\(accountSID)\"\nfrom = \"+15005550006\"", code: .invalidValue,
            key: "senders.sms.auth_token", line: 1, column: 1,
            fragment: "is missing; add auth_token = \"env:TWILIO_AUTH_TOKEN\" (or \"file:PATH\")"),
        BadCase(
            name: "neither from nor service", sender: "sms", text: smsOK, code: .invalidValue,
            key: "senders.sms.from", line: 1, column: 1,
            fragment: "is missing; add from = \"+1…\" (a Twilio number) or messaging_service_sid = \"MG…\""),
        BadCase(
            name: "from and service", sender: "sms",
            text: smsOK + "from = \"+15005550006\"\nmessaging_service_sid = \"\(serviceSID)\"",
            code: .invalidValue,
            key: "senders.sms.messaging_service_sid", line: 6, column: 25,
            fragment: "cannot be set together with from; keep exactly one of the two"),
        BadCase(
            name: "from national", sender: "sms", text: smsOK + "from = \"15005550006\"", code: .invalidValue,
            key: "senders.sms.from", line: 5, column: 8,
            fragment: "must be an E.164 number such as \"+15005550006\""),
        BadCase(
            name: "from with spaces", sender: "sms", text: smsOK + "from = \"+1 500 555 0006\"",
            code: .invalidValue,
            key: "senders.sms.from", line: 5, column: 8, fragment: "must be an E.164 number"),
        BadCase(
            name: "service sid", sender: "sms", text: smsOK + "messaging_service_sid = \"MG123\"",
            code: .invalidValue, key: "senders.sms.messaging_service_sid", line: 5, column: 25,
            fragment: "must be MG followed by 32 hexadecimal digits"),
        BadCase(
            name: "base_url without scheme", sender: "sms", text: smsOK + "base_url = \"api.twilio.com\"",
            code: .invalidValue, key: "senders.sms.base_url", line: 5, column: 12,
            fragment: "such as \"https://api.twilio.com\""),
        BadCase(
            name: "base_url with query", sender: "sms",
            text: smsOK + "base_url = \"https://api.twilio.com/?x=1\"",
            code: .invalidValue, key: "senders.sms.base_url", line: 5, column: 12,
            fragment: "must not have a ?query"),
        BadCase(
            name: "status_callback underscore", sender: "sms",
            text: smsOK + "from = \"+15005550006\"\nstatus_callback = \"https://my_clinic.example.org/cb\"",
            code: .invalidValue, key: "senders.sms.status_callback", line: 6, column: 19,
            fragment: "must not have \"_\" in its host name (Twilio rejects it)"),
        BadCase(
            name: "status_callback mailto", sender: "sms",
            text: smsOK + "from = \"+15005550006\"\nstatus_callback = \"mailto:x@example.org\"",
            code: .invalidValue, key: "senders.sms.status_callback", line: 6, column: 19,
            fragment: "must be an http:// or https:// URL"),
        BadCase(
            name: "twilio rate", sender: "sms", text: smsOK + "from = \"+15005550006\"\nrate = 0",
            code: .invalidValue,
            key: "senders.sms.rate", line: 6, column: 8, fragment: "above 0"),
        BadCase(
            name: "file path empty", sender: "file", text: "[senders.file]\nkind = \"file\"\npath = \"\"",
            code: .invalidValue, key: "senders.file.path", line: 3, column: 8, fragment: "must not be empty"),
        BadCase(
            name: "file path a number", sender: "file", text: "[senders.file]\nkind = \"file\"\npath = 1",
            code: .invalidValue, key: "senders.file.path", line: 3, column: 8,
            fragment: "must be a string in quotes"),
    ]

    @Test(arguments: badCases)
    func badValue(_ bad: BadCase) throws {
        let error = try Self.failure(bad.text, name: bad.sender)
        #expect(error.code == bad.code)
        #expect(error.key == bad.key)
        #expect(error.file == Self.file)
        #expect(error.location == SourceLocation(line: bad.line, column: bad.column))
        #expect(error.message.contains(bad.fragment), "\(error.message)")
        #expect(
            error.description.hasPrefix("\(Self.file):\(bad.line):\(bad.column): \(bad.key): "), "\(error)")
    }

    @Test func errorsDescribeFileLineAndKey() throws {
        let error = try Self.failure(Self.hookOK + "rate = 0", name: "hook")
        #expect(
            error.description
                == "/etc/careline/careline.toml:5:8: senders.hook.rate: must be a number of messages per second "
                + "above 0, such as 50 or 0.5")
    }

    @Test(arguments: [
        ("AC0123456789abcdef0123456789ABCDEF", "AC", true),
        ("AC0123456789abcdef0123456789ABCDE", "AC", false),
        ("AC0123456789abcdef0123456789ABCDEF0", "AC", false),
        ("MG0123456789abcdef0123456789ABCDEF", "AC", false),
        ("MG0123456789abcdef0123456789ABCDEF", "MG", true),
        ("ac0123456789abcdef0123456789ABCDEF", "AC", false),
    ])
    func sidShape(text: String, prefix: String, valid: Bool) {
        #expect(TwilioSettings.isSID(text, prefix: prefix) == valid)
    }
}
