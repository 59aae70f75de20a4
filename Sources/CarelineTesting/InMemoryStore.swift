import CarelineCore
import Foundation
import Synchronization

/// An ``OutboxStore`` in memory, for logic tests that need no SQLite file.
///
/// It follows the same semantics as the SQLite store, checked by one conformance suite run against both:
/// writes are all-or-nothing (they work on a copy that replaces the state only on success), ids sort by their
/// UTF-8 bytes as SQLite's `BINARY` collation does, and audit details get the same counts. Two differences:
/// instants are kept exactly (SQLite keeps whole milliseconds), and a bad argument throws ``Failure``.
public final class InMemoryStore: DispatchStore, Sendable {
    /// A misuse the SQLite store would refuse too (a duplicate message id, an empty opt-out).
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// What was wrong.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// Everything stored; copied at the start of a write and swapped in at its end.
    struct State: Sendable {
        var patients: [String: (patient: Patient, digest: String)] = [:]
        /// Messages in insertion order.
        var messages: [OutboxMessage] = []
        var keys: Set<String> = []
        var messageIDs: Set<String> = []
        var batches: [BatchRecord] = []
        var nextBatchID: Int64 = 1
        /// Opt-outs in insertion order.
        var optOuts: [OptOut] = []
        /// Audit lines in insertion order.
        var audit: [AuditEntry] = []
        /// Campaign file texts by batch and campaign name.
        var campaignSources: [String: String] = [:]
        /// Decisions in order, with the message hashes of approvals.
        var decisions: [(decision: BatchDecision, hashes: [String: String])] = []
        /// The last change of each message (SQLite's `updated_at`): its creation, then every state change.
        var updatedAt: [String: Date] = [:]
    }

    private let state = Mutex(State())

    /// An empty store.
    public init() {}

    // MARK: - PatientStore

    /// Writes every patient `produce` emits, all or nothing; see ``PatientStore/upsertPatients(audit:_:)``.
    ///
    /// - Throws: whatever `produce` throws (then nothing changes).
    public func upsertPatients(
        audit: AuditEntry, _ produce: (_ emit: (Patient) throws -> Void) throws -> Void
    ) throws -> ImportSummary {
        try state.withLock { state in
            var working = state
            var summary = ImportSummary()
            try produce { patient in
                let digest = patient.contentDigest
                if let existing = working.patients[patient.id] {
                    if existing.digest == digest {
                        summary.unchanged += 1
                        return
                    }
                    summary.updated += 1
                } else {
                    summary.inserted += 1
                }
                working.patients[patient.id] = (patient, digest)
            }
            working.audit.append(
                Self.adding(
                    "inserted=\(summary.inserted) updated=\(summary.updated) unchanged=\(summary.unchanged)",
                    to: audit))
            state = working
            return summary
        }
    }

    /// One patient, or `nil`.
    public func patient(id: String) -> Patient? {
        state.withLock { $0.patients[id]?.patient }
    }

    /// How many patients there are.
    public func patientCount() -> Int {
        state.withLock { $0.patients.count }
    }

    // MARK: - OutboxStore

    /// Runs one queue on a copy of the state; the copy replaces the state only when `body` keeps it.
    ///
    /// - Throws: whatever `body` throws (then nothing changes).
    public func queueBatch(
        campaigns: [String], createdAt: Date, createdBy: String,
        _ body: (any BatchWriter) throws -> (keep: Bool, audit: AuditEntry)
    ) throws -> BatchRecord? {
        try state.withLock { state in
            var working = state
            let batchID = working.nextBatchID
            working.nextBatchID += 1
            working.batches.append(
                BatchRecord(
                    id: batchID, campaigns: campaigns, createdAt: createdAt, createdBy: createdBy, queued: 0))
            let writer = Writer(state: working, batchID: batchID)
            let (keep, audit) = try body(writer)
            guard keep else { return nil }
            working = writer.state
            let record = BatchRecord(
                id: batchID, campaigns: campaigns, createdAt: createdAt, createdBy: createdBy,
                queued: writer.inserted, skipped: writer.skipped)
            working.batches[working.batches.count - 1] = record
            working.audit.append(audit)
            state = working
            return record
        }
    }

    /// Messages matching `filter` by planned instant then id (UTF-8 order), at most `limit`.
    ///
    /// `body` runs outside the lock, on a snapshot.
    ///
    /// - Throws: whatever `body` throws (the iteration stops).
    public func forEachMessage(_ filter: MessageFilter, limit: Int?, _ body: (OutboxMessage) throws -> Void)
        throws
    {
        let matching = state.withLock { state in
            state.messages.filter { Self.matches($0, filter) }.sorted(by: Self.sendOrder)
        }
        for message in matching.prefix(limit.map { max(0, $0) } ?? Int.max) {
            try body(message)
        }
    }

    /// Counts per campaign and state, the earliest pending instant, and the batches newest first.
    public func status() -> OutboxStatus {
        state.withLock { state in
            var counts: [String: [MessageState: Int]] = [:]
            for message in state.messages {
                counts[message.campaign, default: [:]][message.state, default: 0] += 1
            }
            var rows: [OutboxStatus.Row] = []
            for (campaign, states) in counts {
                for (messageState, count) in states {
                    rows.append(OutboxStatus.Row(campaign: campaign, state: messageState, count: count))
                }
            }
            rows.sort { ($0.campaign, $0.state) < ($1.campaign, $1.state) }
            let next = state.messages.filter(\.state.isPending).map(\.sendAt).min()
            return OutboxStatus(rows: rows, nextSendAt: next, batches: state.batches.sorted { $0.id > $1.id })
        }
    }

    /// Cancels the pending messages matching `filter`; appends `audit` with `cancelled=N`.
    public func cancel(_ filter: MessageFilter, audit: AuditEntry) -> Int {
        state.withLock { state in
            var cancelled = 0
            for index in state.messages.indices
            where state.messages[index].state.isPending && Self.matches(state.messages[index], filter) {
                state.messages[index].state = .cancelled
                state.updatedAt[state.messages[index].id] = audit.at
                cancelled += 1
            }
            state.audit.append(Self.adding("cancelled=\(cancelled)", to: audit))
            return cancelled
        }
    }

    /// Records an opt-out (one entry per phone and per patient, the first kept) and cancels the pending
    /// messages it covers; appends `audit` with `cancelled=N`.
    ///
    /// - Throws: ``Failure`` when the opt-out has neither a phone nor a patient id.
    public func addOptOut(_ optOut: OptOut, audit: AuditEntry) throws -> Int {
        guard optOut.phone != nil || optOut.patientID != nil else {
            throw Failure(message: "an opt-out needs a phone number or a patient id")
        }
        return state.withLock { state in
            let phoneListed = optOut.phone.map { phone in state.optOuts.contains { $0.phone == phone } }
            let patientListed = optOut.patientID.map { id in state.optOuts.contains { $0.patientID == id } }
            var entry = optOut
            entry.phone = phoneListed == false ? optOut.phone : nil
            entry.patientID = patientListed == false ? optOut.patientID : nil
            if entry.phone != nil || entry.patientID != nil { state.optOuts.append(entry) }
            var cancelled = 0
            for index in state.messages.indices where state.messages[index].state.isPending {
                let message = state.messages[index]
                if message.recipient == optOut.phone || message.patientID == optOut.patientID {
                    state.messages[index].state = .cancelled
                    state.updatedAt[message.id] = audit.at
                    cancelled += 1
                }
            }
            state.audit.append(Self.adding("cancelled=\(cancelled)", to: audit))
            return cancelled
        }
    }

    /// Every opt-out, newest first (the later entry first among equal instants).
    public func optOuts() -> [OptOut] {
        state.withLock { state in
            state.optOuts.enumerated().sorted { lhs, rhs in
                lhs.element.at != rhs.element.at ? lhs.element.at > rhs.element.at : lhs.offset > rhs.offset
            }.map(\.element)
        }
    }

    /// The audit trail, oldest first (insertion order among equal instants); with `since`, at or after it.
    public func auditEntries(since: Date?) -> [AuditEntry] {
        state.withLock { state in
            let start = since ?? .distantPast
            return state.audit.enumerated().filter { $0.element.at >= start }.sorted { lhs, rhs in
                lhs.element.at != rhs.element.at ? lhs.element.at < rhs.element.at : lhs.offset < rhs.offset
            }.map(\.element)
        }
    }

    /// Whether the patient, or the phone number, is on the opt-out list.
    public func isOptedOut(patientID: String, phone: PhoneNumber?) -> Bool {
        state.withLock { Self.isOptedOut(patientID: patientID, phone: phone, in: $0) }
    }

    // MARK: - DispatchStore

    /// Pending messages planned at or before `now`, in send order, after `position`.
    public func dueMessages(at now: Date, after position: (sendAt: Date, id: String)?, limit: Int)
        -> [OutboxMessage]
    {
        state.withLock { state in
            let due = state.messages.filter { message in
                guard message.state.isPending, message.sendAt <= now else { return false }
                guard let position else { return true }
                return message.sendAt > position.sendAt
                    || (message.sendAt == position.sendAt
                        && position.id.utf8.lexicographicallyPrecedes(message.id.utf8))
            }
            return Array(due.sorted(by: Self.sendOrder).prefix(max(0, limit)))
        }
    }

    /// Messages in one state, in send order.
    public func messages(in wanted: MessageState, limit: Int) -> [OutboxMessage] {
        state.withLock { state in
            Array(
                state.messages.filter { $0.state == wanted }.sorted(by: Self.sendOrder).prefix(max(0, limit)))
        }
    }

    /// Applies the updates whose message is still in their `from` state, and appends `audit`.
    public func apply(_ updates: [MessageUpdate], audit: [AuditEntry], durability: CommitDurability) -> Set<
        String
    > {
        state.withLock { state in
            var changed = Set<String>()
            var index: [String: Int] = [:]
            for (position, message) in state.messages.enumerated() { index[message.id] = position }
            for update in updates {
                guard let position = index[update.id], state.messages[position].state == update.from else {
                    continue
                }
                var message = state.messages[position]
                message.state = update.to
                if let sendAt = update.sendAt { message.sendAt = sendAt }
                if let localDate = update.localDate { message.localDate = localDate }
                if let attempts = update.attempts { message.attempts = attempts }
                if let senderIndex = update.senderIndex { message.senderIndex = senderIndex }
                if let providerID = update.providerID { message.providerID = providerID }
                if let lastError = update.lastError {
                    message.lastError = lastError.isEmpty ? nil : lastError
                }
                if let body = update.body {
                    message.body = body.text
                    message.encoding = body.encoding
                    message.segments = body.segments
                }
                state.messages[position] = message
                state.updatedAt[update.id] = update.at
                changed.insert(update.id)
            }
            state.audit.append(contentsOf: audit)
            return changed
        }
    }

    /// The campaign file's text kept with a batch, or `nil`.
    public func campaignSource(batchID: Int64, campaign: String) -> String? {
        state.withLock { $0.campaignSources["\(batchID)|\(campaign)"] }
    }

    /// Whether the patient, or the phone number, is on the opt-out list.
    public func isOptedOut(patientID: String, phone: PhoneNumber) -> Bool {
        state.withLock { Self.isOptedOut(patientID: patientID, phone: phone, in: $0) }
    }

    /// The local dates of a patient's messages whose state counts toward caps.
    public func capDates(patientID: String) -> [LocalDate] {
        state.withLock { state in
            state.messages.filter { $0.patientID == patientID && $0.state.countsTowardCaps }.map(\.localDate)
        }
    }

    /// The local dates of a patient's messages that went out or may have.
    public func deliveredDates(patientID: String) -> [LocalDate] {
        state.withLock { state in
            let delivered: Set<MessageState> = [.sent, .sending, .unknown]
            return state.messages.filter { $0.patientID == patientID && delivered.contains($0.state) }
                .map(\.localDate)
        }
    }

    // MARK: - Approval

    /// One batch, or `nil`.
    public func batch(id: Int64) -> BatchRecord? {
        state.withLock { $0.batches.first { $0.id == id } }
    }

    /// The latest decision on a batch.
    public func latestDecision(batchID: Int64) -> BatchDecision? {
        state.withLock { $0.decisions.last { $0.decision.batchID == batchID }?.decision }
    }

    /// Records an approval and its hashes.
    public func recordApproval(
        _ decision: BatchDecision, hashes: [(id: String, hash: String)], audit: AuditEntry
    ) {
        state.withLock { state in
            var table: [String: String] = [:]
            for entry in hashes { table[entry.id] = entry.hash }
            state.decisions.append((decision, table))
            state.audit.append(audit)
        }
    }

    /// Records a rejection and cancels the batch's pending messages.
    public func recordRejection(_ decision: BatchDecision, audit: AuditEntry) -> Int {
        state.withLock { state in
            state.decisions.append((decision, [:]))
            var cancelled = 0
            for index in state.messages.indices
            where state.messages[index].batchID == decision.batchID && state.messages[index].state.isPending {
                state.messages[index].state = .cancelled
                state.messages[index].lastError = "batch rejected"
                state.updatedAt[state.messages[index].id] = audit.at
                cancelled += 1
            }
            state.audit.append(Self.adding("cancelled=\(cancelled)", to: audit))
            return cancelled
        }
    }

    /// The hash the latest decision on the batch approved for a message.
    public func approvedHash(messageID: String, batchID: Int64) -> String? {
        state.withLock { state in
            guard let latest = state.decisions.last(where: { $0.decision.batchID == batchID }),
                latest.decision.kind == .approved
            else { return nil }
            return latest.hashes[messageID]
        }
    }

    // MARK: - Retention

    /// Erases the body and full number of every finished message last changed before `cutoff` and not purged
    /// yet; see ``OutboxStore/purgeFinished(changedBefore:audit:auditWhenNone:)``.
    public func purgeFinished(changedBefore cutoff: Date, audit: AuditEntry, auditWhenNone: Bool)
        -> PurgeCount
    {
        state.withLock { state in
            var byState: [MessageState: Int] = [:]
            for index in state.messages.indices where Self.isPurgeable(state.messages[index], cutoff, state) {
                var message = state.messages[index]
                let phone = "|tel:\(message.recipient.e164)|"
                if message.idempotencyKey.contains(phone) {
                    state.keys.remove(message.idempotencyKey)
                    message.idempotencyKey = message.idempotencyKey.replacingOccurrences(
                        of: phone, with: "|tel:purged-\(message.id)|")
                    state.keys.insert(message.idempotencyKey)
                }
                message.body = ""
                message.recipient = PhoneNumber(redacted: message.recipient.masked) ?? message.recipient
                message.purgedAt = audit.at
                state.messages[index] = message
                byState[message.state, default: 0] += 1
            }
            let count = PurgeCount(byState: byState)
            if count.total > 0 || auditWhenNone {
                state.audit.append(Self.adding(count.auditText, to: audit))
            }
            return count
        }
    }

    /// What ``purgeFinished(changedBefore:audit:auditWhenNone:)`` would purge now.
    public func purgeableCount(changedBefore cutoff: Date) -> PurgeCount {
        state.withLock { state in
            var byState: [MessageState: Int] = [:]
            for message in state.messages where Self.isPurgeable(message, cutoff, state) {
                byState[message.state, default: 0] += 1
            }
            return PurgeCount(byState: byState)
        }
    }

    static func isPurgeable(_ message: OutboxMessage, _ cutoff: Date, _ state: State) -> Bool {
        message.state.isFinished && message.purgedAt == nil
            && (state.updatedAt[message.id] ?? message.createdAt) < cutoff
    }

    /// Replaces one message's stored fields as a test arranges them (no state check, no audit).
    public func replaceMessage(_ message: OutboxMessage) {
        state.withLock { state in
            guard let position = state.messages.firstIndex(where: { $0.id == message.id }) else { return }
            state.messages[position] = message
        }
    }

    // MARK: - Helpers

    /// The ``BatchWriter`` of one in-memory queue run, writing to its own copy of the state.
    final class Writer: BatchWriter {
        let batchID: Int64
        var state: State
        var inserted = 0
        var skipped = ReviewReport.Skipped()

        init(state: State, batchID: Int64) {
            self.state = state
            self.batchID = batchID
        }

        func forEachPatient(_ body: (Patient) throws -> Void) throws {
            let ids = state.patients.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for id in ids {
                if let patient = state.patients[id]?.patient { try body(patient) }
            }
        }

        func containsKey(_ key: String) -> Bool { state.keys.contains(key) }

        func insert(_ message: OutboxMessage) throws -> Bool {
            guard !state.keys.contains(message.idempotencyKey) else { return false }
            guard !state.messageIDs.contains(message.id) else {
                throw Failure(message: "message \(message.id) is already in the outbox under another key")
            }
            var filed = message
            filed.batchID = batchID
            state.messages.append(filed)
            state.updatedAt[message.id] = message.createdAt
            state.keys.insert(message.idempotencyKey)
            state.messageIDs.insert(message.id)
            inserted += 1
            return true
        }

        func capDates(patientID: String) -> [LocalDate] {
            state.messages.filter { $0.patientID == patientID && $0.state.countsTowardCaps }
                .sorted { lhs, rhs in
                    lhs.localDate != rhs.localDate
                        ? lhs.localDate < rhs.localDate : lhs.id.utf8.lexicographicallyPrecedes(rhs.id.utf8)
                }
                .map(\.localDate)
        }

        func isOptedOut(patientID: String, phone: PhoneNumber?) -> Bool {
            InMemoryStore.isOptedOut(patientID: patientID, phone: phone, in: state)
        }

        func saveSkipped(_ skipped: ReviewReport.Skipped) {
            self.skipped = skipped
        }

        func saveCampaignSource(campaign: String, source: String) {
            state.campaignSources["\(batchID)|\(campaign)"] = source
        }
    }

    static func isOptedOut(patientID: String, phone: PhoneNumber?, in state: State) -> Bool {
        state.optOuts.contains { $0.patientID == patientID || (phone != nil && $0.phone == phone) }
    }

    static func matches(_ message: OutboxMessage, _ filter: MessageFilter) -> Bool {
        (filter.campaign == nil || message.campaign == filter.campaign)
            && (filter.batchID == nil || message.batchID == filter.batchID)
            && (filter.state == nil || message.state == filter.state)
            && (filter.id == nil || message.id == filter.id)
            && (filter.patientID == nil || message.patientID == filter.patientID)
    }

    static func sendOrder(_ lhs: OutboxMessage, _ rhs: OutboxMessage) -> Bool {
        lhs.sendAt != rhs.sendAt
            ? lhs.sendAt < rhs.sendAt : lhs.id.utf8.lexicographicallyPrecedes(rhs.id.utf8)
    }

    static func adding(_ extra: String, to entry: AuditEntry) -> AuditEntry {
        var entry = entry
        entry.detail = entry.detail.isEmpty ? extra : entry.detail + "; " + extra
        return entry
    }
}
