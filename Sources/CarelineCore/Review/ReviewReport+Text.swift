import Foundation

extension ReviewReport {
    /// The report for a terminal: English labels, times in UTC (`2026-12-01T11:00:00Z`), hours and dates in the
    /// patient's zone, money with two decimals (`CNY 12.35`).
    ///
    /// Sections in reading order: header and approval, counts, messages per day, an hourly histogram (only the
    /// hours with messages), segments and estimated cost, the longest bodies, the UCS-2 bodies with the
    /// characters that forced UCS-2, and the sample. Control characters in free text (other than line breaks
    /// and tabs) are shown as `<U+001B>` so a body cannot drive the reviewer's terminal.
    public var text: String {
        var lines: [String] = []
        lines.append("Review of batch \(batchID)")
        lines.append(
            "campaigns: " + (campaigns.isEmpty ? "none" : Self.printable(campaigns.joined(separator: ", "))))
        lines.append("queued: \(OutboxMessage.utcText(queuedAt)) by \(Self.printable(queuedBy))")
        lines.append("approval: \(approvalText)")
        lines.append("generated: \(OutboxMessage.utcText(generatedAt))")
        lines.append("")
        lines.append("pending: \(pending)")
        lines.append("states: \(statesText)")
        lines.append(
            "skipped: \(skipped.duplicate) duplicate, \(skipped.optedOut) opted out, \(skipped.expired) expired, "
                + "\(skipped.capped) capped, \(skipped.invalid) invalid")
        lines.append("")
        lines += perDayLines
        lines.append("")
        lines += perHourLines
        lines.append("")
        lines.append("segments: \(segments)")
        lines += costLines
        lines.append("")
        if longest.isEmpty {
            lines.append("longest bodies: none")
        } else {
            lines.append("longest bodies:")
            for message in longest { lines += Self.textBlock(message, forcedBy: false) }
        }
        lines.append("")
        if ucs2.isEmpty {
            lines.append("UCS-2 bodies: none (every pending body fits GSM-7)")
        } else {
            lines.append("UCS-2 bodies (\(ucs2.count)):")
            for message in ucs2 { lines += Self.textBlock(message, forcedBy: true) }
        }
        lines.append("")
        lines.append("sample: \(sampleHeading)")
        for message in sample { lines += Self.textBlock(message, forcedBy: false) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The approval in one line for people, e.g. `waiting for approval since 2026-12-01T02:00:00Z`,
    /// `approved by li.na at 2026-12-01T03:00:00Z (looks right)`, `CHANGED SINCE APPROVAL: 2 messages held until
    /// approved again (approved by li.na at …)`, `rejected by li.na at …: wrong date`, `no approval needed`.
    public var approvalText: String {
        switch approval {
        case .notRequired:
            return "no approval needed"
        case .waiting(let since):
            return "waiting for approval since \(OutboxMessage.utcText(since))"
        case .approved(let reviewer, let at, let note):
            return Self.approvedBy(reviewer, at: at, note: note)
        case .changedSinceApproval(let reviewer, let at, let note, let changed):
            let held = changed == 1 ? "1 message held" : "\(changed) messages held"
            return "CHANGED SINCE APPROVAL: \(held) until approved again "
                + "(\(Self.approvedBy(reviewer, at: at, note: note)))"
        case .rejected(let reviewer, let at, let note):
            return
                "rejected by \(Self.printable(reviewer)) at \(OutboxMessage.utcText(at)): \(Self.printable(note))"
        }
    }

    /// The estimated total for people: `CNY 0.27`, one amount per currency joined by ` + ` when senders bill in
    /// different currencies, or `unknown` when no sender has a price. Senders without a price are left out of
    /// the sum (``missingPriceSenders`` names them).
    public var costTotalText: String {
        var order: [String] = []
        var sums: [String: Double] = [:]
        for cost in costs {
            guard let total = cost.total else { continue }
            let currency = cost.currency ?? ""
            if sums[currency] == nil { order.append(currency) }
            sums[currency, default: 0] += total
        }
        if order.isEmpty { return "unknown" }
        return order.map { Self.money(sums[$0] ?? 0, currency: $0.isEmpty ? nil : $0) }.joined(
            separator: " + ")
    }

    /// The senders with pending messages but no `price_per_segment` in careline.toml, in report order.
    public var missingPriceSenders: [String] {
        costs.filter { $0.pricePerSegment == nil }.map(\.sender)
    }

    // MARK: - Sections

    private var statesText: String {
        let present = MessageState.allCases.compactMap { state in
            states[state].map { "\($0) \(state.rawValue)" }
        }
        return present.isEmpty ? "none" : present.joined(separator: ", ")
    }

    private var perDayLines: [String] {
        guard !perDay.isEmpty else { return ["per day: none"] }
        let width = perDay.map { String($0.count).count }.max() ?? 1
        return ["per day (patient's local date):"]
            + perDay.map { "  \($0.date.iso)  \(Self.padLeft(String($0.count), width))" }
    }

    private var perHourLines: [String] {
        let hours = hourCounts
        let peak = hours.max() ?? 0
        guard peak > 0 else { return ["per hour: none"] }
        let width = String(peak).count
        var lines = ["per hour (patient's local time):"]
        for (hour, count) in hours.enumerated() where count > 0 {
            let bar = String(repeating: "#", count: max(1, count * Self.barWidth / peak))
            lines.append("  \(Self.two(hour)):00  \(Self.padLeft(String(count), width)) \(bar)")
        }
        return lines
    }

    private var costLines: [String] {
        guard !costs.isEmpty else { return ["estimated cost: nothing to send"] }
        var lines = ["estimated cost:"]
        for cost in costs {
            let head =
                "  \(Self.printable(cost.sender)): \(Self.plural(cost.messages, "message")), "
                + Self.plural(cost.segments, "segment")
            if let price = cost.pricePerSegment, let total = cost.total {
                let currency = cost.currency.map { "\(Self.printable($0)) " } ?? ""
                lines.append(
                    "\(head) × \(currency)\(Self.decimal(price, maxPlaces: 6)) = "
                        + Self.money(total, currency: cost.currency))
            } else {
                lines.append("\(head): no price configured for sender \(Self.printable(cost.sender))")
            }
        }
        var total = "  total: \(Self.printable(costTotalText))"
        let missing = missingPriceSenders
        if !missing.isEmpty {
            total += " (without " + Self.printable(missing.joined(separator: ", ")) + ": no price configured)"
        }
        lines.append(total)
        return lines
    }

    private var sampleHeading: String {
        if sample.isEmpty { return pending == 0 ? "no pending messages" : "none shown (\(pending) pending)" }
        if sampleIsAll { return "all \(Self.plural(sample.count, "pending message"))" }
        return "\(sample.count) of \(Self.plural(pending, "pending message"))"
    }

    /// One message for the terminal: who and when, the size, warnings, then the body behind `| `.
    private static func textBlock(_ message: Message, forcedBy: Bool) -> [String] {
        var lines = [
            "  \(printable(message.id)) · patient \(printable(message.patientID)) · \(printable(message.to)) · "
                + "\(printable(message.campaign)) \(printable(message.step)) · \(message.state.rawValue)",
            "    send: \(printable(message.sendAtLocal)) (\(OutboxMessage.utcText(message.sendAt))) · via "
                + printable(message.senders.joined(separator: ", ")),
            "    \(message.encoding.rawValue) · \(message.units) units · \(plural(message.segments, "part"))",
        ]
        if forcedBy, !message.forcedUCS2By.isEmpty {
            lines.append("    forced UCS-2 by: \(printable(forcedText(message.forcedUCS2By)))")
        }
        for warning in message.warnings { lines.append("    ! \(printable(warning))") }
        for line in printable(message.body).split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(line.isEmpty ? "    |" : "    | \(line)")
        }
        return lines
    }

    // MARK: - Shared by the renderers

    /// Width of the longest histogram bar in the text form.
    static let barWidth = 40
    /// How many forcing characters are listed before `+N more`.
    static let forcedListLimit = 8

    /// `perHour` as exactly 24 counts (missing hours are zeros).
    var hourCounts: [Int] {
        (0..<24).map { $0 < perHour.count ? perHour[$0] : 0 }
    }

    /// `“ (U+201C), 您 (U+60A8)`, at most ``forcedListLimit`` characters, then `+N more`.
    static func forcedText(_ characters: [String]) -> String {
        var parts = characters.prefix(forcedListLimit).map { "\($0) (\(codePoints($0)))" }
        if characters.count > forcedListLimit { parts.append("+\(characters.count - forcedListLimit) more") }
        return parts.joined(separator: ", ")
    }

    /// `U+201C` (scalars joined by spaces).
    static func codePoints(_ text: String) -> String {
        text.unicodeScalars.map { scalar in
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }.joined(separator: " ")
    }

    /// `approved by li.na at 2026-12-01T03:00:00Z (note)`.
    static func approvedBy(_ reviewer: String, at: Date, note: String?) -> String {
        var text = "approved by \(printable(reviewer)) at \(OutboxMessage.utcText(at))"
        if let note, !note.isEmpty { text += " (\(printable(note)))" }
        return text
    }

    /// `CNY 12.35`, or `12.35` without a currency.
    static func money(_ amount: Double, currency: String?) -> String {
        (currency.map { "\($0) " } ?? "") + fixed(amount, places: 2)
    }

    /// `amount` rounded half away from zero to exactly `places` decimals, e.g. `0.27` for 0.26999999999999996.
    ///
    /// A tiny nudge before rounding makes binary near-halves such as 12.345 (stored as 12.3449999…) round the way
    /// a person computing by hand expects.
    static func fixed(_ amount: Double, places: Int) -> String {
        guard amount.isFinite else { return "\(amount)" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = amount * scale
        let rounded = (scaled + (scaled < 0 ? -1e-7 : 1e-7)).rounded(.toNearestOrAwayFromZero)
        guard abs(rounded) < 9e15 else { return "\(amount)" }
        let units = Int64(rounded)
        let divisor = Int64(scale)
        let whole = units.magnitude / UInt64(divisor)
        let sign = units < 0 ? "-" : ""
        guard places > 0 else { return "\(sign)\(whole)" }
        let fraction = String(units.magnitude % UInt64(divisor))
        return "\(sign)\(whole)." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// `amount` with at most `maxPlaces` decimals and no trailing zeros: `0.045`, `12`, `0.2725`.
    static func decimal(_ amount: Double, maxPlaces: Int) -> String {
        var text = fixed(amount, places: maxPlaces)
        guard text.contains(".") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// `1 part`, `3 parts`.
    static func plural(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func padLeft(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// `text` with control characters other than line feed and tab shown as `<U+001B>`: a body must not move the
    /// cursor, clear the screen or recolour the reviewer's terminal.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result += "<\(codePoints(String(scalar)))>"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar != "\n", scalar != "\t" else { return false }
        return scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
