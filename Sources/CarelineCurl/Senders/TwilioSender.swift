import CarelineCore
import Foundation

/// Delivers a message through Twilio's Messages API (`kind = "twilio"`).
///
/// Each attempt is `POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json` with HTTP basic auth and a
/// form-encoded body: `To`, `From` or `MessagingServiceSid`, `Body`, and `StatusCallback` when configured.
/// Twilio has no idempotency key for message creation, so a resend may deliver twice: ``resendIsSafe`` is
/// `false` and the dispatcher decides what a maybe-delivered failure means.
///
/// Outcomes: 2xx sent (Twilio's `sid` is the provider id); error 21610 permanent with opt-out; 21211, 21614 and
/// other 4xx permanent (the Twilio code in the reason); 20429, HTTP 429, 408 and 5xx retry (honouring
/// `Retry-After`); 3xx permanent; no response retry. Twilio's own error text is never copied into a reason: it
/// may quote the phone number.
public struct TwilioSender: MessageSender {
    /// The name in careline.toml.
    public let name: String
    /// The parsed settings.
    public let settings: TwilioSettings
    private let authorization: String

    /// Creates a sender.
    ///
    /// - Parameters:
    ///   - name: The name in careline.toml (`sms`).
    ///   - settings: The parsed `[senders.NAME]` table.
    ///   - authToken: The resolved `auth_token` (``Secret/resolve(environment:)``).
    public init(name: String, settings: TwilioSettings, authToken: String) {
        self.name = name
        self.settings = settings
        self.authorization = "Basic " + Data("\(settings.accountSID):\(authToken)".utf8).base64EncodedString()
    }

    /// Resending may deliver twice: Twilio does not de-duplicate.
    public var resendIsSafe: Bool { false }
    /// `rate`, if set.
    public var rate: Double? { settings.rate }
    /// `concurrency` (default 8).
    public var concurrency: Int { settings.concurrency }
    /// `timeout` (default 10 s), for the transport.
    public var timeout: Duration { settings.timeout }

    /// The Messages endpoint: `{base_url}/2010-04-01/Accounts/{sid}/Messages.json`.
    public var endpoint: String {
        "\(settings.baseURL)/2010-04-01/Accounts/\(settings.accountSID)/Messages.json"
    }

    /// Builds the POST for an attempt.
    ///
    /// - Parameter attempt: The attempt.
    /// - Returns: `.http` with the request.
    public func prepare(_ attempt: SendAttempt) -> SenderAction {
        var fields = [("To", attempt.message.recipient.e164)]
        switch settings.origin {
        case .from(let number): fields.append(("From", number.e164))
        case .messagingService(let sid): fields.append(("MessagingServiceSid", sid))
        }
        fields.append(("Body", attempt.message.body))
        if let callback = settings.statusCallback { fields.append(("StatusCallback", callback)) }
        return .http(
            HTTPRequest(
                method: "POST", url: endpoint,
                headers: [
                    ("Authorization", authorization),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Accept", "application/json"),
                ],
                body: Array(Self.formEncode(fields).utf8)))
    }

    /// Encodes `name=value` pairs joined by `&`, percent-encoding UTF-8 bytes outside RFC 3986's unreserved set
    /// (so a space is `%20` and `+` is `%2B`).
    ///
    /// - Parameter fields: The pairs in order.
    /// - Returns: The form body.
    public static func formEncode(_ fields: [(String, String)]) -> String {
        fields.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes every UTF-8 byte except `A-Z a-z 0-9 - . _ ~`, with upper-case hex.
    ///
    /// - Parameter text: Any text.
    /// - Returns: The encoded text.
    public static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Maps Twilio's answer to an outcome.
    ///
    /// - Parameters:
    ///   - result: The response, or why there was none.
    ///   - attempt: The attempt (its instant anchors an HTTP-date `Retry-After`).
    /// - Returns: The outcome; reasons carry the HTTP status and Twilio code, never the number or the body.
    public func interpret(_ result: Result<HTTPResponse, TransportError>, for attempt: SendAttempt)
        -> SendOutcome
    {
        let response: HTTPResponse
        switch result {
        case .failure(let error):
            guard error.mayHaveBeenDelivered else {
                return .retry(after: nil, reason: "twilio: no response (\(error))")
            }
            // Twilio has no idempotency key: resending after a timeout can text the patient twice.
            return .unknown(reason: "twilio: no response (\(error)); Twilio may have accepted it")
        case .success(let value):
            response = value
        }
        let status = response.status
        let json = Self.jsonObject(response.body)
        if (200...299).contains(status) {
            return .sent(providerID: json?["sid"] as? String)
        }
        let code = json.flatMap { Self.integer($0["code"]) }
        let label = code.map { "twilio: error \($0) (HTTP \(status))" } ?? "twilio: HTTP \(status)"
        switch (code, status) {
        case (21610?, _):
            return .permanent(
                reason: "\(label): the recipient replied STOP and is unsubscribed until they send START",
                optOut: true)
        case (21211?, _):
            return .permanent(reason: "\(label): the To number is not a valid phone number", optOut: false)
        case (21614?, _):
            return .permanent(reason: "\(label): the To number is not a mobile number", optOut: false)
        case (20429?, _), (_, 429), (_, 408), (_, 500...599):
            return .retry(after: RetryAfter.delay(in: response, now: attempt.now), reason: label)
        case (_, 300...399):
            return .permanent(
                reason: "\(label): redirects are not followed; fix senders.\(name).base_url", optOut: false)
        case (20003?, _), (_, 401):
            return .permanent(
                reason: "\(label): authentication failed; check senders.\(name).account_sid and auth_token",
                optOut: false)
        case (_, 400...499):
            let more = code.map { "; see https://www.twilio.com/docs/errors/\($0)" } ?? ""
            return .permanent(reason: "\(label): Twilio rejected the message\(more)", optOut: false)
        default:
            return .retry(after: nil, reason: "\(label): unexpected status")
        }
    }

    /// A JSON number as an `Int` (Foundation may hand it over as `Int` or as `NSNumber`).
    private static func integer(_ value: Any?) -> Int? {
        if let number = value as? Int { return number }
        return (value as? NSNumber)?.intValue
    }

    /// The response body as a JSON object, or `nil`.
    private static func jsonObject(_ body: [UInt8]) -> [String: Any]? {
        guard !body.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
}
