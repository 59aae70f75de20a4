import Foundation

/// Delivers a message by appending one JSON line to a local file (`kind = "file"`).
///
/// The file is the delivery itself, the way an SMS gateway's queue would be: each line carries the full
/// E.164 number and the body, and the file is created readable by its owner only (mode 0600). Each line is
/// `{"id","campaign","step","patient_id","to","body","send_at","attempt","sent_at"}`, written in one `write`
/// with `O_APPEND` and made durable with `fsync` before the attempt counts as sent.
///
/// Sending the same attempt twice (a resend after a crash) appends the line twice; a reader de-duplicates by
/// `id`, which is the same on every attempt. A line cut short by a full disk or a crash is not valid JSON:
/// readers skip it (the message is retried and appended again whole).
public struct FileSender: MessageSender {
    /// The name in careline.toml.
    public let name: String
    /// The JSON-lines file.
    public let path: String

    /// Creates a sender.
    ///
    /// - Parameters:
    ///   - name: The name in careline.toml (`file`).
    ///   - settings: The parsed `[senders.NAME]` table.
    public init(name: String, settings: FileSettings) {
        self.name = name
        self.path = settings.path
    }

    /// Resending is harmless: readers de-duplicate lines by `id`.
    public var resendIsSafe: Bool { true }
    /// No limit: a local file is not a provider.
    public var rate: Double? { nil }
    /// One at a time: every append waits for `fsync`, so more in flight would only contend for the same file.
    public var concurrency: Int { 1 }

    /// Appends the attempt's line.
    ///
    /// - Parameter attempt: The attempt.
    /// - Returns: `.done(.sent(providerID: nil))`, or `.done(.retry(…))` when the file cannot be opened, written
    ///   or synced (disk full, permissions); the reason names the file and the system error, never the body.
    public func prepare(_ attempt: SendAttempt) -> SenderAction {
        let line = Self.line(for: attempt) + "\n"
        if let failure = PrivateFile.append(Array(line.utf8), to: path) {
            return .done(.retry(after: nil, reason: "cannot append to \(path): \(failure)"))
        }
        return .done(.sent(providerID: nil))
    }

    /// Never used: this sender makes no HTTP requests.
    ///
    /// - Parameters:
    ///   - result: Ignored.
    ///   - attempt: Ignored.
    /// - Returns: A permanent failure saying the call was unexpected.
    public func interpret(_ result: Result<HTTPResponse, TransportError>, for attempt: SendAttempt)
        -> SendOutcome
    {
        .permanent(reason: "the file sender makes no HTTP requests", optOut: false)
    }

    /// The JSON object written for an attempt (without the newline); `sent_at` is the attempt's instant.
    ///
    /// - Parameter attempt: The attempt.
    /// - Returns: One line of JSON with keys in a fixed order.
    public static func line(for attempt: SendAttempt) -> String {
        var line = attempt.payloadFields
        line.add("sent_at", OutboxMessage.utcText(attempt.now))
        return line.string
    }

}
