import CarelineCore
import Foundation
import Testing

@testable import CarelineCurl

@Suite("WebhookSender")
struct WebhookSenderTests {
    static let payload =
        #"{"id":"msg_01HZX5","campaign":"recheck-reminder","step":"-3d","patient_id":"P001","#
        + #""to":"+8613800138000","body":"【明德眼科】王女士，您好：\n请于12月4日复查。回T退订 \"ok\" 50% & more+","#
        + #""send_at":"2026-12-01T11:00:00Z","attempt":2}"#

    @Test func buildsASignedJSONPost() throws {
        let sender = try SenderFixtures.webhookSender()
        let request = try SenderFixtures.request(sender.prepare(try SenderFixtures.attempt()))
        #expect(request.method == "POST")
        #expect(request.url == "https://hooks.example.org/careline")
        #expect(String(decoding: request.body, as: UTF8.self) == Self.payload)
        #expect(
            request.headers.map(\.name) == [
                "content-type", "webhook-id", "webhook-timestamp", "webhook-signature",
            ])
        #expect(
            request.headers.map(\.value) == [
                "application/json", "msg_01HZX5", "1796122805",
                "v1,2DqTRNwogFD47z1wBQRkIBFCnhDSwmwPJx7QogB8ccw=",
            ])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(object["body"] as? String == SenderFixtures.body)
        let signer = try #require(WebhookSignature(secret: SenderFixtures.webhookSecret))
        #expect(
            signer.verify(
                header: request.headers[3].value, id: "msg_01HZX5", timestamp: 1_796_122_805,
                body: request.body))
    }

    @Test func theIDStaysAndTheTimestampMovesOnARetry() throws {
        let sender = try SenderFixtures.webhookSender()
        var attempt = try SenderFixtures.attempt(3)
        attempt.now = attempt.now.addingTimeInterval(300)
        let request = try SenderFixtures.request(sender.prepare(attempt))
        #expect(request.headers[1].value == "msg_01HZX5")
        #expect(request.headers[2].value == "1796123105")
        #expect(String(decoding: request.body, as: UTF8.self).hasSuffix(#","attempt":3}"#))
    }

    @Test func exposesItsSettings() throws {
        let sender = try SenderFixtures.webhookSender()
        #expect(sender.name == "hook")
        #expect(sender.resendIsSafe)
        #expect(sender.rate == 50)
        #expect(sender.concurrency == 4)
        #expect(sender.timeout == .seconds(5))
    }

    @Test func rejectsASecretThatIsNotWhsec() throws {
        let settings = WebhookSettings(
            url: "https://example.org",
            secret: Secret(
                parsing: "env:HOOK", key: "senders.hook.secret", configurationFile: "careline.toml"))
        #expect(throws: ConfigurationError.self) {
            try WebhookSender(name: "hook", settings: settings, secret: "plain-password")
        }
    }

    static let date = "Tue, 01 Dec 2026 11:01:05 GMT"

    @Test(
        arguments: [
            (200, [:], SendOutcome.sent(providerID: nil)),
            (204, [:], .sent(providerID: nil)),
            (299, [:], .sent(providerID: nil)),
            (
                301, [:],
                .permanent(
                    reason: "webhook: HTTP 301: redirects are not followed; fix the URL in senders.hook.url",
                    optOut: false)
            ),
            (
                307, [:],
                .permanent(
                    reason: "webhook: HTTP 307: redirects are not followed; fix the URL in senders.hook.url",
                    optOut: false)
            ),
            (
                400, [:],
                .permanent(reason: "webhook: HTTP 400: the receiver rejected the message", optOut: false)
            ),
            (
                401, [:],
                .permanent(reason: "webhook: HTTP 401: the receiver rejected the message", optOut: false)
            ),
            (
                404, [:],
                .permanent(reason: "webhook: HTTP 404: the receiver rejected the message", optOut: false)
            ),
            (408, [:], .retry(after: nil, reason: "webhook: HTTP 408")),
            (
                410, [:],
                .permanent(
                    reason: "webhook: HTTP 410: the receiver disabled this endpoint; check senders.hook.url",
                    optOut: false)
            ),
            (429, ["retry-after": "30"], .retry(after: .seconds(30), reason: "webhook: HTTP 429")),
            (429, ["retry-after": date], .retry(after: .seconds(60), reason: "webhook: HTTP 429")),
            (429, [:], .retry(after: nil, reason: "webhook: HTTP 429")),
            (500, [:], .retry(after: nil, reason: "webhook: HTTP 500")),
            (502, [:], .retry(after: nil, reason: "webhook: HTTP 502")),
            (503, ["retry-after": "120"], .retry(after: .seconds(120), reason: "webhook: HTTP 503")),
            (504, [:], .retry(after: nil, reason: "webhook: HTTP 504")),
            (101, [:], .retry(after: nil, reason: "webhook: unexpected HTTP status 101")),
        ] as [(Int, [String: String], SendOutcome)])
    func mapsStatus(status: Int, headers: [String: String], outcome: SendOutcome) throws {
        let sender = try SenderFixtures.webhookSender()
        let response = HTTPResponse(
            status: status, headers: headers, body: Array("+8613800138000 secret".utf8))
        #expect(sender.interpret(.success(response), for: try SenderFixtures.attempt()) == outcome)
    }

    @Test(arguments: [TransportError.Code.connect, .timeout, .tls, .other])
    func transportFailuresAreRetried(code: TransportError.Code) throws {
        let sender = try SenderFixtures.webhookSender()
        let outcome = sender.interpret(
            .failure(TransportError(code, "boom")), for: try SenderFixtures.attempt())
        #expect(outcome == .retry(after: nil, reason: "webhook: no response (\(code.rawValue): boom)"))
    }
}
