import Foundation

/// One change of one message's state, applied only if the message is still in the state the dispatcher saw.
///
/// The dispatcher holds the only lock that sends, but `careline cancel` and `careline optout add` may run at
/// the same moment: compare-and-set on `from` makes a cancel win over a send that has not started, and keeps a
/// finished send from being overwritten.
public struct MessageUpdate: Sendable, Equatable {
    public var id: String
    /// The state the message must still be in.
    public var from: MessageState
    public var to: MessageState
    /// The new planned instant and its local date in the patient's zone (a reschedule or a retry).
    public var sendAt: Date?
    public var localDate: LocalDate?
    /// The new attempt count (attempts through the current sender).
    public var attempts: Int?
    /// The new position in the sender chain.
    public var senderIndex: Int?
    /// The provider's id of a sent message.
    public var providerID: String?
    /// Why it is not sent (no body, no full number); `nil` leaves the stored reason, `""` clears it.
    public var lastError: String?
    /// A new body (re-rendered for another local date), with its SMS encoding and segment count.
    public var body: (text: String, encoding: SMSEncoding, segments: Int)?
    /// When the change happened.
    public var at: Date

    public init(
        id: String, from: MessageState, to: MessageState, at: Date, sendAt: Date? = nil,
        localDate: LocalDate? = nil, attempts: Int? = nil, senderIndex: Int? = nil, providerID: String? = nil,
        lastError: String? = nil, body: (text: String, encoding: SMSEncoding, segments: Int)? = nil
    ) {
        self.id = id
        self.from = from
        self.to = to
        self.at = at
        self.sendAt = sendAt
        self.localDate = localDate
        self.attempts = attempts
        self.senderIndex = senderIndex
        self.providerID = providerID
        self.lastError = lastError
        self.body = body
    }

    public static func == (lhs: MessageUpdate, rhs: MessageUpdate) -> Bool {
        lhs.id == rhs.id && lhs.from == rhs.from && lhs.to == rhs.to && lhs.sendAt == rhs.sendAt
            && lhs.localDate == rhs.localDate && lhs.attempts == rhs.attempts
            && lhs.senderIndex == rhs.senderIndex
            && lhs.providerID == rhs.providerID && lhs.lastError == rhs.lastError
            && lhs.body?.text == rhs.body?.text
            && lhs.at == rhs.at
    }
}

/// What the dispatcher reads and writes.
///
/// ## Implementation requirements
/// - `apply` is one transaction: when it returns, the changes survive a crash of the process, and with
///   ``CommitDurability/powerLoss`` a power loss too.
/// - `apply` changes a message only when its state is still `from`, and returns the ids it changed.
/// - Never put a phone number, a body or a secret into an error or a log line.
public protocol DispatchStore: OutboxStore {
    /// Pending (`queued`, `retry`) messages planned at or before `now`, by planned instant then id, after
    /// `position` (exclusive) when given, at most `limit`.
    func dueMessages(at now: Date, after position: (sendAt: Date, id: String)?, limit: Int) throws
        -> [OutboxMessage]

    /// Messages in one state, by planned instant then id (the dispatcher's recovery reads `sending`).
    func messages(in state: MessageState, limit: Int) throws -> [OutboxMessage]

    /// Applies the changes that still match, and appends `audit`, in one transaction that survives what
    /// `durability` says.
    ///
    /// - Returns: The ids of the messages changed.
    func apply(_ updates: [MessageUpdate], audit: [AuditEntry], durability: CommitDurability) throws
        -> Set<String>

    /// The campaign file's text as it was when `batchID` was queued, or `nil` (queued by an older careline).
    func campaignSource(batchID: Int64, campaign: String) throws -> String?

    /// Whether the patient, or the phone number, is on the opt-out list.
    func isOptedOut(patientID: String, phone: PhoneNumber) throws -> Bool

    /// The local dates of a patient's messages whose state counts toward caps.
    func capDates(patientID: String) throws -> [LocalDate]

    /// The local dates of a patient's messages that went out or may have (`sent`, `sending`, `unknown`).
    func deliveredDates(patientID: String) throws -> [LocalDate]
}

/// What a committed change must survive.
///
/// Every commit survives a crash of the process. Waiting for the disk (`fsync`) as well costs milliseconds per
/// transaction; the dispatcher asks for it only where losing the change after a power loss could send a text
/// twice: the claim of a message through a sender whose resend is not safe (an SMS provider that does not
/// de-duplicate). A lost claim through a de-duplicating sender (webhooks: the same `webhook-id`) or a lost
/// outcome (the message is found `sending` again and recovered as after a crash) sends nothing twice.
public enum CommitDurability: Sendable {
    /// Survives a crash of the process.
    case processCrash
    /// Survives a power loss too (the transaction waits for `fsync`).
    case powerLoss
}

extension DispatchStore {
    /// Applies the changes that still match, and appends `audit`, in one transaction that survives a power loss.
    ///
    /// - Returns: The ids of the messages changed.
    public func apply(_ updates: [MessageUpdate], audit: [AuditEntry]) throws -> Set<String> {
        try apply(updates, audit: audit, durability: .powerLoss)
    }
}
