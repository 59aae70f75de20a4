import Foundation

/// One attempt to deliver one message through one sender.
public struct SendAttempt: Sendable, Equatable {
    public var message: OutboxMessage
    /// 1 for the first try; the same number again when a crashed attempt is resent.
    public var attempt: Int
    /// The instant of the attempt (the dispatcher's clock).
    public var now: Date

    public init(message: OutboxMessage, attempt: Int, now: Date) {
        self.message = message
        self.attempt = attempt
        self.now = now
    }
}

extension SendAttempt {
    /// `{"id","campaign","step","patient_id","to","body","send_at","attempt"` — the fields every sender that writes
    /// JSON delivers (the webhook body; the file sender's line adds `sent_at`). The object is left open.
    public var payloadFields: JSONLine {
        var line = JSONLine()
        line.add("id", message.id)
        line.add("campaign", message.campaign)
        line.add("step", message.step)
        line.add("patient_id", message.patientID)
        line.add("to", message.recipient.e164)
        line.add("body", message.body)
        line.add("send_at", OutboxMessage.utcText(message.sendAt))
        line.add("attempt", attempt)
        return line
    }
}

/// What became of an attempt.
public enum SendOutcome: Sendable, Equatable {
    /// Accepted by the provider; `providerID` is its id for the message (Twilio's `sid`), if any.
    case sent(providerID: String?)
    /// Try again later (429, 5xx, 408, timeouts); `after` is the provider's `Retry-After`, if it gave one.
    case retry(after: Duration?, reason: String)
    /// Never going to work through this sender (4xx, bad number). `optOut` when the provider says the recipient
    /// unsubscribed (Twilio 21610): the dispatcher records an opt-out.
    case permanent(reason: String, optOut: Bool)
    /// No answer, and the provider may have accepted the message anyway (a timeout or a connection broken after
    /// the request went out) through a sender whose resend is not safe. The message becomes `unknown`: it is
    /// never resent on its own; someone checks the provider and settles it with `careline reconcile`.
    case unknown(reason: String)
}

/// What a sender needs done for an attempt.
public enum SenderAction: Sendable, Equatable {
    /// Make this request, then ask ``MessageSender/interpret(_:for:)``.
    case http(HTTPRequest)
    /// Already done (the file sender appends its line itself).
    case done(SendOutcome)
}

/// A configured way of delivering messages: `[senders.NAME]` in careline.toml.
///
/// ## Implementation requirements
/// - Never put a full phone number, a body or a secret into a reason, an error or a log line.
public protocol MessageSender: Sendable {
    /// The name in careline.toml (`sms`, `hook`, `file`).
    var name: String { get }
    /// Whether sending the same attempt twice is harmless (the receiver de-duplicates, as webhooks do by
    /// `webhook-id`). After a crash, a message left `sending` is resent only through such a sender; otherwise it
    /// becomes `unknown`.
    var resendIsSafe: Bool { get }
    /// Messages per second at most (`rate`), or `nil` for no limit.
    var rate: Double? { get }
    /// Requests in flight at most (`concurrency`, default 8).
    var concurrency: Int { get }
    /// Prepares an attempt: the HTTP request to make, or the outcome when the sender does the work itself.
    func prepare(_ attempt: SendAttempt) -> SenderAction
    /// Maps the transport's result for a prepared request to an outcome.
    func interpret(_ result: Result<HTTPResponse, TransportError>, for attempt: SendAttempt) -> SendOutcome
}
