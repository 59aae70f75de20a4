import CarelineCore
import CarelineTesting
import Foundation
import Testing

@testable import CarelineCurl

/// The request `TwilioSender` builds, put on the wire to the Python fake, and the fake's answer interpreted.
@Suite(
    "TwilioSender against twilio_fake.py",
    .enabled(if: TwilioFake.isAvailable, "python3 or Tests/Fakes/twilio_fake.py is missing"))
struct TwilioFakeTests {
    static func send(_ sender: TwilioSender, to number: String, timeout: Double = 5) throws -> SendOutcome {
        let attempt = try SenderFixtures.attempt(to: number)
        let request = try SenderFixtures.request(sender.prepare(attempt))
        let transport = try CurlTransport(totalTimeout: .milliseconds(Int(timeout * 1000)))
        var result: Result<HTTPResponse, TransportError>?
        transport.perform([request]) { _, outcome in result = outcome }
        return sender.interpret(try #require(result), for: attempt)
    }

    @Test func acceptedMessageIsLoggedWithItsExactBody() throws {
        let fake = try TwilioFake()
        let sender = try SenderFixtures.twilioSender(baseURL: fake.baseURL)
        let outcome = try Self.send(sender, to: "+15005550009")
        guard case .sent(let sid?) = outcome else {
            Issue.record("not sent: \(outcome)")
            return
        }
        #expect(TwilioSettings.isSID(sid, prefix: "SM"))
        let logged = try fake.logged()
        #expect(logged.count == 1)
        #expect(logged.first?["sid"] as? String == sid)
        #expect(logged.first?["to"] as? String == "+15005550009")
        #expect(logged.first?["from"] as? String == "+15005550006")
        #expect(logged.first?["body"] as? String == SenderFixtures.body)
        #expect(logged.first?["messaging_service_sid"] is NSNull)
    }

    @Test func messagingServiceAndStatusCallbackReachTheFake() throws {
        let fake = try TwilioFake()
        let sender = try SenderFixtures.twilioSender(
            baseURL: fake.baseURL + "/", origin: .messagingService(SenderFixtures.serviceSID),
            statusCallback: "https://clinic.example.org/twilio/status?c=1&d=2")
        guard case .sent = try Self.send(sender, to: "+8613800138000") else {
            Issue.record("not sent")
            return
        }
        let logged = try fake.logged()
        #expect(logged.first?["messaging_service_sid"] as? String == SenderFixtures.serviceSID)
        #expect(logged.first?["from"] is NSNull)
        #expect(
            logged.first?["status_callback"] as? String == "https://clinic.example.org/twilio/status?c=1&d=2")
        #expect(logged.first?["to"] as? String == "+8613800138000")
    }

    @Test(arguments: [
        (
            "+15005550001",
            SendOutcome.permanent(
                reason: "twilio: error 21211 (HTTP 400): the To number is not a valid phone number",
                optOut: false)
        ),
        (
            "+15005550002",
            .permanent(
                reason: "twilio: error 21614 (HTTP 400): the To number is not a mobile number", optOut: false)
        ),
        (
            "+15005550003",
            .permanent(
                reason:
                    "twilio: error 21610 (HTTP 400): the recipient replied STOP and is unsubscribed until they send START",
                optOut: true)
        ),
        ("+15005550004", .retry(after: .seconds(2), reason: "twilio: error 20429 (HTTP 429)")),
        ("+15005550005", .retry(after: nil, reason: "twilio: error 20500 (HTTP 500)")),
    ])
    func ruleIsInterpreted(number: String, outcome: SendOutcome) throws {
        let fake = try TwilioFake()
        let sender = try SenderFixtures.twilioSender(baseURL: fake.baseURL)
        #expect(try Self.send(sender, to: number) == outcome)
        #expect(try fake.logged().isEmpty)
    }

    @Test func wrongTokenIsAnAuthenticationFailure() throws {
        let fake = try TwilioFake()
        let sender = try SenderFixtures.twilioSender(baseURL: fake.baseURL, authToken: "wrong-token")
        #expect(
            try Self.send(sender, to: "+15005550009")
                == .permanent(
                    reason:
                        "twilio: error 20003 (HTTP 401): authentication failed; check senders.sms.account_sid "
                        + "and auth_token",
                    optOut: false))
        #expect(try fake.logged().isEmpty)
    }

    @Test func aSlowAnswerWithinTheTimeoutIsSent() throws {
        let fake = try TwilioFake(slow: 0.2)
        let sender = try SenderFixtures.twilioSender(baseURL: fake.baseURL)
        guard case .sent(let sid?) = try Self.send(sender, to: "+15005550006", timeout: 5) else {
            Issue.record("not sent")
            return
        }
        #expect(try fake.logged().first?["sid"] as? String == sid)
    }

    /// The case the dispatcher must handle: no answer in time, yet Twilio (the fake) took the message.
    @Test func aTimeoutIsUnknownBecauseTheMessageMayHaveBeenAccepted() throws {
        let fake = try TwilioFake(slow: 2)
        let sender = try SenderFixtures.twilioSender(baseURL: fake.baseURL)
        let outcome = try Self.send(sender, to: "+15005550006", timeout: 0.3)
        guard case .unknown(let reason) = outcome else {
            Issue.record("expected unknown, got \(outcome)")
            return
        }
        #expect(reason.hasPrefix("twilio: no response (timeout: "))
        #expect(reason.hasSuffix("; Twilio may have accepted it"))
        #expect(!reason.contains("5550006"))
        #expect(try fake.logged().count == 1)
    }
}
