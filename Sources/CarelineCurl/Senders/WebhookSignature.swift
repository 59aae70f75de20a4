import CarelineCore
import Crypto
import Foundation

/// Signs webhook deliveries the Standard Webhooks way (symmetric, `v1`).
///
/// The signature is `v1,` + base64(HMAC-SHA256(key, "\(id).\(timestamp).\(body)")), where the key is the
/// base64-decoded part of the `whsec_…` secret. The body must be signed exactly as sent: re-serialised JSON
/// would not verify. The key is never shown by `description` or `dump`.
public struct WebhookSignature: Sendable, CustomStringConvertible, CustomReflectable {
    /// The raw key; `SymmetricKey` is not `Sendable` in swift-crypto 3, so one is made per call (cheap).
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// Creates a signer from the raw key bytes.
    ///
    /// - Parameter key: The HMAC key (24-64 random bytes per the standard).
    public init(key: [UInt8]) {
        self.keyBytes = key
    }

    /// Creates a signer from a `whsec_…` secret.
    ///
    /// - Parameter secret: `whsec_` + base64 (padding optional), as a receiver shows it.
    /// - Returns: `nil` when the secret does not have that shape (see ``WebhookSettings/signingKey(fromSecret:)``).
    public init?(secret: String) {
        guard let key = WebhookSettings.signingKey(fromSecret: secret) else { return nil }
        self.init(key: key)
    }

    /// The `webhook-signature` header value for one delivery.
    ///
    /// - Parameters:
    ///   - id: The `webhook-id` (the message id; contains no `.`).
    ///   - timestamp: The `webhook-timestamp`, Unix seconds.
    ///   - body: The body bytes exactly as sent.
    /// - Returns: `v1,<base64 signature>`.
    public func sign(id: String, timestamp: Int, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Self.content(id: id, timestamp: timestamp, body: body), using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Checks a `webhook-signature` header as a receiver would (for tests and fakes).
    ///
    /// Every space-separated `v1,<base64>` entry is tried in constant time; other versions are ignored. The
    /// timestamp's age is not checked: that needs the receiver's clock.
    ///
    /// - Parameters:
    ///   - header: The `webhook-signature` value, possibly several entries.
    ///   - id: The `webhook-id`.
    ///   - timestamp: The `webhook-timestamp`, Unix seconds.
    ///   - body: The body bytes as received.
    /// - Returns: Whether one `v1` entry matches.
    public func verify(header: String, id: String, timestamp: Int, body: [UInt8]) -> Bool {
        let content = Self.content(id: id, timestamp: timestamp, body: body)
        for entry in header.split(separator: " ") {
            guard entry.hasPrefix("v1,"), let mac = Data(base64Encoded: String(entry.dropFirst(3))),
                !mac.isEmpty
            else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: content, using: key) {
                return true
            }
        }
        return false
    }

    private static func content(id: String, timestamp: Int, body: [UInt8]) -> [UInt8] {
        Array("\(id).\(timestamp).".utf8) + body
    }

    /// `WebhookSignature(v1, key hidden)`.
    public var description: String { "WebhookSignature(v1, key hidden)" }

    /// A mirror without the key.
    public var customMirror: Mirror { Mirror(self, children: []) }
}
