import CarelineTesting
import Foundation
import Testing

/// `careline review`, `approve`, `reject`, `audit`, `status` and the dispatch gate as a clinic uses them: the
/// built binary against a real SQLite file and the file sender. Every command runs at `--log-level debug` and its
/// stderr is checked for full phone numbers and bodies (``ReviewWorkspace/run(_:sourceLocation:)``).
@Suite("careline review and approval (end to end)")
struct ReviewEndToEndTests {
    static let heldLine = "held for approval: %d (see careline status; careline review, then approve)\n"
    static let zeroLine = "sent 0, retry 0, failed 0, unknown 0, rescheduled 0, skipped 0\n"

    // MARK: - The gate

    @Test func aCareBatchWaitsForApprovalAndIsSentOnceApproved() throws {
        let patients = DispatchPatient.numbered(3)
        let workspace = try ReviewWorkspace(patients: patients, queuedBy: "coordinator")
        let ids = try patients.map { try workspace.messageID(of: $0.id) }

        #expect(try workspace.dispatch().stdout == ReviewWorkspace.nothingSent)
        let text = try workspace.dispatch(json: false)
        #expect(text.stdout == Self.zeroLine + String(format: Self.heldLine, 3))
        #expect(try workspace.lines(of: "sent.jsonl").isEmpty)
        #expect(try workspace.states() == ["queued": 3])

        let (status, raw) = try workspace.status()
        let batch = try #require((status["batches"] as? [[String: Any]])?.first)
        let createdAt = try #require(batch["created_at"] as? String)
        #expect(batch["id"] as? Int == 1)
        #expect(batch["created_by"] as? String == "coordinator")
        #expect(batch["approval"] as? String == "waiting")
        #expect(batch["approval_since"] as? String == createdAt)
        #expect(raw.contains(#""approval":"waiting","approval_since":"\#(createdAt)""#), "\(raw)")
        let table = try workspace.succeed(["status"]).stdout
        #expect(
            table.contains(
                "batch 1: note · 3 queued · \(createdAt) by coordinator · WAITING FOR APPROVAL since \(createdAt)\n"
            ), "\(table)")

        let approved = try workspace.run(["approve", "1", "--reviewer", "li.na", "--note", "ok"])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(
            approved.stdout.hasPrefix("batch 1 approved by li.na: 3 messages, batch hash "),
            "\(approved.stdout)")
        let after = try workspace.batch(1)
        #expect(after["approval"] as? String == "approved")
        #expect(after["reviewer"] as? String == "li.na")

        #expect(try workspace.dispatchCounts() == DispatchCounts(sent: 3))
        let lines = try workspace.lines(of: "sent.jsonl")
        #expect(lines.count == 3)
        for (patient, id) in zip(patients, ids) {
            let line = try #require(lines.first { $0["patient_id"] as? String == patient.id })
            #expect(line["id"] as? String == id)
            #expect(line["to"] as? String == patient.phone)
            #expect(line["body"] as? String == patient.body)
        }
        #expect(try workspace.states() == ["sent": 3])
        #expect(try workspace.dispatch().stdout == ReviewWorkspace.nothingSent)
    }

    /// Who decides whether a batch waits: the campaign's own `require_approval`, else `[policy]`, else its kind.
    struct GateCase: Sendable, CustomTestStringConvertible {
        var kind: String
        var policy: [String]
        var own: Bool?
        var waits: Bool

        var testDescription: String {
            "\(kind), policy \(policy.first ?? "none"), schedule \(own.map { "\($0)" } ?? "none") → "
                + (waits ? "waits" : "sent")
        }
    }

    @Test(arguments: [
        GateCase(kind: "reminder", policy: [], own: nil, waits: false),
        GateCase(kind: "reminder", policy: ["require_approval = true"], own: nil, waits: true),
        GateCase(kind: "reminder", policy: ["require_approval = true"], own: false, waits: false),
        GateCase(kind: "reminder", policy: [], own: true, waits: true),
        GateCase(kind: "care", policy: ["require_approval = false"], own: nil, waits: false),
    ])
    func theScheduleThenThePolicyThenTheKindDecideWhetherABatchWaits(_ gate: GateCase) throws {
        let workspace = try ReviewWorkspace(
            patients: DispatchPatient.numbered(1), kind: gate.kind, requireApproval: gate.own,
            policy: gate.policy)
        #expect(try workspace.batch(1)["approval"] as? String == (gate.waits ? "waiting" : "not_required"))
        #expect(try workspace.dispatchCounts() == DispatchCounts(sent: gate.waits ? 0 : 1))
        #expect(try workspace.sentPatients() == (gate.waits ? [] : ["P1"]))
        #expect(try workspace.states() == (gate.waits ? ["queued": 1] : ["sent": 1]))
    }

    // MARK: - Changed since approval

    /// A change made to one approved message by editing the database directly.
    enum Change: String, CaseIterable, Sendable {
        case body, recipient, senders

        /// The new value written into the `messages` column of the same name.
        var value: String {
            switch self {
            case .body: "Hello Ada 2, your visit moved to Friday."
            case .recipient: "+12015550999"
            case .senders: #"["backup"]"#
            }
        }

        var column: String { self == .body ? "body" : rawValue }
    }

    @Test(arguments: Change.allCases)
    func aMessageChangedAfterApprovalIsHeldUntilApprovedAgain(_ change: Change) throws {
        let patients = DispatchPatient.numbered(3)
        let workspace = try ReviewWorkspace(patients: patients)
        try workspace.succeed(["approve", "1", "--reviewer", "li.na", "--note", "ok"])
        let id = try workspace.messageID(of: "P2")
        if change != .senders { workspace.secrets.append(change.value) }
        if change == .recipient { workspace.secrets.append(String(change.value.dropFirst(2))) }
        try workspace.sql(
            "UPDATE messages SET \(change.column) = \(ReviewWorkspace.literal(change.value)) WHERE id = '\(id)'"
        )

        // The others go out; the changed one is held.
        #expect(try workspace.dispatchCounts() == DispatchCounts(sent: 2))
        #expect(try workspace.sentPatients() == ["P1", "P3"])
        #expect(
            try workspace.dispatch(json: false).stdout == Self.zeroLine + String(format: Self.heldLine, 1))
        #expect(try workspace.states() == ["queued": 1, "sent": 2])

        let batch = try workspace.batch(1)
        let createdAt = try #require(batch["created_at"] as? String)
        #expect(batch["approval"] as? String == "changed_since_approval")
        #expect(batch["changed"] as? Int == 1)
        #expect(batch["reviewer"] as? String == "li.na")
        let table = try workspace.succeed(["status"]).stdout
        #expect(
            table.contains(
                "batch 1: note · 3 queued · \(createdAt) by coordinator · "
                    + "1 CHANGED SINCE APPROVAL by li.na: held until approved again\n"), "\(table)")

        let review = try workspace.review()
        let approval = try #require(review["approval"] as? [String: Any])
        #expect(approval["state"] as? String == "changed_since_approval")
        #expect(approval["changed"] as? Int == 1)
        #expect(approval["reviewer"] as? String == "li.na")
        #expect(approval["note"] as? String == "ok")
        #expect(review["pending"] as? Int == 1)
        let sample = try #require(review["sample"] as? [[String: Any]])
        #expect(sample.count == 1)
        let held = try #require(sample.first)
        #expect(held["id"] as? String == id)
        let warnings = try #require(held["warnings"] as? [String])
        #expect(warnings.first?.hasPrefix("changed since approval") == true, "\(warnings)")
        switch change {
        case .body: #expect(held["body"] as? String == change.value)
        case .recipient: #expect(held["to"] as? String == "+1201***0999")
        case .senders: #expect(held["senders"] as? [String] == ["backup"])
        }
        let text = try workspace.succeed(["review", "1"]).stdout
        #expect(
            text.contains(
                "approval: CHANGED SINCE APPROVAL: 1 message held until approved again (approved by li.na at "
            ),
            "\(text)")

        // Approved again, it goes out as changed.
        let again = try workspace.succeed([
            "approve", "1", "--reviewer", "li.na", "--note", "checked the change",
        ])
        #expect(again.stdout.hasPrefix("batch 1 approved by li.na: 1 message"), "\(again.stdout)")
        #expect(try workspace.batch(1)["approval"] as? String == "approved")
        #expect(try workspace.dispatchCounts() == DispatchCounts(sent: 1))
        #expect(try workspace.states() == ["sent": 3])
        let file = change == .senders ? "backup.jsonl" : "sent.jsonl"
        let line = try #require(try workspace.lines(of: file).first { $0["id"] as? String == id })
        #expect(line["patient_id"] as? String == "P2")
        #expect(line["body"] as? String == (change == .body ? change.value : patients[1].body))
        #expect(line["to"] as? String == (change == .recipient ? change.value : patients[1].phone))
        #expect(try workspace.sentPatients() == (change == .senders ? ["P1", "P3"] : ["P1", "P2", "P3"]))
    }

    @Test func cancelledAndOptedOutMessagesDropOutWithoutANewApproval() throws {
        let patients = DispatchPatient.numbered(3)
        let workspace = try ReviewWorkspace(patients: patients)
        let id = try workspace.messageID(of: "P1")
        try workspace.succeed(["approve", "1", "--reviewer", "li.na"])

        let cancelled = try workspace.succeed(["cancel", "--id", id])
        #expect(cancelled.stdout == "cancelled 1 pending message of message \(id)\n")
        let optout = try workspace.succeed(["optout", "add", patients[1].phone])
        #expect(optout.stdout == "opted out \(patients[1].masked); cancelled 1 pending message\n")

        let batch = try workspace.batch(1)
        #expect(batch["approval"] as? String == "approved")
        #expect(batch["changed"] == nil)
        let approval = try #require(try workspace.review()["approval"] as? [String: Any])
        #expect(approval["state"] as? String == "approved")
        #expect(approval["changed"] as? Int == 0)

        // A window shift keeps the approval too: moved after quiet hours, then sent.
        #expect(try workspace.dispatchCounts(now: "2026-12-01T22:00:00Z") == DispatchCounts(rescheduled: 1))
        #expect(try workspace.batch(1)["approval"] as? String == "approved")
        #expect(try workspace.dispatchCounts(now: "2026-12-02T09:30:00Z") == DispatchCounts(sent: 1))
        #expect(try workspace.sentPatients() == ["P3"])
        #expect(try workspace.states() == ["cancelled": 2, "sent": 1])
    }

    // MARK: - Who may decide

    @Test func theQueuingUserMayNotApproveWhenThePolicyForbidsIt() throws {
        let workspace = try ReviewWorkspace(
            patients: DispatchPatient.numbered(2), policy: ["forbid_self_approval = true"], queuedBy: "li.na")
        #expect(try workspace.batch(1)["created_by"] as? String == "li.na")

        let refused = try workspace.run(["approve", "1", "--reviewer", "li.na", "--note", "mine"])
        #expect(refused.status == 65)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("forbid_self_approval"), "\(refused.stderr)")
        #expect(try workspace.auditActions() == ["queue"])
        #expect(try workspace.batch(1)["approval"] as? String == "waiting")
        #expect(try workspace.dispatchCounts() == DispatchCounts())

        try workspace.succeed(["approve", "1", "--reviewer", "wang.fang"])
        let entries = try workspace.audit(["--batch", "1"]).entries
        // The dispatch run that only held the batch wrote no audit line.
        #expect(entries.map { $0["action"] as? String } == ["queue", "approve"])
        #expect(entries.map { $0["actor"] as? String } == ["li.na", "wang.fang"])
        #expect(try workspace.dispatchCounts() == DispatchCounts(sent: 2))
    }

    @Test func aReviewerNameWithAStraySpaceIsStillTheQueuingUser() throws {
        let workspace = try ReviewWorkspace(
            patients: DispatchPatient.numbered(1), policy: ["forbid_self_approval = true"], queuedBy: "li.na")
        let refused = try workspace.run(["approve", "1", "--reviewer", "li.na "])
        let actions = try workspace.auditActions()
        #expect(refused.status == 65, "\(refused.stdout)")
        #expect(actions == ["queue"])
    }

    @Test func aRejectedBatchIsCancelledAndCannotBeApprovedAfterwards() throws {
        let workspace = try ReviewWorkspace(patients: DispatchPatient.numbered(3), queuedBy: nil)
        #expect(try workspace.batch(1)["created_by"] as? String == "coordinator")

        let rejected = try workspace.succeed(["reject", "1", "--reviewer", "li.na", "--note", "wrong date"])
        #expect(rejected.stdout == "batch 1 rejected by li.na: 3 messages cancelled\n")
        #expect(try workspace.states() == ["cancelled": 3])
        let batch = try workspace.batch(1)
        #expect(batch["approval"] as? String == "rejected")
        #expect(batch["reviewer"] as? String == "li.na")
        #expect(try workspace.succeed(["status"]).stdout.contains(" · rejected by li.na at "))

        #expect(try workspace.dispatch().stdout == ReviewWorkspace.nothingSent)
        #expect(try workspace.dispatch(json: false).stdout == Self.zeroLine)
        #expect(try workspace.lines(of: "sent.jsonl").isEmpty)

        let approve = try workspace.run(["approve", "1", "--reviewer", "wang.fang"])
        #expect(approve.status == 65)
        #expect(approve.stderr.contains("batch 1 was rejected"), "\(approve.stderr)")
        let review = try workspace.review()
        let approval = try #require(review["approval"] as? [String: Any])
        #expect(approval["state"] as? String == "rejected")
        #expect(approval["note"] as? String == "wrong date")
        #expect(review["pending"] as? Int == 0)
        #expect(try workspace.auditActions() == ["queue", "reject"])
    }

    // MARK: - The audit trail

    @Test func theAuditTrailListsQueueApproveAndDispatchInOrderWithoutPersonalData() throws {
        let patients = DispatchPatient.numbered(2)
        let workspace = try ReviewWorkspace(patients: patients)
        try workspace.succeed(["approve", "1", "--reviewer", "li.na", "--note", "ok"])
        #expect(try workspace.dispatchCounts() == DispatchCounts(sent: 2))
        try workspace.succeed(["optout", "add", patients[0].phone, "--reason", "asked by phone"])

        let (entries, raw) = try workspace.audit(["--batch", "1"])
        let keys = ["at", "actor", "action", "subject", "detail"]
        for line in raw.split(separator: "\n") {
            let object = try DispatchWorkspace.object(String(line))
            #expect(Set(object.keys) == Set(keys), "\(line)")
            let positions = keys.compactMap { line.range(of: "\"\($0)\":")?.lowerBound }
            #expect(positions.count == 5 && positions == positions.sorted(), "keys out of order: \(line)")
        }
        #expect(entries.map { $0["action"] as? String } == ["queue", "approve", "dispatch"])
        #expect(entries.map { $0["subject"] as? String } == ["batch 1", "batch 1", "batch 1"])
        // The timer's dispatch is recorded as "dispatch" unless --by names someone.
        #expect(entries.map { $0["actor"] as? String } == ["coordinator", "li.na", "dispatch"])
        let times = entries.compactMap { $0["at"] as? String }
        #expect(times.count == 3 && times == times.sorted(), "\(times)")
        let approve = try #require(entries.dropFirst().first?["detail"] as? String)
        #expect(approve.hasPrefix("messages=2 batch_hash="), "\(approve)")
        #expect(approve.hasSuffix(" queued_by=coordinator note=ok"), "\(approve)")
        #expect(
            entries.last?["detail"] as? String == "sent=2 retry=0 failed=0 unknown=0 rescheduled=0 skipped=0")

        // The whole trail: the import, the opt-out (masked) and the run line too, never a number or a body.
        let all = try workspace.audit()
        #expect(
            all.entries.map { $0["action"] as? String }.filter { $0 != "import" }
                == ["queue", "approve", "dispatch", "dispatch", "optout"])
        #expect(all.entries.last?["subject"] as? String == patients[0].masked)
        let text = try workspace.succeed(["audit"]).stdout
        #expect(text.split(separator: "\n").count == all.entries.count)
        workspace.expectNoPersonalData(all.raw)
        workspace.expectNoPersonalData(text)

        let future = try workspace.audit(["--since", "2999-01-01"])
        #expect(future.raw.isEmpty)
        #expect(try workspace.succeed(["audit", "--since", "2999-01-01"]).stdout == "no audit entries\n")
        #expect(try workspace.audit(["--since", "2000-01-01"]).raw == all.raw)
        #expect(try workspace.audit(["--batch", "1", "--since", "2999-01-01T00:00:00Z"]).raw.isEmpty)
    }

    // MARK: - What the reviewer reads

    /// Three messages (GSM-7, UCS-2, two parts) and one patient left out as opted out.
    static func reviewPatients() -> [DispatchPatient] {
        [
            DispatchPatient(id: "P1", name: "Ada 1", phone: "+12015550101"),
            DispatchPatient(id: "P2", name: "王芳", phone: "+12015550102"),
            DispatchPatient(
                id: "P3", name: "Ada" + String(repeating: " Lovelace", count: 18), phone: "+12015550103"),
            DispatchPatient(id: "P4", name: "Bea 4", phone: "+12015550104", optOut: true),
        ]
    }

    @Test func reviewShowsCountsSegmentsAndTheEstimatedCostInTextAndJSON() throws {
        let patients = Self.reviewPatients()
        #expect(patients[2].body.count == 186)
        let workspace = try ReviewWorkspace(patients: patients)

        let review = try workspace.review()
        let segments = try #require(review["segments"] as? Int)
        #expect(segments == 4)
        let total = String(format: "%.2f", Double(segments) * 0.05)
        #expect(review["pending"] as? Int == 3)
        #expect(
            review["skipped"] as? [String: Int] == [
                "duplicate": 0, "opted_out": 1, "expired": 0, "capped": 0, "invalid": 0,
            ])
        let perDay = try #require(review["per_day"] as? [[String: Any]])
        #expect(perDay.count == 1)
        #expect(perDay.first?["date"] as? String == "2026-12-01")
        #expect(perDay.first?["count"] as? Int == 3)
        let perHour = try #require(review["per_hour"] as? [Int])
        #expect(perHour == (0..<24).map { $0 == 9 ? 3 : 0 })
        let costs = try #require(review["costs"] as? [[String: Any]])
        #expect(costs.count == 1)
        #expect(costs.first?["sender"] as? String == "file")
        #expect(costs.first?["messages"] as? Int == 3)
        #expect(costs.first?["segments"] as? Int == segments)
        #expect(costs.first?["price_per_segment"] as? Double == 0.05)
        #expect(costs.first?["currency"] as? String == "CNY")
        let cost = try #require(costs.first?["total"] as? Double)
        #expect(String(format: "%.2f", cost) == total)
        let ucs2 = try #require(review["ucs2"] as? [[String: Any]])
        #expect(ucs2.map { $0["patient_id"] as? String } == ["P2"])
        #expect(ucs2.first?["forced_ucs2_by"] as? [String] == ["王", "芳"])
        let longest = try #require(review["longest"] as? [[String: Any]])
        #expect(longest.first?["patient_id"] as? String == "P3")
        #expect(longest.first?["segments"] as? Int == 2)
        let sample = try #require(review["sample"] as? [[String: Any]])
        #expect(Set(sample.compactMap { $0["patient_id"] as? String }) == ["P1", "P2", "P3"])
        #expect(review["sample_is_all"] as? Bool == true)
        for message in sample {
            let patient = try #require(patients.first { $0.id == message["patient_id"] as? String })
            #expect(message["to"] as? String == patient.masked)
            #expect(message["body"] as? String == patient.body)
        }

        let text = try workspace.succeed(["review", "1"]).stdout
        for expected in [
            "Review of batch 1\n", "\npending: 3\n",
            "\nskipped: 0 duplicate, 1 opted out, 0 expired, 0 capped, 0 invalid\n",
            "\nper day (patient's local date):\n  2026-12-01  3\n",
            "\n  09:00  3 \(String(repeating: "#", count: 40))\n", "\nsegments: \(segments)\n",
            "\nestimated cost:\n  file: 3 messages, \(segments) segments × CNY 0.05 = CNY \(total)\n"
                + "  total: CNY \(total)\n",
            "\nUCS-2 bodies (1):\n", "    forced UCS-2 by: 王 (U+738B), 芳 (U+82B3)\n",
            "\nsample: all 3 pending messages\n",
        ] {
            #expect(text.contains(expected), "missing \(expected.debugDescription) in\n\(text)")
        }
        // Phones are masked everywhere in the review.
        let json = try workspace.succeed(["review", "1", "--format", "json"]).stdout
        for patient in patients {
            #expect(!text.contains(patient.phone))
            #expect(!json.contains(patient.phone))
        }
        #expect(!text.contains("Bea 4"))
    }

    @Test func reviewWritesAPrivateSelfContainedPageAndSamplesAndRefusesAnUnknownBatch() throws {
        let patients = Self.reviewPatients()
        let workspace = try ReviewWorkspace(patients: patients)

        // An older review readable by everyone is replaced by one readable only by its owner.
        let page = workspace.folder.path("review.html")
        try workspace.folder.write("review.html", "old")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: page)
        let wrote = try workspace.succeed(["review", "1", "--format", "html", "--out", "review.html"])
        #expect(wrote.stdout == "wrote review.html: batch 1, 3 pending messages, 4 parts\n")
        let mode = try FileManager.default.attributesOfItem(atPath: page)[.posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)
        let html = String(decoding: try Data(contentsOf: URL(fileURLWithPath: page)), as: UTF8.self)
        #expect(html.contains("id=\"pending\""))
        #expect(html.contains("<span class=\"value\" id=\"pending\">3</span>"))
        #expect(html.contains("<span class=\"value\" id=\"segments\">4</span>"))
        #expect(!html.contains("http://"))
        #expect(!html.contains("https://"))
        for patient in patients { #expect(!html.contains(patient.phone)) }

        let missing = try workspace.run(["review", "99"])
        #expect(missing.status == 65)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr.contains("there is no batch 99"), "\(missing.stderr)")

        let sampled = try workspace.review(1, ["--sample", "1"])
        #expect((sampled["sample"] as? [Any])?.count == 1)
        #expect(sampled["sample_is_all"] as? Bool == false)
        #expect(sampled["pending"] as? Int == 3)
        let text = try workspace.succeed(["review", "1", "--sample", "1"]).stdout
        #expect(text.contains("\nsample: 1 of 3 pending messages\n"), "\(text)")
    }
}
