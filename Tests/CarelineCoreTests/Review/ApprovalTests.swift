import CarelineCore
import CarelineTesting
import Foundation
import Testing

/// The approval gate: what a reviewer approved is exactly what goes out.
@Suite("Approval")
struct ApprovalTests {
    typealias D = DispatcherTests

    /// A care batch of `count` messages (they need approval), queued by `coordinator`.
    static func careBatch(_ count: Int = 3, requiresApproval: Bool = true) throws -> InMemoryStore {
        let messages = try (1...count).map { index in
            var message = try D.message(
                "m\(index)", patient: "p\(index)", phone: "+861380013800\(index)")
            message.requiresApproval = requiresApproval
            return message
        }
        return try D.store(messages)
    }

    static let sendTime = "2026-12-01T11:30:00Z"

    static func dispatch(_ store: InMemoryStore, senders: [ScriptedSender] = [ScriptedSender(name: "a")])
        throws
        -> DispatchSummary
    {
        let clock = ManualClock(start: try D.instant(sendTime))
        return try D.dispatcher(store, senders: senders, clock: clock).run(DispatchOptions())
    }

    static func approve(
        _ store: InMemoryStore, by reviewer: String = "li.na", policy: Configuration.Policy = .init()
    )
        throws -> BatchApproval.Approved
    {
        try BatchApproval(store: store, policy: policy)
            .approve(batchID: 1, reviewer: reviewer, note: "ok", at: try D.instant("2026-11-30T09:00:00Z"))
    }

    @Test func careAndPromotionalNeedApprovalByDefaultAndTheFileOrPolicyDecides() throws {
        var campaign = try CampaignFile.parse(D.campaignSource, file: "care.toml")
        var policy = Configuration.Policy()
        #expect(policy.requiresApproval(campaign))
        campaign.kind = .promotional
        #expect(policy.requiresApproval(campaign))
        campaign.kind = .reminder
        #expect(!policy.requiresApproval(campaign))
        campaign.kind = .followUp
        #expect(!policy.requiresApproval(campaign))
        policy.requireApproval = true
        #expect(policy.requiresApproval(campaign))
        campaign.requireApproval = false
        #expect(!policy.requiresApproval(campaign))
        policy.requireApproval = false
        campaign.kind = .care
        campaign.requireApproval = nil
        #expect(!policy.requiresApproval(campaign))
    }

    @Test func nothingOfABatchThatNeedsApprovalIsSentBeforeItIsApproved() throws {
        let store = try Self.careBatch()
        let sender = ScriptedSender(name: "a")
        #expect(try Self.dispatch(store, senders: [sender]) == DispatchSummary(held: 3))
        #expect(sender.attempts.isEmpty)
        #expect(try D.all(store).allSatisfy { $0.state == .queued })

        let approved = try Self.approve(store)
        #expect(approved.messages == 3)
        #expect(approved.batchHash.count == 64)
        #expect(try Self.dispatch(store, senders: [sender]) == DispatchSummary(sent: 3))
    }

    @Test func aBatchThatNeedsNoApprovalIsSentAtOnce() throws {
        let store = try Self.careBatch(requiresApproval: false)
        #expect(try Self.dispatch(store) == DispatchSummary(sent: 3))
    }

    enum Change: String, CaseIterable, CustomTestStringConvertible {
        case body, recipient, senders
        var testDescription: String { rawValue }
    }

    @Test(arguments: Change.allCases)
    func aMessageChangedAfterApprovalIsHeldUntilApprovedAgain(change: Change) throws {
        let store = try Self.careBatch()
        _ = try Self.approve(store)
        var message = try D.stored(store, "m2")
        switch change {
        case .body: message.body += " (edited)"
        case .recipient: message.recipient = try #require(PhoneNumber(e164: "+8613900139999"))
        case .senders: message.senders = ["a", "b"]
        }
        store.replaceMessage(message)
        let sender = ScriptedSender(name: "a")
        #expect(try Self.dispatch(store, senders: [sender]) == DispatchSummary(sent: 2, held: 1))
        #expect(sender.attempts.map(\.message.id).sorted() == ["m1", "m3"])
        #expect(try D.stored(store, "m2").state == .queued)

        let review = try #require(
            try ReviewBuilder(store: store, configuration: Configuration(), now: try D.instant(Self.sendTime))
                .report(batchID: 1, sample: nil))
        guard case .changedSinceApproval(let reviewer, _, _, let changed) = review.approval else {
            Issue.record("expected changed since approval, got \(review.approval)")
            return
        }
        #expect(reviewer == "li.na")
        #expect(changed == 1)
        #expect(
            review.sample.first { $0.id == "m2" }?.warnings.first?.hasPrefix("changed since approval") == true
        )

        _ = try Self.approve(store, by: "wang.wei")
        #expect(try Self.dispatch(store, senders: [sender]) == DispatchSummary(sent: 1))
        #expect(try D.stored(store, "m2").state == .sent)
    }

    @Test func cancellingOrMovingAMessageNeedsNoNewApproval() throws {
        let store = try Self.careBatch()
        _ = try Self.approve(store)
        _ = try store.cancel(
            MessageFilter(id: "m1"),
            audit: AuditEntry(
                at: try D.instant("2026-11-30T10:00:00Z"), actor: "t", action: "cancel", subject: nil,
                detail: ""))
        var moved = try D.stored(store, "m3")
        moved.sendAt = try D.instant("2026-12-01T11:10:00Z")
        moved.state = .retry
        moved.attempts = 1
        store.replaceMessage(moved)
        #expect(try Self.dispatch(store) == DispatchSummary(sent: 2))
    }

    @Test func selfApprovalIsRefusedOnlyWhenThePolicyForbidsIt() throws {
        // The test batch was queued by "t".
        let store = try Self.careBatch()
        var policy = Configuration.Policy()
        policy.forbidSelfApproval = true
        let refused = try #require(throws: ApprovalError.self) {
            try Self.approve(store, by: "t", policy: policy)
        }
        #expect(refused.code == .selfApproval)
        #expect(refused.message.contains("forbid_self_approval"))
        #expect(store.latestDecision(batchID: 1) == nil)
        #expect(try Self.approve(store, by: "t").messages == 3)
    }

    @Test func aRejectedBatchIsCancelledAndStaysRejected() throws {
        let store = try Self.careBatch()
        let cancelled = try BatchApproval(store: store, policy: .init())
            .reject(
                batchID: 1, reviewer: "li.na", note: "wrong date", at: try D.instant("2026-11-30T09:00:00Z"))
        #expect(cancelled == 3)
        #expect(try D.all(store).allSatisfy { $0.state == .cancelled })
        let again = try #require(throws: ApprovalError.self) { try Self.approve(store) }
        #expect(again.code == .alreadyRejected)
        let missing = try #require(throws: ApprovalError.self) {
            try BatchApproval(store: store, policy: .init())
                .approve(batchID: 9, reviewer: "li.na", note: nil, at: try D.instant(Self.sendTime))
        }
        #expect(missing.code == .noSuchBatch)
    }

    @Test func approvalsRejectionsAndDispatchesAreAudited() throws {
        let store = try Self.careBatch()
        let approved = try Self.approve(store)
        _ = try Self.dispatch(store)
        let entries = store.auditEntries(since: nil)
        let approval = try #require(entries.first { $0.action == "approve" })
        #expect(approval.actor == "li.na")
        #expect(approval.subject == "batch 1")
        #expect(approval.detail == "messages=3 batch_hash=\(approved.batchHash) queued_by=t note=ok")
        let perBatch = try #require(entries.first { $0.action == "dispatch" && $0.subject == "batch 1" })
        #expect(perBatch.detail == "sent=3 retry=0 failed=0 unknown=0 rescheduled=0 skipped=0")
        for entry in entries {
            #expect(!entry.detail.contains("body of"))
            #expect(!entry.detail.contains("13800138001"))
        }
    }

    @Test func theHashCoversIdRecipientBodyAndSendersAndNothingElse() throws {
        let message = try D.message("m1")
        let hash = ApprovalHash.message(message)
        #expect(hash.count == 64)
        var moved = message
        moved.sendAt = moved.sendAt.addingTimeInterval(3600)
        moved.state = .retry
        moved.attempts = 3
        #expect(ApprovalHash.message(moved) == hash)
        var edited = message
        edited.body = "body of m"
        edited.id = "m11"
        // Length prefixes: moving a character from one field to the next changes the hash.
        #expect(ApprovalHash.message(edited) != hash)
        #expect(
            ApprovalHash.batch([("b", "2"), ("a", "1")]) == ApprovalHash.batch([("a", "1"), ("b", "2")]))
    }
}

/// What `careline review` counts: costs, segments, histograms, samples.
@Suite("Review report from the store")
struct ReviewBuilderTests {
    typealias D = DispatcherTests

    /// 174 GSM-7 characters: 2 parts.
    static let english = String(repeating: "Your recheck is on Thursday. ", count: 6)
    /// 84 UCS-2 units: 2 parts.
    static let chinese = "【明德眼科】王阿姨您好！" + String(repeating: "请按时复查。", count: 12)
    /// One curly apostrophe forces UCS-2: 1 part.
    static let curly = "Don’t forget your recheck."

    static func store() throws -> InMemoryStore {
        let bodies = [("m1", english), ("m2", chinese), ("m3", curly)]
        let messages = try bodies.enumerated().map { index, entry in
            var message = try D.message(
                entry.0, patient: "p\(index)", phone: "+861380013800\(index)",
                sendAt: index == 2 ? "2026-12-02T12:15:00Z" : "2026-12-01T11:00:00Z",
                localDate: index == 2 ? "2026-12-02" : "2026-12-01")
            let analysis = SMSAnalysis(analyzing: entry.1)
            message.body = entry.1
            message.encoding = analysis.encoding
            message.segments = analysis.segments
            message.requiresApproval = true
            return message
        }
        let store = InMemoryStore()
        let audit = AuditEntry(
            at: try D.instant("2026-11-30T00:00:00Z"), actor: "t", action: "x", subject: nil, detail: "")
        _ = try store.queueBatch(
            campaigns: ["care"], createdAt: try D.instant("2026-11-30T00:00:00Z"), createdBy: "t"
        ) {
            writer in
            for message in messages { _ = try writer.insert(message) }
            try writer.saveSkipped(
                ReviewReport.Skipped(duplicate: 4, optedOut: 2, expired: 1, capped: 0, invalid: 0))
            return (true, audit)
        }
        return store
    }

    static func configuration(price: Double?) -> Configuration {
        var configuration = Configuration()
        configuration.senders = [
            "a": .init(
                name: "a",
                settings: .file(
                    FileSettings(
                        path: "x.jsonl", pricing: SenderPricing(pricePerSegment: price, currency: "CNY"))))
        ]
        return configuration
    }

    @Test func segmentsAndTheEstimatedCostAddUpPerSender() throws {
        #expect(SMSAnalysis(analyzing: Self.english).segments == 2)
        #expect(SMSAnalysis(analyzing: Self.chinese).encoding == .ucs2)
        #expect(SMSAnalysis(analyzing: Self.chinese).segments == 2)
        #expect(SMSAnalysis(analyzing: Self.curly).segments == 1)
        let report = try #require(
            try ReviewBuilder(
                store: try Self.store(), configuration: Self.configuration(price: 0.045), now: .now
            )
            .report(batchID: 1, sample: nil))
        #expect(report.pending == 3)
        #expect(report.segments == 5)
        #expect(
            report.costs == [
                ReviewReport.Cost(
                    sender: "a", messages: 3, segments: 5, pricePerSegment: 0.045, currency: "CNY")
            ])
        #expect(abs((report.costs.first?.total ?? 0) - 0.225) < 1e-9)
        let unpriced = try #require(
            try ReviewBuilder(store: try Self.store(), configuration: Configuration(), now: .now)
                .report(batchID: 1, sample: nil))
        #expect(unpriced.costs.first?.total == nil)
    }

    @Test func countsHistogramsAndTheBodiesWorthALook() throws {
        let report = try #require(
            try ReviewBuilder(
                store: try Self.store(), configuration: Self.configuration(price: 0.05), now: .now
            )
            .report(batchID: 1, sample: nil))
        #expect(report.skipped == ReviewReport.Skipped(duplicate: 4, optedOut: 2, expired: 1))
        #expect(report.states == [.queued: 3])
        #expect(report.perDay.map(\.date.iso) == ["2026-12-01", "2026-12-02"])
        #expect(report.perDay.map(\.count) == [2, 1])
        var hours = [Int](repeating: 0, count: 24)
        hours[19] = 2  // 11:00Z in Shanghai
        hours[20] = 1  // 12:15Z
        #expect(report.perHour == hours)
        #expect(report.approval == .waiting(since: try D.instant("2026-11-30T00:00:00Z")))
        #expect(report.longest.map(\.id) == ["m1", "m2", "m3"])
        #expect(report.ucs2.map(\.id) == ["m2", "m3"])
        #expect(report.ucs2.last?.forcedUCS2By == ["’"])
        #expect(report.ucs2.last?.warnings.first?.contains("forces UCS-2") == true)
        #expect(report.sample.map(\.to) == ["+86138****8000", "+86138****8001", "+86138****8002"])
        #expect(report.sampleIsAll)
        #expect(report.sample.first?.sendAtLocal == "2026-12-01 19:00 Asia/Shanghai")
        let two = try #require(
            try ReviewBuilder(store: try Self.store(), configuration: Configuration(), now: .now)
                .report(batchID: 1, sample: 2))
        #expect(two.sample.map(\.id) == ["m1", "m2"])
        #expect(!two.sampleIsAll)
    }
}
