import CCurl
import CarelineCore
import CarelineTesting
import Foundation
import Testing

@testable import CarelineCurl

/// `config check --probe` against real servers on loopback: the probe's request and how each outcome reads.
@Suite("SenderProbe")
struct SenderProbeTests {
    static let secretValue = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    /// The one sender of a configuration with `table` as `[senders.NAME]`.
    static func sender(_ name: String, _ table: String) throws -> Configuration.Sender {
        let configuration = try Configuration.parse("[senders.\(name)]\n" + table, file: "/tmp/careline.toml")
        return try #require(configuration.senders[name])
    }

    static func webhook(_ url: String, timeout: String = "5s") throws -> Configuration.Sender {
        try sender(
            "hook", "kind = \"webhook\"\nurl = \"\(url)\"\nsecret = \"env:HOOK\"\ntimeout = \"\(timeout)\"\n")
    }

    static func twilio(baseURL: String) throws -> Configuration.Sender {
        try sender(
            "sms",
            """
            kind = "twilio"
            base_url = "\(baseURL)"
            account_sid = "\(TwilioFake.accountSID)"
            auth_token = "env:TWILIO_TOKEN"
            from = "+15005550006"

            """)
    }

    /// `text` without its last `in N ms` (the time taken is not asserted).
    static func untimed(_ text: String) -> String {
        guard let range = text.range(of: " in ", options: .backwards) else { return text }
        let rest = text[range.upperBound...]
        let digits = rest.prefix { $0.isNumber }
        guard !digits.isEmpty, rest.dropFirst(digits.count).hasPrefix(" ms") else { return text }
        return String(text[..<range.lowerBound]) + " in N" + rest.dropFirst(digits.count)
    }

    @Test func webhookAnsweringIsReachableWithAHeadRequestAndNoBody() throws {
        let server = try LoopbackServer { _ in .text("ok") }
        defer { server.stop() }
        let result = try #require(
            SenderProbe().probe(Self.webhook(server.url(path: "/careline?token=t0k")), environment: [:]))
        #expect(result.name == "senders.hook.probe")
        #expect(result.status == .ok)
        #expect(
            Self.untimed(result.message) == "http://127.0.0.1:\(server.port) is reachable: HTTP 200 in N ms")
        #expect(server.requests.map(\.method) == ["HEAD"])
        #expect(server.requests.first?.path == "/careline?token=t0k")
        #expect(server.requests.first?.body == [])
        #expect(!result.message.contains("t0k"))
    }

    @Test func webhook404IsStillReachable() throws {
        let server = try LoopbackServer { _ in .response(status: 404) }
        defer { server.stop() }
        let result = try #require(SenderProbe().probe(Self.webhook(server.url(path: "/x")), environment: [:]))
        #expect(result.status == .ok)
        #expect(
            Self.untimed(result.message) == "http://127.0.0.1:\(server.port) is reachable: HTTP 404 in N ms")
    }

    @Test func refusedPortIsAnUnavailableError() throws {
        let port = try LoopbackServer.unusedPort()
        let result = try #require(
            SenderProbe().probe(Self.webhook("http://127.0.0.1:\(port)/hook"), environment: [:]))
        #expect(result.status == .error)
        #expect(result.failure == .unavailable)
        #expect(result.message.hasPrefix("cannot connect to http://127.0.0.1:\(port) ("))
        #expect(
            result.message.hasSuffix(
                "): check the URL, that the receiver runs, DNS and the firewall or proxy"))
    }

    @Test func hangingReceiverTimesOut() throws {
        let server = try LoopbackServer { _ in .hang }
        defer { server.stop() }
        let result = try #require(
            SenderProbe().probe(Self.webhook(server.url(path: "/hook"), timeout: "300ms"), environment: [:]))
        #expect(result.status == .error)
        #expect(result.failure == .unavailable)
        #expect(result.message.hasPrefix("no answer from http://127.0.0.1:\(server.port) within 300ms ("))
        #expect(result.message.hasSuffix("): check the receiver, or raise timeout"))
    }

    @Test(.enabled(if: TwilioFake.isAvailable, "python3 or Tests/Fakes/twilio_fake.py is missing"))
    func twilioAcceptsTheRightCredentialsAndRejectsOthers() throws {
        let fake = try TwilioFake()
        let sender = try Self.twilio(baseURL: fake.baseURL)
        let accepted = try #require(
            SenderProbe().probe(sender, environment: ["TWILIO_TOKEN": TwilioFake.authToken]))
        #expect(accepted.status == .ok)
        #expect(
            Self.untimed(accepted.message) == "\(fake.baseURL) accepts the credentials: HTTP 200 in N ms")

        let wrong = "wrong-token-value"
        let rejected = try #require(SenderProbe().probe(sender, environment: ["TWILIO_TOKEN": wrong]))
        #expect(rejected.status == .error)
        #expect(rejected.failure == .unavailable)
        #expect(
            Self.untimed(rejected.message)
                == "\(fake.baseURL) rejects the credentials (HTTP 401 in N ms): check account_sid and auth_token"
        )
        for line in [accepted.message, rejected.message] {
            #expect(!line.contains(wrong))
            #expect(!line.contains(TwilioFake.authToken))
            #expect(!line.contains(TwilioFake.accountSID))
        }
        // Nothing was sent.
        #expect(try fake.logged().isEmpty)
    }

    @Test func twilioWithoutItsTokenIsNotProbed() throws {
        let sender = try Self.twilio(baseURL: "http://127.0.0.1:9")
        let result = SenderProbe(makeTransport: { _ in
            Issue.record("no transport should be made")
            return try CurlTransport()
        }).probe(sender, environment: [:])
        #expect(
            result
                == .warning(
                    "senders.sms.probe",
                    "not probed: senders.sms.auth_token cannot be resolved (see its line)"))
    }

    @Test func twilioAccountRequestReadsTheAccountWithBasicAuth() throws {
        let sender = try Self.twilio(baseURL: "https://api.twilio.com/")
        guard case .twilio(let settings) = sender.settings else {
            Issue.record("not twilio")
            return
        }
        let request = SenderProbe.twilioAccountRequest(settings, authToken: "tok")
        #expect(request.method == "GET")
        #expect(request.url == "https://api.twilio.com/2010-04-01/Accounts/\(TwilioFake.accountSID).json")
        let credentials = Data("\(TwilioFake.accountSID):tok".utf8).base64EncodedString()
        #expect(request.headers.map(\.name) == ["Authorization", "Accept"])
        #expect(request.headers.first?.value == "Basic \(credentials)")
        #expect(request.body == [])
    }

    @Test(arguments: [
        (200, CheckStatus.ok, "https://api.twilio.com accepts the credentials: HTTP 200 in 42 ms"),
        (
            403, .error,
            "https://api.twilio.com rejects the credentials (HTTP 403 in 42 ms): check account_sid and auth_token"
        ),
        (
            404, .error,
            "https://api.twilio.com knows no such account (HTTP 404 in 42 ms): check account_sid and base_url"
        ),
        (
            503, .warning,
            "https://api.twilio.com answered HTTP 503 in 42 ms, not 200; try again later, or check base_url"
        ),
    ])
    func twilioStatuses(status: Int, expected: CheckStatus, message: String) {
        let result = SenderProbe.result(
            name: "senders.sms.probe", kind: .twilio, origin: "https://api.twilio.com", timeout: .seconds(10),
            outcome: .success(HTTPResponse(status: status, latency: 0.042)))
        #expect(result.status == expected)
        #expect(result.message == message)
    }

    @Test func tlsFailureNamesTheCertificate() {
        let result = SenderProbe.result(
            name: "senders.hook.probe", kind: .webhook, origin: "https://hooks.example.org",
            timeout: .seconds(10),
            outcome: .failure(TransportError(.tls, "SSL peer certificate was not OK (hooks.example.org)")))
        #expect(
            result
                == .error(
                    "senders.hook.probe",
                    "TLS with https://hooks.example.org failed (SSL peer certificate was not OK (hooks.example.org)): "
                        + "check the server's certificate chain and host name; careline always verifies them",
                    .unavailable))
    }

    @Test func curlVersionMatchesTheLinkedLibrary() {
        let version = CurlVersion.current
        #expect(CurlTransport.versionDescription.hasPrefix("libcurl/\(version.version) "))
        #expect(version.protocols.contains("https"))
        #expect(version.protocols.contains("http"))
        let tls = version.tls ?? "none"
        #expect(CurlTransport.versionDescription.contains(" \(tls)"))
    }
}
