import CarelineCore
import Foundation
import Testing

@testable import CarelineCurl

@Suite("TwilioSender")
struct TwilioSenderTests {
    static let encodedBody =
        "%E3%80%90%E6%98%8E%E5%BE%B7%E7%9C%BC%E7%A7%91%E3%80%91%E7%8E%8B%E5%A5%B3%E5%A3%AB%EF%BC%8C%E6%82%A8%E5%A5%BD"
        + "%EF%BC%9A%0A%E8%AF%B7%E4%BA%8E12%E6%9C%884%E6%97%A5%E5%A4%8D%E6%9F%A5%E3%80%82%E5%9B%9ET%E9%80%80%E8%AE%A2"
        + "%20%22ok%22%2050%25%20%26%20more%2B"

    @Test func buildsAFormPostWithBasicAuth() throws {
        let sender = try SenderFixtures.twilioSender()
        let request = try SenderFixtures.request(sender.prepare(try SenderFixtures.attempt()))
        #expect(request.method == "POST")
        #expect(
            request.url
                == "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
        )
        #expect(request.headers.map(\.name) == ["Authorization", "Content-Type", "Accept"])
        #expect(
            request.headers.map(\.value) == [
                "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjpmYWtlLWF1dGgtdG9rZW4=",
                "application/x-www-form-urlencoded", "application/json",
            ])
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "To=%2B8613800138000&From=%2B15005550006&Body=\(Self.encodedBody)")
    }

    @Test func messagingServiceAndStatusCallback() throws {
        let sender = try SenderFixtures.twilioSender(
            baseURL: "http://127.0.0.1:8080/", origin: .messagingService(SenderFixtures.serviceSID),
            statusCallback: "https://clinic.example.org/twilio/status?c=1")
        let request = try SenderFixtures.request(sender.prepare(try SenderFixtures.attempt()))
        #expect(
            request.url
                == "http://127.0.0.1:8080/2010-04-01/Accounts/\(SenderFixtures.accountSID)/Messages.json")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "To=%2B8613800138000&MessagingServiceSid=\(SenderFixtures.serviceSID)&Body=\(Self.encodedBody)"
                + "&StatusCallback=https%3A%2F%2Fclinic.example.org%2Ftwilio%2Fstatus%3Fc%3D1")
    }

    @Test func exposesItsSettings() throws {
        let sender = try SenderFixtures.twilioSender()
        #expect(sender.name == "sms")
        #expect(!sender.resendIsSafe)
        #expect(sender.rate == nil)
        #expect(sender.concurrency == 8)
        #expect(sender.timeout == .seconds(10))
    }

    @Test(arguments: [
        ("a b+c", "a%20b%2Bc"), ("A-Z_a.z~09", "A-Z_a.z~09"), ("=&?/#%", "%3D%26%3F%2F%23%25"),
        ("é", "%C3%A9"), ("😀", "%F0%9F%98%80"), ("\n\r", "%0A%0D"), ("", ""),
    ])
    func percentEncoding(text: String, encoded: String) {
        #expect(TwilioSender.percentEncode(text) == encoded)
    }

    static func error(_ code: Int, _ status: Int) -> [UInt8] {
        Array(
            #"{"code": \#(code), "message": "The 'To' number +8613800138000 is not valid", "more_info": "https://www.twilio.com/docs/errors/\#(code)", "status": \#(status)}"#
                .utf8)
    }

    static let created = Array(
        #"{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "to": "+8613800138000"}"#.utf8)

    @Test(
        arguments: [
            (201, [:], created, SendOutcome.sent(providerID: "SM0123456789abcdef0123456789abcdef")),
            (200, [:], created, .sent(providerID: "SM0123456789abcdef0123456789abcdef")),
            (201, [:], Array("not json".utf8), .sent(providerID: nil)),
            (
                400, [:], error(21211, 400),
                .permanent(
                    reason: "twilio: error 21211 (HTTP 400): the To number is not a valid phone number",
                    optOut: false)
            ),
            (
                400, [:], error(21614, 400),
                .permanent(
                    reason: "twilio: error 21614 (HTTP 400): the To number is not a mobile number",
                    optOut: false)
            ),
            (
                400, [:], error(21610, 400),
                .permanent(
                    reason:
                        "twilio: error 21610 (HTTP 400): the recipient replied STOP and is unsubscribed until they send START",
                    optOut: true)
            ),
            (
                429, ["retry-after": "2"], error(20429, 429),
                .retry(after: .seconds(2), reason: "twilio: error 20429 (HTTP 429)")
            ),
            (429, [:], [], .retry(after: nil, reason: "twilio: HTTP 429")),
            (400, [:], error(20429, 400), .retry(after: nil, reason: "twilio: error 20429 (HTTP 400)")),
            (500, [:], error(20500, 500), .retry(after: nil, reason: "twilio: error 20500 (HTTP 500)")),
            (
                503, ["retry-after": "7"], Array("<html>".utf8),
                .retry(after: .seconds(7), reason: "twilio: HTTP 503")
            ),
            (408, [:], [], .retry(after: nil, reason: "twilio: HTTP 408")),
            (
                400, [:], error(21617, 400),
                .permanent(
                    reason:
                        "twilio: error 21617 (HTTP 400): Twilio rejected the message; see https://www.twilio.com/docs/errors/21617",
                    optOut: false)
            ),
            (
                400, [:], error(21408, 400),
                .permanent(
                    reason:
                        "twilio: error 21408 (HTTP 400): Twilio rejected the message; see https://www.twilio.com/docs/errors/21408",
                    optOut: false)
            ),
            (
                404, [:], [],
                .permanent(reason: "twilio: HTTP 404: Twilio rejected the message", optOut: false)
            ),
            (
                401, [:], error(20003, 401),
                .permanent(
                    reason:
                        "twilio: error 20003 (HTTP 401): authentication failed; check senders.sms.account_sid and auth_token",
                    optOut: false)
            ),
            (
                302, [:], [],
                .permanent(
                    reason: "twilio: HTTP 302: redirects are not followed; fix senders.sms.base_url",
                    optOut: false)
            ),
            (100, [:], [], .retry(after: nil, reason: "twilio: HTTP 100: unexpected status")),
        ] as [(Int, [String: String], [UInt8], SendOutcome)])
    func mapsResponse(status: Int, headers: [String: String], body: [UInt8], outcome: SendOutcome) throws {
        let sender = try SenderFixtures.twilioSender()
        let response = HTTPResponse(status: status, headers: headers, body: body)
        let result = sender.interpret(.success(response), for: try SenderFixtures.attempt())
        #expect(result == outcome)
        let reason: String
        switch result {
        case .sent: return
        case .retry(_, let text), .permanent(let text, _), .unknown(let text): reason = text
        }
        #expect(!reason.contains("8613800138000"))
    }

    @Test(arguments: [
        (
            TransportError.Code.connect,
            SendOutcome.retry(after: nil, reason: "twilio: no response (connect: refused)")
        ),
        (.tls, .retry(after: nil, reason: "twilio: no response (tls: refused)")),
        (.timeout, .unknown(reason: "twilio: no response (timeout: refused); Twilio may have accepted it")),
        (.other, .unknown(reason: "twilio: no response (other: refused); Twilio may have accepted it")),
    ])
    func transportFailuresRetryOnlyWhenNothingCanHaveBeenSent(code: TransportError.Code, outcome: SendOutcome)
        throws
    {
        let sender = try SenderFixtures.twilioSender()
        let result = sender.interpret(
            .failure(TransportError(code, "refused")), for: try SenderFixtures.attempt())
        #expect(result == outcome)
    }
}
