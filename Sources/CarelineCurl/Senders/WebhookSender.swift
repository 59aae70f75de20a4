import CarelineCore
import Foundation

/// Delivers a message as a signed JSON POST (`kind = "webhook"`, Standard Webhooks).
///
/// The body is `{"id","campaign","step","patient_id","to","body","send_at","attempt"}` with the full E.164
/// number and `send_at` in UTC. Headers: `content-type: application/json`, `webhook-id` (the message id, the
/// same on every attempt, so the receiver de-duplicates by it), `webhook-timestamp` (the attempt's instant in
/// Unix seconds) and `webhook-signature` (`v1,…`).
///
/// Outcomes: 2xx sent; 408, 429 and 5xx retry (honouring `Retry-After`); 3xx permanent (redirects are not
/// followed); 410 and other 4xx permanent; no response retry.
public struct WebhookSender: MessageSender {
    /// The name in careline.toml.
    public let name: String
    /// The parsed settings.
    public let settings: WebhookSettings
    private let signature: WebhookSignature

    /// Creates a sender.
    ///
    /// - Parameters:
    ///   - name: The name in careline.toml (`hook`).
    ///   - settings: The parsed `[senders.NAME]` table.
    ///   - secret: The resolved `secret` (``Secret/resolve(environment:)``): `whsec_` + base64.
    /// - Throws: ``ConfigurationError`` at `senders.NAME.secret` when the secret is not `whsec_` + base64.
    public init(name: String, settings: WebhookSettings, secret: String) throws(ConfigurationError) {
        self.name = name
        self.settings = settings
        self.signature = WebhookSignature(key: try settings.signingKey(resolved: secret))
    }

    /// Resending is harmless: receivers de-duplicate by `webhook-id`.
    public var resendIsSafe: Bool { true }
    /// `rate`, if set.
    public var rate: Double? { settings.rate }
    /// `concurrency` (default 8).
    public var concurrency: Int { settings.concurrency }
    /// `timeout` (default 10 s), for the transport.
    public var timeout: Duration { settings.timeout }

    /// Builds the signed POST for an attempt.
    ///
    /// - Parameter attempt: The attempt; its instant is the `webhook-timestamp`.
    /// - Returns: `.http` with the request.
    public func prepare(_ attempt: SendAttempt) -> SenderAction {
        let body = Self.payload(for: attempt)
        let id = attempt.message.id
        let timestamp = Int(attempt.now.timeIntervalSince1970.rounded(.down))
        return .http(
            HTTPRequest(
                method: "POST", url: settings.url,
                headers: [
                    ("content-type", "application/json"),
                    ("webhook-id", id),
                    ("webhook-timestamp", String(timestamp)),
                    ("webhook-signature", signature.sign(id: id, timestamp: timestamp, body: body)),
                ],
                body: body))
    }

    /// The JSON body for an attempt, exactly as sent and signed.
    ///
    /// - Parameter attempt: The attempt.
    /// - Returns: UTF-8 JSON, keys in a fixed order.
    public static func payload(for attempt: SendAttempt) -> [UInt8] {
        Array(attempt.payloadFields.string.utf8)
    }

    /// Maps the receiver's answer to an outcome.
    ///
    /// - Parameters:
    ///   - result: The response, or why there was none.
    ///   - attempt: The attempt (its instant anchors an HTTP-date `Retry-After`).
    /// - Returns: The outcome; reasons name the status, never the body.
    public func interpret(_ result: Result<HTTPResponse, TransportError>, for attempt: SendAttempt)
        -> SendOutcome
    {
        let response: HTTPResponse
        switch result {
        case .failure(let error):
            return .retry(after: nil, reason: "webhook: no response (\(error))")
        case .success(let value):
            response = value
        }
        let status = response.status
        switch status {
        case 200...299:
            return .sent(providerID: nil)
        case 300...399:
            return .permanent(
                reason:
                    "webhook: HTTP \(status): redirects are not followed; fix the URL in senders.\(name).url",
                optOut: false)
        case 408, 429, 500...599:
            return .retry(
                after: RetryAfter.delay(in: response, now: attempt.now), reason: "webhook: HTTP \(status)")
        case 410:
            return .permanent(
                reason: "webhook: HTTP 410: the receiver disabled this endpoint; check senders.\(name).url",
                optOut: false)
        case 400...499:
            return .permanent(
                reason: "webhook: HTTP \(status): the receiver rejected the message", optOut: false)
        default:
            return .retry(after: nil, reason: "webhook: unexpected HTTP status \(status)")
        }
    }
}
