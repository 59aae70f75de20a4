import Foundation

/// One planned message: who gets what, when, through which senders, and where it is in its life.
public struct OutboxMessage: Sendable, Equatable {
    /// A stable id (`msg_…`); the webhook id on every attempt.
    public var id: String
    public var batchID: Int64
    public var campaign: String
    /// The step as written in the schedule (`-3d`), or `at` for a one-off broadcast.
    public var step: String
    public var patientID: String
    public var recipient: PhoneNumber
    /// Sender names in fallback order.
    public var senders: [String]
    /// The step's due local date (date field + offset, or the broadcast date).
    public var dueDate: LocalDate
    /// The planned instant.
    public var sendAt: Date
    /// The local date of `sendAt` in `timeZone` (caps count by it).
    public var localDate: LocalDate
    /// The patient's zone used for planning (IANA identifier).
    public var timeZone: String
    /// After this instant the message is expired, not sent.
    public var expiresAt: Date
    public var body: String
    public var encoding: SMSEncoding
    public var segments: Int
    /// campaign + patient + step + due date: queuing the same step twice is impossible.
    public var idempotencyKey: String
    public var state: MessageState
    /// Attempts through the current sender (the webhook's `attempt`); starts again at 0 on the next sender.
    public var attempts: Int
    public var createdAt: Date
    /// Which of `senders` is in use: 0 for the first; a permanent failure moves to the next.
    public var senderIndex: Int
    /// The provider's id for the sent message (Twilio's `sid`), once sent.
    public var providerID: String?
    /// Why the last attempt did not succeed (status, provider code), never a body or a full number.
    public var lastError: String?
    /// Whether its campaign needs a reviewer's approval before it is sent (decided when it was queued).
    public var requiresApproval: Bool
    /// When a retention purge erased its body and full number, or `nil` while it has them.
    ///
    /// A purged message is finished (sent, failed, expired, cancelled); its `body` is empty and its
    /// `recipient` is redacted (``PhoneNumber/isRedacted``, the masked form only). Ids, states, dates, the
    /// content hash, approvals and the audit trail stay.
    public var purgedAt: Date?

    /// Whether a retention purge erased its body and full number.
    public var isPurged: Bool { purgedAt != nil }

    /// The sender in use, or `nil` when the chain is exhausted.
    public var currentSender: String? { senderIndex < senders.count ? senders[senderIndex] : nil }

    public init(
        id: String, batchID: Int64, campaign: String, step: String, patientID: String, recipient: PhoneNumber,
        senders: [String], dueDate: LocalDate, sendAt: Date, localDate: LocalDate, timeZone: String,
        expiresAt: Date, body: String, encoding: SMSEncoding, segments: Int, idempotencyKey: String,
        state: MessageState = .queued, attempts: Int = 0, createdAt: Date, senderIndex: Int = 0,
        providerID: String? = nil, lastError: String? = nil, requiresApproval: Bool = false,
        purgedAt: Date? = nil
    ) {
        self.purgedAt = purgedAt
        self.requiresApproval = requiresApproval
        self.senderIndex = senderIndex
        self.providerID = providerID
        self.lastError = lastError
        self.id = id
        self.batchID = batchID
        self.campaign = campaign
        self.step = step
        self.patientID = patientID
        self.recipient = recipient
        self.senders = senders
        self.dueDate = dueDate
        self.sendAt = sendAt
        self.localDate = localDate
        self.timeZone = timeZone
        self.expiresAt = expiresAt
        self.body = body
        self.encoding = encoding
        self.segments = segments
        self.idempotencyKey = idempotencyKey
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
    }

    /// The idempotency key of a step: campaign, patient, step and due date.
    public static func idempotencyKey(campaign: String, patientID: String, step: String, dueDate: LocalDate)
        -> String
    {
        "\(campaign)|\(patientID)|\(step)|\(dueDate.iso)"
    }
}
