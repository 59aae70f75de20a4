import Foundation

/// Fills a ``ReviewReport`` for one batch from the store: two streaming passes over its messages (counts,
/// histograms, costs, the longest and UCS-2 bodies; then the sample), so a batch of a million messages is
/// never held in memory whole.
public struct ReviewBuilder {
    /// The most UCS-2 bodies listed (the count is complete); a Chinese batch is UCS-2 throughout.
    public static let maximumUCS2Listed = 100
    /// A batch of at most this many pending messages is shown whole when no `--sample` is given.
    public static let wholeBatchLimit = 200
    /// The sample size of a larger batch without `--sample`.
    public static let defaultSample = 20

    let store: any OutboxStore
    let configuration: Configuration
    let now: Date

    /// - Parameters:
    ///   - store: The outbox.
    ///   - configuration: Sender prices (`price_per_segment`, `currency`).
    ///   - now: When the report is made.
    public init(store: any OutboxStore, configuration: Configuration, now: Date) {
        self.store = store
        self.configuration = configuration
        self.now = now
    }

    /// The report of a batch, or `nil` when there is no such batch.
    ///
    /// - Parameters:
    ///   - batchID: The batch.
    ///   - sample: How many messages to show in full (evenly spread over the batch in send order); `nil`: all
    ///     of a small batch, else ``defaultSample``.
    /// - Throws: Store errors.
    public func report(batchID: Int64, sample: Int?) throws -> ReviewReport? {
        guard let batch = try store.batch(id: batchID) else { return nil }
        let decision = try store.latestDecision(batchID: batchID)
        let approvedBatch = decision?.kind == .approved

        var states: [MessageState: Int] = [:]
        var pending = 0
        var needsApproval = false
        var changed = 0
        var perDay: [LocalDate: Int] = [:]
        var perHour = [Int](repeating: 0, count: 24)
        var segments = 0
        var costs: [String: (messages: Int, segments: Int)] = [:]
        var costOrder: [String] = []
        var longest: [ReviewReport.Message] = []
        var ucs2: [ReviewReport.Message] = []
        var zones: [String: TimeZone] = [:]

        func zone(_ identifier: String) -> TimeZone {
            if let cached = zones[identifier] { return cached }
            let zone = TimeZone(identifier: identifier) ?? TimeZone(identifier: "UTC")!
            zones[identifier] = zone
            return zone
        }

        func changedSinceApproval(_ message: OutboxMessage) throws -> Bool {
            guard message.requiresApproval, approvedBatch else { return false }
            return try store.approvedHash(messageID: message.id, batchID: batchID)
                != ApprovalHash.message(message)
        }

        try store.forEachMessage(MessageFilter(batchID: batchID), limit: nil) { message in
            states[message.state, default: 0] += 1
            if message.requiresApproval { needsApproval = true }
            guard message.state.isPending else { return }
            pending += 1
            let isChanged = try changedSinceApproval(message)
            if isChanged { changed += 1 }
            let messageZone = zone(message.timeZone)
            perDay[LocalDate(message.sendAt, in: messageZone), default: 0] += 1
            let local =
                Int(message.sendAt.timeIntervalSince1970) + messageZone.secondsFromGMT(for: message.sendAt)
            let secondsOfDay = ((local % 86_400) + 86_400) % 86_400
            perHour[secondsOfDay / 3600] += 1
            segments += message.segments
            let sender = message.currentSender ?? "-"
            if costs[sender] == nil { costOrder.append(sender) }
            costs[sender, default: (0, 0)].messages += 1
            costs[sender, default: (0, 0)].segments += message.segments
            let analysis = SMSAnalysis(analyzing: message.body)
            if longest.count < 5 || analysis.units > longest[longest.count - 1].units {
                longest.append(view(message, analysis: analysis, changed: isChanged, zone: messageZone))
                longest.sort { $0.units > $1.units }
                if longest.count > 5 { longest.removeLast() }
            }
            if analysis.encoding == .ucs2, ucs2.count < Self.maximumUCS2Listed {
                ucs2.append(view(message, analysis: analysis, changed: isChanged, zone: messageZone))
            }
        }

        let wanted = sample ?? (pending <= Self.wholeBatchLimit ? pending : Self.defaultSample)
        var picked: [ReviewReport.Message] = []
        if wanted > 0, pending > 0 {
            // Evenly spread: the message at each position k × pending / wanted, in send order.
            var positions = Set<Int>()
            for index in 0..<min(wanted, pending) { positions.insert(index * pending / min(wanted, pending)) }
            var position = 0
            try store.forEachMessage(MessageFilter(batchID: batchID), limit: nil) { message in
                guard message.state.isPending else { return }
                defer { position += 1 }
                guard positions.contains(position) else { return }
                picked.append(
                    view(
                        message, analysis: SMSAnalysis(analyzing: message.body),
                        changed: try changedSinceApproval(message), zone: zone(message.timeZone)))
            }
        }

        let approval: ReviewReport.Approval
        switch decision {
        case .some(let decision) where decision.kind == .rejected:
            approval = .rejected(reviewer: decision.reviewer, at: decision.at, note: decision.note ?? "")
        case .some(let decision):
            approval =
                changed > 0
                ? .changedSinceApproval(
                    reviewer: decision.reviewer, at: decision.at, note: decision.note, changed: changed)
                : .approved(reviewer: decision.reviewer, at: decision.at, note: decision.note)
        case .none:
            approval = needsApproval ? .waiting(since: batch.createdAt) : .notRequired
        }
        return ReviewReport(
            batchID: batchID, campaigns: batch.campaigns, queuedAt: batch.createdAt,
            queuedBy: batch.createdBy,
            generatedAt: now, approval: approval, states: states, pending: pending, skipped: batch.skipped,
            perDay: perDay.sorted { $0.key < $1.key }.map { (date: $0.key, count: $0.value) },
            perHour: perHour,
            segments: segments,
            costs: costOrder.map { sender in
                let pricing = configuration.senders[sender]?.settings.pricing
                return ReviewReport.Cost(
                    sender: sender, messages: costs[sender]?.messages ?? 0,
                    segments: costs[sender]?.segments ?? 0,
                    pricePerSegment: pricing?.pricePerSegment, currency: pricing?.currency)
            },
            longest: longest, ucs2: ucs2, sample: picked, sampleIsAll: picked.count == pending)
    }

    /// Where a batch stands with its approval, in one pass over its messages (for `careline status`).
    ///
    /// - Throws: Store errors.
    public func approval(of batch: BatchRecord) throws -> ReviewReport.Approval {
        let decision = try store.latestDecision(batchID: batch.id)
        var needsApproval = false
        var changed = 0
        try store.forEachMessage(MessageFilter(batchID: batch.id), limit: nil) { message in
            guard message.requiresApproval else { return }
            needsApproval = true
            guard decision?.kind == .approved, message.state.isPending else { return }
            if try store.approvedHash(messageID: message.id, batchID: batch.id)
                != ApprovalHash.message(message)
            {
                changed += 1
            }
        }
        switch decision {
        case .some(let decision) where decision.kind == .rejected:
            return .rejected(reviewer: decision.reviewer, at: decision.at, note: decision.note ?? "")
        case .some(let decision):
            return changed > 0
                ? .changedSinceApproval(
                    reviewer: decision.reviewer, at: decision.at, note: decision.note, changed: changed)
                : .approved(reviewer: decision.reviewer, at: decision.at, note: decision.note)
        case .none:
            return needsApproval ? .waiting(since: batch.createdAt) : .notRequired
        }
    }

    /// A message as the reviewer sees it, with its warnings.
    func view(_ message: OutboxMessage, analysis: SMSAnalysis, changed: Bool, zone: TimeZone)
        -> ReviewReport.Message
    {
        var warnings: [String] = []
        if changed { warnings.append("changed since approval: held until the batch is approved again") }
        if let explanation = analysis.explanation() { warnings.append(explanation) }
        if message.segments > 1 { warnings.append("\(message.segments) parts") }
        if message.state == .retry, let error = message.lastError { warnings.append("retry: \(error)") }
        let forced = Array(analysis.nonGSM.prefix(5))
        let local = OutboxMessage.localText(message.sendAt, in: zone)
        return ReviewReport.Message(
            id: message.id, campaign: message.campaign, step: message.step, patientID: message.patientID,
            to: message.recipient.masked, sendAt: message.sendAt,
            sendAtLocal: "\(local.prefix(10)) \(local.dropFirst(11).prefix(5)) \(message.timeZone)",
            state: message.state, senders: message.senders, body: message.body, encoding: analysis.encoding,
            units: analysis.units, segments: message.segments, forcedUCS2By: forced, warnings: warnings)
    }
}
