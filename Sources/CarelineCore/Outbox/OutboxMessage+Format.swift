import Foundation

extension OutboxMessage {
    /// `2026-12-01T11:00:00Z`.
    public static func utcText(_ instant: Date) -> String {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let date = LocalDate(daysSinceEpoch: days)
        return "\(date.iso)T\(clock(seconds - days * 86_400))Z"
    }

    /// `2026-12-01T19:00:00+08:00` in `zone`.
    public static func localText(_ instant: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: instant)
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + offset
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let date = LocalDate(daysSinceEpoch: days)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return "\(date.iso)T\(clock(seconds - days * 86_400))\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }

    private static func clock(_ secondsOfDay: Int) -> String {
        "\(two(secondsOfDay / 3600)):\(two(secondsOfDay / 60 % 60)):\(two(secondsOfDay % 60))"
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// The patient's zone (falls back to UTC if the stored identifier is unknown).
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    /// One JSON object: `id`, `campaign`, `step`, `patient_id`, `to` (masked), `senders`, `send_at` (UTC),
    /// `send_at_local` (with offset), `body`, `encoding`, `segments`, `state`, `purged`. A purged message
    /// (``isPurged``) has `"body":null` and `"purged":true`.
    public var previewJSON: String {
        var line = JSONLine()
        line.add("id", id)
        line.add("campaign", campaign)
        line.add("step", step)
        line.add("patient_id", patientID)
        line.add("to", recipient.masked)
        line.add("senders", senders)
        line.add("send_at", Self.utcText(sendAt))
        line.add("send_at_local", Self.localText(sendAt, in: zone))
        line.add("body", isPurged ? nil : body)
        line.add("encoding", encoding.rawValue)
        line.add("segments", segments)
        line.add("state", state.rawValue)
        line.add("purged", isPurged)
        return line.string
    }

    /// A block for people: local send time, who, what, cost.
    public var previewText: String {
        let local = Self.localText(sendAt, in: zone)
        let time = String(local.dropFirst(11).prefix(5))
        var lines = [
            "  \(time) \(timeZone) · \(campaign) \(step) · patient \(patientID) · \(recipient.masked) · \(state.rawValue)"
        ]
        if let purgedAt {
            lines.append("    (purged \(Self.utcText(purgedAt)): body and phone number erased)")
        } else {
            lines.append("    " + body.replacingOccurrences(of: "\n", with: "\n    "))
        }
        lines.append("    \(encoding.rawValue) · \(segments == 1 ? "1 part" : "\(segments) parts") · \(id)")
        return lines.joined(separator: "\n")
    }
}

extension OutboxStatus {
    /// `{"campaigns":[{"campaign","states":{state:N}}],"next_send_at","batches":[{"id","campaigns","created_at","created_by","queued"}]}`.
    public var json: String {
        var text = "{\"campaigns\":["
        let campaigns = rows.map(\.campaign).reduce(into: [String]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        for (index, campaign) in campaigns.enumerated() {
            if index > 0 { text += "," }
            text += "{\"campaign\":"
            JSONLine.appendQuoted(campaign, to: &text)
            text += ",\"states\":{"
            let states = rows.filter { $0.campaign == campaign }.sorted { $0.state < $1.state }
            text += states.map { "\"\($0.state.rawValue)\":\($0.count)" }.joined(separator: ",")
            text += "}}"
        }
        text += "],\"next_send_at\":"
        if let nextSendAt {
            JSONLine.appendQuoted(OutboxMessage.utcText(nextSendAt), to: &text)
        } else {
            text += "null"
        }
        text += ",\"batches\":["
        for (index, batch) in batches.enumerated() {
            if index > 0 { text += "," }
            var line = JSONLine()
            line.add("id", Int(batch.id))
            line.add("campaigns", batch.campaigns)
            line.add("created_at", OutboxMessage.utcText(batch.createdAt))
            line.add("created_by", batch.createdBy)
            line.add("queued", batch.queued)
            if let approval = approvals[batch.id] { Self.add(approval, to: &line) }
            text += line.string
        }
        text += "],\"unknown\":["
        for (index, message) in unknownMessages.enumerated() {
            if index > 0 { text += "," }
            text += Self.unknownLine(message).string
        }
        return text + "]}"
    }

    /// `"approval":"waiting"`, `"approval_since"`, `"reviewer"`, `"changed"`, as they apply.
    static func add(_ approval: ReviewReport.Approval, to line: inout JSONLine) {
        switch approval {
        case .notRequired:
            line.add("approval", "not_required")
        case .waiting(let since):
            line.add("approval", "waiting")
            line.add("approval_since", OutboxMessage.utcText(since))
        case .approved(let reviewer, let at, _):
            line.add("approval", "approved")
            line.add("reviewer", reviewer)
            line.add("approved_at", OutboxMessage.utcText(at))
        case .changedSinceApproval(let reviewer, let at, _, let changed):
            line.add("approval", "changed_since_approval")
            line.add("reviewer", reviewer)
            line.add("approved_at", OutboxMessage.utcText(at))
            line.add("changed", changed)
        case .rejected(let reviewer, let at, _):
            line.add("approval", "rejected")
            line.add("reviewer", reviewer)
            line.add("rejected_at", OutboxMessage.utcText(at))
        }
    }

    /// The approval as a phrase for the status table.
    static func phrase(_ approval: ReviewReport.Approval) -> String? {
        switch approval {
        case .notRequired: return nil
        case .waiting(let since): return "WAITING FOR APPROVAL since \(OutboxMessage.utcText(since))"
        case .approved(let reviewer, let at, _):
            return "approved by \(reviewer) at \(OutboxMessage.utcText(at))"
        case .changedSinceApproval(let reviewer, _, _, let changed):
            return "\(changed) CHANGED SINCE APPROVAL by \(reviewer): held until approved again"
        case .rejected(let reviewer, let at, _):
            return "rejected by \(reviewer) at \(OutboxMessage.utcText(at))"
        }
    }

    /// One unknown message for `status --json`: no body, the phone masked.
    static func unknownLine(_ message: OutboxMessage) -> JSONLine {
        var line = JSONLine()
        line.add("id", message.id)
        line.add("campaign", message.campaign)
        line.add("patient_id", message.patientID)
        line.add("to", message.recipient.masked)
        line.add("sender", message.currentSender)
        line.add("send_at", OutboxMessage.utcText(message.sendAt))
        line.add("last_error", message.lastError)
        return line
    }

    /// A table for people.
    public var text: String {
        var lines: [String] = []
        if rows.isEmpty { lines.append("The outbox is empty.") }
        let campaigns = rows.map(\.campaign).reduce(into: [String]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        for campaign in campaigns {
            let states = rows.filter { $0.campaign == campaign }.sorted { $0.state < $1.state }
            lines.append(
                "\(campaign): " + states.map { "\($0.count) \($0.state.rawValue)" }.joined(separator: ", "))
        }
        if let nextSendAt { lines.append("next send: \(OutboxMessage.utcText(nextSendAt))") }
        for batch in batches.prefix(10) {
            lines.append(
                "batch \(batch.id): \(batch.campaigns.joined(separator: ", ")) · \(batch.queued) queued · "
                    + "\(OutboxMessage.utcText(batch.createdAt)) by \(batch.createdBy)"
                    + (approvals[batch.id].flatMap(Self.phrase).map { " · \($0)" } ?? ""))
        }
        if !unknownMessages.isEmpty {
            lines.append(
                "unknown: the provider may have these; check it, then careline reconcile --id ID "
                    + "(--mark-sent | --mark-failed | --resend):")
            for message in unknownMessages {
                lines.append(
                    "  \(message.id) · \(message.campaign) · patient \(message.patientID) · \(message.recipient.masked) · "
                        + "\(message.currentSender ?? "-") · planned \(OutboxMessage.utcText(message.sendAt))"
                )
            }
        }
        return lines.joined(separator: "\n")
    }
}
