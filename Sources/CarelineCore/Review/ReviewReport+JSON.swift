import Foundation

extension ReviewReport {
    /// The report as one JSON object on one line, for scripts and dashboards:
    ///
    /// `{"batch","campaigns","queued_at","queued_by","generated_at","approval":{"state","reviewer","at","note",
    /// "changed","since"},"states":{state:N},"pending","skipped":{"duplicate","opted_out","expired","capped",
    /// "invalid"},"per_day":[{"date","count"}],"per_hour":[24 numbers],"segments","costs":[{"sender","messages",
    /// "segments","price_per_segment","currency","total"}],"longest":[msg],"ucs2":[msg],"sample":[msg],
    /// "sample_is_all"}` with msg = `{"id","campaign","step","patient_id","to","send_at","send_at_local","state",
    /// "senders","body","encoding","units","segments","forced_ucs2_by","warnings"}`.
    ///
    /// Instants are UTC (`2026-12-01T11:00:00Z`); `approval.state` is `not_required`, `waiting`, `approved`,
    /// `changed_since_approval` or `rejected`; fields that do not apply are `null` (`approval.changed` is 0 when
    /// approved and unchanged); `total` is `null` without a price and otherwise a number with at most 4 decimals.
    public var json: String {
        var object = JSONObject()
        object.add("batch", raw: String(batchID))
        object.add("campaigns", raw: Self.jsonArray(campaigns))
        object.add("queued_at", raw: Self.quoted(OutboxMessage.utcText(queuedAt)))
        object.add("queued_by", raw: Self.quoted(queuedBy))
        object.add("generated_at", raw: Self.quoted(OutboxMessage.utcText(generatedAt)))
        object.add("approval", raw: approvalJSON)
        var stateObject = JSONObject()
        for state in MessageState.allCases {
            if let count = states[state] { stateObject.add(state.rawValue, raw: String(count)) }
        }
        object.add("states", raw: stateObject.string)
        object.add("pending", raw: String(pending))
        var skip = JSONLine()
        skip.add("duplicate", skipped.duplicate)
        skip.add("opted_out", skipped.optedOut)
        skip.add("expired", skipped.expired)
        skip.add("capped", skipped.capped)
        skip.add("invalid", skipped.invalid)
        object.add("skipped", raw: skip.string)
        let days = perDay.map { day -> String in
            var line = JSONLine()
            line.add("date", day.date.iso)
            line.add("count", day.count)
            return line.string
        }
        object.add("per_day", raw: "[" + days.joined(separator: ",") + "]")
        object.add("per_hour", raw: "[" + hourCounts.map(String.init).joined(separator: ",") + "]")
        object.add("segments", raw: String(segments))
        object.add("costs", raw: "[" + costs.map(Self.costJSON).joined(separator: ",") + "]")
        object.add("longest", raw: Self.messagesJSON(longest))
        object.add("ucs2", raw: Self.messagesJSON(ucs2))
        object.add("sample", raw: Self.messagesJSON(sample))
        object.add("sample_is_all", raw: sampleIsAll ? "true" : "false")
        return object.string
    }

    private var approvalJSON: String {
        var line = JSONLine()
        switch approval {
        case .notRequired:
            line.add("state", "not_required")
            line.add("reviewer", String?.none)
            line.add("at", String?.none)
            line.add("note", String?.none)
            line.add("changed", Int?.none)
            line.add("since", String?.none)
        case .waiting(let since):
            line.add("state", "waiting")
            line.add("reviewer", String?.none)
            line.add("at", String?.none)
            line.add("note", String?.none)
            line.add("changed", Int?.none)
            line.add("since", OutboxMessage.utcText(since))
        case .approved(let reviewer, let at, let note):
            line.add("state", "approved")
            line.add("reviewer", reviewer)
            line.add("at", OutboxMessage.utcText(at))
            line.add("note", note)
            line.add("changed", 0)
            line.add("since", String?.none)
        case .changedSinceApproval(let reviewer, let at, let note, let changed):
            line.add("state", "changed_since_approval")
            line.add("reviewer", reviewer)
            line.add("at", OutboxMessage.utcText(at))
            line.add("note", note)
            line.add("changed", changed)
            line.add("since", String?.none)
        case .rejected(let reviewer, let at, let note):
            line.add("state", "rejected")
            line.add("reviewer", reviewer)
            line.add("at", OutboxMessage.utcText(at))
            line.add("note", note)
            line.add("changed", Int?.none)
            line.add("since", String?.none)
        }
        return line.string
    }

    private static func costJSON(_ cost: Cost) -> String {
        var object = JSONObject()
        object.add("sender", raw: quoted(cost.sender))
        object.add("messages", raw: String(cost.messages))
        object.add("segments", raw: String(cost.segments))
        object.add("price_per_segment", raw: number(cost.pricePerSegment, maxPlaces: 10))
        object.add("currency", raw: cost.currency.map(quoted) ?? "null")
        object.add("total", raw: number(cost.total, maxPlaces: 4))
        return object.string
    }

    private static func messagesJSON(_ messages: [Message]) -> String {
        "[" + messages.map(messageJSON).joined(separator: ",") + "]"
    }

    private static func messageJSON(_ message: Message) -> String {
        var line = JSONLine()
        line.add("id", message.id)
        line.add("campaign", message.campaign)
        line.add("step", message.step)
        line.add("patient_id", message.patientID)
        line.add("to", message.to)
        line.add("send_at", OutboxMessage.utcText(message.sendAt))
        line.add("send_at_local", message.sendAtLocal)
        line.add("state", message.state.rawValue)
        line.add("senders", message.senders)
        line.add("body", message.body)
        line.add("encoding", message.encoding.rawValue)
        line.add("units", message.units)
        line.add("segments", message.segments)
        line.add("forced_ucs2_by", message.forcedUCS2By)
        line.add("warnings", message.warnings)
        return line.string
    }

    /// A JSON number with at most `maxPlaces` decimals, or `null` when absent or not finite.
    private static func number(_ value: Double?, maxPlaces: Int) -> String {
        guard let value, value.isFinite else { return "null" }
        return decimal(value, maxPlaces: maxPlaces)
    }

    private static func quoted(_ value: String) -> String {
        var text = ""
        JSONLine.appendQuoted(value, to: &text)
        return text
    }

    private static func jsonArray(_ values: [String]) -> String {
        "[" + values.map(quoted).joined(separator: ",") + "]"
    }
}

/// A JSON object whose values are already JSON (nested objects, arrays, numbers), keys in insertion order.
private struct JSONObject {
    private var text = "{"
    private var empty = true

    mutating func add(_ name: String, raw value: String) {
        if !empty { text += "," }
        empty = false
        JSONLine.appendQuoted(name, to: &text)
        text += ":" + value
    }

    var string: String { text + "}" }
}
