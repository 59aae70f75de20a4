import Foundation

/// Counts of an import.
public struct ImportSummary: Sendable, Equatable {
    public var inserted: Int
    public var updated: Int
    public var unchanged: Int

    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
    }
}

/// What a retention purge erased (or would erase): finished messages by state.
public struct PurgeCount: Sendable, Equatable {
    /// Purged messages per state; only finished states (``MessageState/isFinished``) appear.
    public var byState: [MessageState: Int]

    /// Creates a count.
    ///
    /// - Parameter byState: Purged messages per state.
    public init(byState: [MessageState: Int] = [:]) {
        self.byState = byState.filter { $0.value > 0 }
    }

    /// How many messages in all.
    public var total: Int { byState.values.reduce(0, +) }

    /// `purged=5 sent=3 failed=1 expired=0 cancelled=1`: the audit detail a store appends (no body, no phone).
    public var auditText: String {
        "purged=\(total) "
            + MessageState.allCases.filter(\.isFinished).map { "\($0.rawValue)=\(byState[$0] ?? 0)" }
            .joined(separator: " ")
    }
}

/// An opt-out: a phone number or a patient that must not be messaged.
public struct OptOut: Sendable, Equatable {
    public var phone: PhoneNumber?
    public var patientID: String?
    public var reason: String?
    public var at: Date
    /// Who or what recorded it (`careline optout add`, `import`, `twilio 21610`).
    public var source: String

    public init(phone: PhoneNumber?, patientID: String?, reason: String?, at: Date, source: String) {
        self.phone = phone
        self.patientID = patientID
        self.reason = reason
        self.at = at
        self.source = source
    }
}

/// One queue run.
public struct BatchRecord: Sendable, Equatable {
    public var id: Int64
    public var campaigns: [String]
    public var createdAt: Date
    public var createdBy: String
    /// How many messages the run queued.
    public var queued: Int
    /// What the run left out, by reason.
    public var skipped: ReviewReport.Skipped = ReviewReport.Skipped()

    public init(
        id: Int64, campaigns: [String], createdAt: Date, createdBy: String, queued: Int,
        skipped: ReviewReport.Skipped = ReviewReport.Skipped()
    ) {
        self.skipped = skipped
        self.id = id
        self.campaigns = campaigns
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.queued = queued
    }
}

/// Which messages a query selects.
public struct MessageFilter: Sendable, Equatable {
    public var campaign: String?
    public var batchID: Int64?
    public var state: MessageState?
    public var id: String?
    public var patientID: String?

    public init(
        campaign: String? = nil, batchID: Int64? = nil, state: MessageState? = nil, id: String? = nil,
        patientID: String? = nil
    ) {
        self.campaign = campaign
        self.batchID = batchID
        self.state = state
        self.id = id
        self.patientID = patientID
    }
}

/// Counts per campaign and state, for `careline status`.
public struct OutboxStatus: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var campaign: String
        public var state: MessageState
        public var count: Int
        public init(campaign: String, state: MessageState, count: Int) {
            self.campaign = campaign
            self.state = state
            self.count = count
        }
    }
    public var rows: [Row]
    /// The earliest planned instant of a pending message.
    public var nextSendAt: Date?
    public var batches: [BatchRecord]
    /// Messages whose delivery is unknown (they wait for `careline reconcile`), oldest planned first.
    public var unknownMessages: [OutboxMessage] = []
    /// Where each listed batch stands with its approval (filled by the caller; empty = not shown).
    public var approvals: [Int64: ReviewReport.Approval] = [:]

    public init(rows: [Row], nextSendAt: Date?, batches: [BatchRecord]) {
        self.rows = rows
        self.nextSendAt = nextSendAt
        self.batches = batches
    }
}

/// The patients: imported from the clinic's export, read when queuing.
///
/// ## Implementation requirements
/// - Every write is one transaction: all of it or nothing.
/// - Never put a phone number, a body or other patient data into an error or a log line.
public protocol PatientStore: Sendable {
    /// Writes every patient `produce` emits in one transaction: new ids are inserted, changed ones updated (by
    /// `Patient.contentDigest`), unchanged ones not rewritten; appends `audit` (with the counts added to its
    /// detail). When `produce` throws, nothing is written and the error is rethrown.
    func upsertPatients(
        audit: AuditEntry, _ produce: (_ emit: (Patient) throws -> Void) throws -> Void
    ) throws -> ImportSummary

    /// One patient, or `nil`.
    func patient(id: String) throws -> Patient?

    /// How many patients there are.
    func patientCount() throws -> Int
}

/// What a queue run does inside its one transaction: read patients, opt-outs and caps, insert messages.
///
/// ## Implementation requirements
/// - Every call reads and writes through the run's transaction (its own inserts are visible to it).
/// - `insert` writes nothing and returns false when the idempotency key is already in the outbox.
public protocol BatchWriter {
    /// The id of the batch being written.
    var batchID: Int64 { get }
    /// Every patient in id order, streamed.
    func forEachPatient(_ body: (Patient) throws -> Void) throws
    /// Whether an idempotency key is already in the outbox.
    func containsKey(_ key: String) throws -> Bool
    /// Inserts a message; false when its idempotency key exists (nothing written).
    func insert(_ message: OutboxMessage) throws -> Bool
    /// The local dates (``OutboxMessage/localDate``) of a patient's messages whose state counts toward caps.
    func capDates(patientID: String) throws -> [LocalDate]
    /// Whether the patient, or the phone number, is on the opt-out list.
    func isOptedOut(patientID: String, phone: PhoneNumber?) throws -> Bool
    /// Keeps what the run left out, by reason, with the batch (for `careline review`).
    func saveSkipped(_ skipped: ReviewReport.Skipped) throws
    /// Keeps the text of a campaign file with the batch (see ``DispatchStore/campaignSource(batchID:campaign:)``).
    func saveCampaignSource(campaign: String, source: String) throws
}

/// The outbox: planned messages, batches, opt-outs and the audit trail.
///
/// ## Implementation requirements
/// - `queueBatch` is one transaction: a failure or `keep == false` leaves the store as it was.
/// - Idempotency keys are unique: inserting a message whose key exists inserts nothing for it.
/// - Adding an opt-out cancels the pending (`queued`, `retry`) messages it covers in the same transaction.
/// - Never put a phone number, a body or a secret into an error or a log line.
public protocol OutboxStore: PatientStore {
    /// Runs one queue in one transaction: creates a batch and calls `body` with a writer. `body` returns whether
    /// to keep what it wrote and the audit entry to append; keeping nothing (a dry run, a run with errors) rolls
    /// everything back, the batch included. A throwing `body` rolls back and the error is rethrown.
    ///
    /// - Returns: the batch when it was kept (its `queued` = messages inserted), else `nil`.
    func queueBatch(
        campaigns: [String], createdAt: Date, createdBy: String,
        _ body: (any BatchWriter) throws -> (keep: Bool, audit: AuditEntry)
    ) throws -> BatchRecord?

    /// Messages matching `filter`, by planned instant then id, at most `limit`, streamed.
    func forEachMessage(_ filter: MessageFilter, limit: Int?, _ body: (OutboxMessage) throws -> Void) throws

    /// Counts per campaign and state, the next planned send of a pending message, and the batches.
    func status() throws -> OutboxStatus

    /// Cancels the pending (`queued`, `retry`) messages matching `filter` in one transaction, with `audit`
    /// (the count added to its detail); returns how many.
    func cancel(_ filter: MessageFilter, audit: AuditEntry) throws -> Int

    /// Records an opt-out and cancels the pending messages it covers (to that phone, or of that patient) in one
    /// transaction; returns how many were cancelled. Adding the same phone or patient again keeps one entry.
    func addOptOut(_ optOut: OptOut, audit: AuditEntry) throws -> Int

    /// Every opt-out, newest first.
    func optOuts() throws -> [OptOut]

    /// The audit trail, oldest first; with `since`, entries at or after it.
    func auditEntries(since: Date?) throws -> [AuditEntry]

    /// One batch, or `nil`.
    func batch(id: Int64) throws -> BatchRecord?

    /// The latest approval or rejection of a batch, or `nil`.
    func latestDecision(batchID: Int64) throws -> BatchDecision?

    /// Records an approval and the hash of each message it covers, with `audit`, in one transaction.
    func recordApproval(_ decision: BatchDecision, hashes: [(id: String, hash: String)], audit: AuditEntry)
        throws

    /// Records a rejection and cancels the batch's pending messages, with `audit` (`cancelled=N` added), in one
    /// transaction; returns how many were cancelled.
    func recordRejection(_ decision: BatchDecision, audit: AuditEntry) throws -> Int

    /// The hash the latest decision on `batchID` approved for a message, or `nil` when that decision is not an
    /// approval or did not cover the message.
    func approvedHash(messageID: String, batchID: Int64) throws -> String?

    /// Erases the body and the full phone number of every finished message (``MessageState/isFinished``) whose
    /// last change is before `cutoff` and that was not purged yet, in one transaction: the body becomes empty,
    /// the recipient its masked form (it reads back as a redacted ``PhoneNumber``), a phone number inside the
    /// idempotency key (`dedupe = "phone"`) is replaced by the message id, and ``OutboxMessage/purgedAt`` is
    /// set to `audit.at`. Ids, states, dates, the content hash, approvals and the audit trail stay. Appends
    /// `audit` with ``PurgeCount/auditText`` added to its detail, unless nothing was purged and
    /// `auditWhenNone` is false.
    ///
    /// Implementations should overwrite the erased text where they keep it (SQLite: `secure_delete`).
    func purgeFinished(changedBefore cutoff: Date, audit: AuditEntry, auditWhenNone: Bool) throws
        -> PurgeCount

    /// What ``purgeFinished(changedBefore:audit:auditWhenNone:)`` would purge now; writes nothing.
    func purgeableCount(changedBefore cutoff: Date) throws -> PurgeCount
}
