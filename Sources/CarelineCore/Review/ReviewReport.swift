import Foundation

/// Everything a reviewer sees about one batch before it may be sent: what `careline review` prints as text,
/// JSON or one self-contained HTML page.
///
/// Built from the store by ``ReviewBuilder``; the renderers (`text`, `json`, `html`) only format it. Phones are
/// masked in every field; bodies are shown (that is the point of a review) but never logged.
public struct ReviewReport: Sendable, Equatable {
    /// Where the batch stands with its approval.
    public enum Approval: Sendable, Equatable {
        /// None of its campaigns needs approval.
        case notRequired
        /// It needs approval and has none; it has waited since it was queued.
        case waiting(since: Date)
        /// Approved, and every message still matches what was approved.
        case approved(reviewer: String, at: Date, note: String?)
        /// Approved, but `changed` messages differ from what was approved (held until approved again).
        case changedSinceApproval(reviewer: String, at: Date, note: String?, changed: Int)
        /// Rejected: the batch is cancelled.
        case rejected(reviewer: String, at: Date, note: String)
    }

    /// Messages left out when the batch was queued, by reason (from the queue run's report).
    public struct Skipped: Sendable, Equatable {
        public var duplicate: Int
        public var optedOut: Int
        public var expired: Int
        public var capped: Int
        public var invalid: Int

        public init(
            duplicate: Int = 0, optedOut: Int = 0, expired: Int = 0, capped: Int = 0, invalid: Int = 0
        ) {
            self.duplicate = duplicate
            self.optedOut = optedOut
            self.expired = expired
            self.capped = capped
            self.invalid = invalid
        }
    }

    /// The estimated cost through one sender: every message's segments at that sender's price.
    public struct Cost: Sendable, Equatable {
        /// The sender (the first of each message's chain).
        public var sender: String
        public var messages: Int
        public var segments: Int
        /// `price_per_segment` from careline.toml, or `nil` when not configured (then no total).
        public var pricePerSegment: Double?
        /// `currency` from careline.toml (ISO 4217), if configured.
        public var currency: String?

        public init(sender: String, messages: Int, segments: Int, pricePerSegment: Double?, currency: String?)
        {
            self.sender = sender
            self.messages = messages
            self.segments = segments
            self.pricePerSegment = pricePerSegment
            self.currency = currency
        }

        /// segments × price, or `nil` without a price.
        public var total: Double? { pricePerSegment.map { Double(segments) * $0 } }
    }

    /// One message as a reviewer sees it.
    public struct Message: Sendable, Equatable {
        public var id: String
        public var campaign: String
        public var step: String
        public var patientID: String
        /// The recipient, masked (`+86138****8000`).
        public var to: String
        /// The planned instant (UTC).
        public var sendAt: Date
        /// The planned instant in the patient's zone, e.g. `2026-12-01 19:00 Asia/Shanghai`.
        public var sendAtLocal: String
        public var state: MessageState
        public var senders: [String]
        public var body: String
        public var encoding: SMSEncoding
        /// GSM-7 septets or UCS-2 units.
        public var units: Int
        public var segments: Int
        /// The characters that forced UCS-2 (empty for GSM-7).
        public var forcedUCS2By: [String]
        /// For people: "changed since approval", "needs UCS-2 because of “", "3 parts", …
        public var warnings: [String]

        public init(
            id: String, campaign: String, step: String, patientID: String, to: String, sendAt: Date,
            sendAtLocal: String, state: MessageState, senders: [String], body: String, encoding: SMSEncoding,
            units: Int, segments: Int, forcedUCS2By: [String], warnings: [String]
        ) {
            self.id = id
            self.campaign = campaign
            self.step = step
            self.patientID = patientID
            self.to = to
            self.sendAt = sendAt
            self.sendAtLocal = sendAtLocal
            self.state = state
            self.senders = senders
            self.body = body
            self.encoding = encoding
            self.units = units
            self.segments = segments
            self.forcedUCS2By = forcedUCS2By
            self.warnings = warnings
        }
    }

    public var batchID: Int64
    public var campaigns: [String]
    public var queuedAt: Date
    public var queuedBy: String
    /// When the report was made.
    public var generatedAt: Date
    public var approval: Approval
    /// The batch's messages now, by state.
    public var states: [MessageState: Int]
    /// Messages that will be sent if approved: `queued` and `retry`.
    public var pending: Int
    public var skipped: Skipped
    /// Pending messages per local date of the patient (in date order).
    public var perDay: [(date: LocalDate, count: Int)]
    /// Pending messages per local hour of the patient, 0-23 (all 24 hours, zeros included).
    public var perHour: [Int]
    /// Segments of the pending messages.
    public var segments: Int
    /// Per first sender of the chain.
    public var costs: [Cost]
    /// The longest pending bodies (most units first), at most 5.
    public var longest: [Message]
    /// Every pending body that needs UCS-2, with the characters that forced it.
    public var ucs2: [Message]
    /// The messages shown in full.
    public var sample: [Message]
    /// Whether `sample` is every pending message.
    public var sampleIsAll: Bool

    public init(
        batchID: Int64, campaigns: [String], queuedAt: Date, queuedBy: String, generatedAt: Date,
        approval: Approval, states: [MessageState: Int], pending: Int, skipped: Skipped,
        perDay: [(date: LocalDate, count: Int)], perHour: [Int], segments: Int, costs: [Cost],
        longest: [Message],
        ucs2: [Message], sample: [Message], sampleIsAll: Bool
    ) {
        self.batchID = batchID
        self.campaigns = campaigns
        self.queuedAt = queuedAt
        self.queuedBy = queuedBy
        self.generatedAt = generatedAt
        self.approval = approval
        self.states = states
        self.pending = pending
        self.skipped = skipped
        self.perDay = perDay
        self.perHour = perHour
        self.segments = segments
        self.costs = costs
        self.longest = longest
        self.ucs2 = ucs2
        self.sample = sample
        self.sampleIsAll = sampleIsAll
    }

    public static func == (lhs: ReviewReport, rhs: ReviewReport) -> Bool {
        lhs.batchID == rhs.batchID && lhs.campaigns == rhs.campaigns && lhs.queuedAt == rhs.queuedAt
            && lhs.queuedBy == rhs.queuedBy && lhs.generatedAt == rhs.generatedAt
            && lhs.approval == rhs.approval
            && lhs.states == rhs.states && lhs.pending == rhs.pending && lhs.skipped == rhs.skipped
            && lhs.perDay.map(\.date) == rhs.perDay.map(\.date)
            && lhs.perDay.map(\.count) == rhs.perDay.map(\.count)
            && lhs.perHour == rhs.perHour && lhs.segments == rhs.segments && lhs.costs == rhs.costs
            && lhs.longest == rhs.longest && lhs.ucs2 == rhs.ucs2 && lhs.sample == rhs.sample
            && lhs.sampleIsAll == rhs.sampleIsAll
    }
}
