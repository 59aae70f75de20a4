import Foundation

/// Why an approval or rejection was refused.
public struct ApprovalError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// There is no such batch.
        case noSuchBatch
        /// `[policy] forbid_self_approval` and the reviewer queued the batch.
        case selfApproval
        /// The batch was rejected; a rejected batch stays rejected (queue it again instead).
        case alreadyRejected
        /// Nothing in the batch is waiting to be sent.
        case nothingPending
    }
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// `careline approve` and `careline reject`: a reviewer's decision on a batch, recorded with the content hash of
/// every message it covers.
public struct BatchApproval {
    let store: any OutboxStore
    let policy: Configuration.Policy

    public init(store: any OutboxStore, policy: Configuration.Policy) {
        self.store = store
        self.policy = policy
    }

    /// What an approval covered.
    public struct Approved: Sendable, Equatable {
        public var messages: Int
        public var batchHash: String
    }

    /// Approves what is pending in a batch now: each message's SHA-256 (id, recipient, body, sender chain) and
    /// one over the batch are recorded; a message changed later is held until approved again.
    ///
    /// - Throws: ``ApprovalError``; store errors.
    public func approve(batchID: Int64, reviewer: String, note: String?, at now: Date) throws -> Approved {
        let batch = try checkedBatch(batchID, reviewer: reviewer)
        var hashes: [(id: String, hash: String)] = []
        try store.forEachMessage(MessageFilter(batchID: batchID), limit: nil) { message in
            if message.state.isPending { hashes.append((message.id, ApprovalHash.message(message))) }
        }
        guard !hashes.isEmpty else {
            throw ApprovalError(
                .nothingPending,
                "batch \(batchID) has nothing waiting to be sent; there is nothing to approve")
        }
        let batchHash = ApprovalHash.batch(hashes)
        var detail = "messages=\(hashes.count) batch_hash=\(batchHash) queued_by=\(batch.createdBy)"
        if let note, !note.isEmpty { detail += " note=\(note)" }
        try store.recordApproval(
            BatchDecision(
                batchID: batchID, kind: .approved, reviewer: reviewer, at: now, note: note,
                batchHash: batchHash),
            hashes: hashes,
            audit: AuditEntry(
                at: now, actor: reviewer, action: "approve", subject: "batch \(batchID)", detail: detail))
        return Approved(messages: hashes.count, batchHash: batchHash)
    }

    /// Rejects a batch: its pending messages are cancelled.
    ///
    /// - Returns: How many messages were cancelled.
    /// - Throws: ``ApprovalError``; store errors.
    public func reject(batchID: Int64, reviewer: String, note: String, at now: Date) throws -> Int {
        _ = try checkedBatch(batchID, reviewer: reviewer)
        var hashes: [(id: String, hash: String)] = []
        try store.forEachMessage(MessageFilter(batchID: batchID), limit: nil) { message in
            if message.state.isPending { hashes.append((message.id, ApprovalHash.message(message))) }
        }
        return try store.recordRejection(
            BatchDecision(
                batchID: batchID, kind: .rejected, reviewer: reviewer, at: now, note: note,
                batchHash: ApprovalHash.batch(hashes)),
            audit: AuditEntry(
                at: now, actor: reviewer, action: "reject", subject: "batch \(batchID)",
                detail: "note=\(note)"))
    }

    private func checkedBatch(_ batchID: Int64, reviewer: String) throws -> BatchRecord {
        guard let batch = try store.batch(id: batchID) else {
            throw ApprovalError(
                .noSuchBatch, "there is no batch \(batchID); careline status lists the batches")
        }
        // Names are compared as people read them: without surrounding spaces, ignoring case.
        let queuedBy = batch.createdBy.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if policy.forbidSelfApproval,
            queuedBy == reviewer.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        {
            throw ApprovalError(
                .selfApproval,
                "\(reviewer) queued batch \(batchID) and may not review it ([policy] forbid_self_approval); ask "
                    + "another reviewer")
        }
        if try store.latestDecision(batchID: batchID)?.kind == .rejected {
            throw ApprovalError(
                .alreadyRejected,
                "batch \(batchID) was rejected and its messages cancelled; queue the campaign again")
        }
        return batch
    }
}
