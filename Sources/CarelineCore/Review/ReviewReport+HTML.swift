import Foundation

extension ReviewReport {
    /// The report as one self-contained HTML5 page a reviewer opens from disk, offline.
    ///
    /// Inline CSS, an inline SVG histogram and a few lines of inline JavaScript (a search box that filters the
    /// message bubbles by patient id); nothing is loaded from anywhere. Every value from the database or the
    /// configuration is HTML-escaped. Each message body carries `lang="zh-CN"` when it contains CJK characters,
    /// else `lang="en"`, so browsers pick matching fonts.
    ///
    /// Stable hooks for tests: `id="summary"`, `id="pending"`, `id="segments"`, `id="cost-total"`,
    /// `id="histogram"` (the `<svg>`), `id="per-day"`, `id="search"`, `id="shown"` (filled by the script), and
    /// `class="bubble"` with `data-patient` on every message.
    public var html: String {
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Review of batch \(batchID)</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <main>

            """
        page += summaryHTML
        page += timingHTML
        page += "<div class=\"tools\"><label for=\"search\">Search by patient ID</label> "
        page += "<input id=\"search\" type=\"search\" placeholder=\"P001\" autocomplete=\"off\"> "
        page += "<span id=\"shown\" aria-live=\"polite\"></span></div>\n"
        if !longest.isEmpty {
            page += "<section id=\"longest\" class=\"card\"><h2>Longest bodies</h2>\n"
            page += Self.bubblesHTML(longest, markForced: false)
            page += "</section>\n"
        }
        page += "<section id=\"ucs2\" class=\"card\"><h2>Bodies that need UCS-2</h2>\n"
        if ucs2.isEmpty {
            page += "<p>None: every pending body fits GSM-7.</p>\n"
        } else {
            page += "<p>The highlighted characters are outside the GSM-7 alphabet: each such body is sent in "
            page += "UCS-2, 70 characters per SMS instead of 160.</p>\n"
            page += Self.bubblesHTML(ucs2, markForced: true)
        }
        page += "</section>\n"
        page += "<section id=\"sample\" class=\"card\"><h2>\(Self.escaped(sampleTitle))</h2>\n"
        page += Self.bubblesHTML(sample, markForced: false)
        page += "</section>\n</main>\n<script>\(Self.script)</script>\n</body>\n</html>\n"
        return page
    }

    // MARK: - Sections

    private var summaryHTML: String {
        var html = "<section id=\"summary\" class=\"card\">\n"
        html +=
            "<h1>Review of batch \(batchID) <span id=\"approval-state\" class=\"badge badge-\(badge.style)\">"
        html += "\(badge.label)</span></h1>\n"
        html += "<p id=\"approval\">\(Self.escaped(approvalText))</p>\n"
        html += "<div class=\"figures\">"
        html += Self.figure("Pending messages", id: "pending", value: String(pending))
        html += Self.figure("SMS segments", id: "segments", value: String(segments))
        html += Self.figure("Estimated cost", id: "cost-total", value: costTotalText)
        html += "</div>\n<table class=\"facts\">\n"
        html += "<tr><th>Campaigns</th><td>\(Self.escaped(campaigns.joined(separator: ", ")))</td></tr>\n"
        html +=
            "<tr><th>Queued</th><td>\(OutboxMessage.utcText(queuedAt)) by \(Self.escaped(queuedBy))</td></tr>\n"
        html += "<tr><th>Messages by state</th><td>\(Self.escaped(statesSummary))</td></tr>\n"
        html += "<tr><th>Report made</th><td>\(OutboxMessage.utcText(generatedAt))</td></tr>\n</table>\n"
        html += "<h2>Skipped when queued</h2>\n<table id=\"skipped\"><tr>"
        let reasons = [
            ("Duplicate", skipped.duplicate), ("Opted out", skipped.optedOut), ("Expired", skipped.expired),
            ("Capped", skipped.capped), ("Invalid", skipped.invalid),
        ]
        html += reasons.map { "<th class=\"num\">\($0.0)</th>" }.joined() + "</tr>\n<tr>"
        html += reasons.map { "<td class=\"num\">\($0.1)</td>" }.joined() + "</tr></table>\n"
        html += "<h2>Estimated cost per sender</h2>\n"
        html +=
            "<table id=\"costs\"><tr><th>Sender</th><th class=\"num\">Messages</th><th class=\"num\">Segments</th>"
        html += "<th class=\"num\">Price per segment</th><th class=\"num\">Total</th></tr>\n"
        for cost in costs {
            html += "<tr><td>\(Self.escaped(cost.sender))</td><td class=\"num\">\(cost.messages)</td>"
            html += "<td class=\"num\">\(cost.segments)</td>"
            if let price = cost.pricePerSegment, let total = cost.total {
                let currency = cost.currency.map { "\(Self.escaped($0)) " } ?? ""
                html += "<td class=\"num\">\(currency)\(Self.decimal(price, maxPlaces: 6))</td>"
                html +=
                    "<td class=\"num\">\(Self.escaped(Self.money(total, currency: cost.currency)))</td></tr>\n"
            } else {
                html += "<td colspan=\"2\" class=\"warn\">no price configured for sender "
                html += "\(Self.escaped(cost.sender))</td></tr>\n"
            }
        }
        html +=
            "<tr class=\"total\"><th>Total</th><td class=\"num\">\(costs.reduce(0) { $0 + $1.messages })</td>"
        html += "<td class=\"num\">\(costs.reduce(0) { $0 + $1.segments })</td><td></td>"
        html += "<td class=\"num\">\(Self.escaped(costTotalText))</td></tr>\n</table>\n"
        if !missingPriceSenders.isEmpty {
            html += "<p class=\"warn\">Not in the total: no price_per_segment in careline.toml for "
            html += "\(Self.escaped(missingPriceSenders.joined(separator: ", "))).</p>\n"
        }
        return html + "</section>\n"
    }

    private var timingHTML: String {
        var html =
            "<section id=\"timing\" class=\"card\">\n<h2>Pending messages per hour (patient's local time)</h2>\n"
        html += histogramSVG
        html += "<h2>Pending messages per day (patient's local date)</h2>\n"
        html += "<table id=\"per-day\"><tr><th>Date</th><th class=\"num\">Messages</th></tr>\n"
        for day in perDay {
            html += "<tr><td>\(day.date.iso)</td><td class=\"num\">\(day.count)</td></tr>\n"
        }
        if perDay.isEmpty { html += "<tr><td colspan=\"2\">none</td></tr>\n" }
        return html + "</table>\n</section>\n"
    }

    /// 24 bars with the hour under each and the count above each non-empty one.
    private var histogramSVG: String {
        let hours = hourCounts
        let peak = max(hours.max() ?? 0, 1)
        let (slot, left, baseline, tallest) = (30, 10, 170, 140)
        let busy = hours.enumerated().filter { $0.element > 0 }.map {
            "\(Self.two($0.offset)):00 \($0.element)"
        }
        let title =
            "Pending messages per local hour: " + (busy.isEmpty ? "none" : busy.joined(separator: ", "))
        var svg = "<svg id=\"histogram\" viewBox=\"0 0 \(left * 2 + slot * 24) 196\" width=\"100%\" "
        svg += "role=\"img\" aria-labelledby=\"histogram-title\">\n"
        svg += "<title id=\"histogram-title\">\(title)</title>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(baseline)\" x2=\"\(left + slot * 24)\" y2=\"\(baseline)\" "
        svg += "stroke=\"#d1d9e0\"/>\n"
        for (hour, count) in hours.enumerated() {
            let center = left + slot * hour + slot / 2
            if count > 0 {
                let height = max(2, count * tallest / peak)
                svg += "<g><title>\(Self.two(hour)):00 \(Self.plural(count, "message"))</title>"
                svg += "<rect class=\"bar\" x=\"\(center - 11)\" y=\"\(baseline - height)\" width=\"22\" "
                svg += "height=\"\(height)\" rx=\"3\" fill=\"#0969da\"/>"
                svg +=
                    "<text x=\"\(center)\" y=\"\(baseline - height - 4)\" text-anchor=\"middle\">\(count)</text></g>\n"
            }
            svg +=
                "<text x=\"\(center)\" y=\"\(baseline + 18)\" text-anchor=\"middle\">\(Self.two(hour))</text>\n"
        }
        return svg + "</svg>\n"
    }

    private var badge: (style: String, label: String) {
        switch approval {
        case .notRequired: return ("not-required", "No approval needed")
        case .waiting: return ("waiting", "Waiting for approval")
        case .approved: return ("approved", "Approved")
        case .changedSinceApproval: return ("changed", "Changed since approval")
        case .rejected: return ("rejected", "Rejected")
        }
    }

    private var statesSummary: String {
        let present = MessageState.allCases.compactMap { state in
            states[state].map { "\($0) \(state.rawValue)" }
        }
        return present.isEmpty ? "none" : present.joined(separator: ", ")
    }

    private var sampleTitle: String {
        if sample.isEmpty {
            return pending == 0 ? "No pending messages" : "No messages shown (\(pending) pending)"
        }
        if sampleIsAll { return "All \(Self.plural(sample.count, "pending message"))" }
        return "Sample: \(sample.count) of \(Self.plural(pending, "pending message"))"
    }

    private static func figure(_ label: String, id: String, value: String) -> String {
        "<div class=\"figure\"><span class=\"label\">\(label)</span>"
            + "<span class=\"value\" id=\"\(id)\">\(escaped(value))</span></div>"
    }

    private static func bubblesHTML(_ messages: [Message], markForced: Bool) -> String {
        var html = "<div class=\"bubbles\">\n"
        for message in messages { html += bubbleHTML(message, markForced: markForced) }
        return html + "</div>\n"
    }

    /// One message as an SMS-app bubble between a header (who, when) and a footer (size, route).
    private static func bubbleHTML(_ message: Message, markForced: Bool) -> String {
        var html = "<article class=\"bubble\" data-patient=\"\(escaped(message.patientID))\">\n"
        html += "<div class=\"meta\"><span class=\"to\">\(escaped(message.to))</span> · patient "
        html +=
            "<b>\(escaped(message.patientID))</b> · <time datetime=\"\(OutboxMessage.utcText(message.sendAt))\">"
        html += "\(escaped(message.sendAtLocal))</time></div>\n"
        let body = markForced ? marked(message.body, forcedBy: message.forcedUCS2By) : escaped(message.body)
        html += "<div class=\"sms\" lang=\"\(language(message.body))\">\(body)</div>\n"
        html += "<div class=\"meta\">\(message.encoding.rawValue) · \(message.units) units · "
        html +=
            "<b>\(plural(message.segments, "part"))</b> · \(escaped(message.campaign)) \(escaped(message.step))"
        html += " · via \(escaped(message.senders.joined(separator: " → "))) · \(message.state.rawValue) · "
        html += "<span class=\"id\">\(escaped(message.id))</span></div>\n"
        if markForced, !message.forcedUCS2By.isEmpty {
            html += "<p class=\"forced\">UCS-2 because of: \(escaped(forcedText(message.forcedUCS2By)))</p>\n"
        }
        if !message.warnings.isEmpty {
            html += "<ul class=\"warnings\">"
            html += message.warnings.map { "<li>\(escaped($0))</li>" }.joined()
            html += "</ul>\n"
        }
        return html + "</article>\n"
    }

    // MARK: - Escaping and language

    /// `text` safe inside HTML text and quoted attribute values: `& < > " '` become entities.
    static func escaped(_ text: String) -> String {
        guard
            text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 })
        else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars { appendEscaped(scalar, to: &result) }
        return result
    }

    private static func appendEscaped(_ scalar: Unicode.Scalar, to result: inout String) {
        switch scalar {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.unicodeScalars.append(scalar)
        }
    }

    /// `body` escaped, with each run of the characters that forced UCS-2 inside `<mark>`.
    static func marked(_ body: String, forcedBy: [String]) -> String {
        let forcing = Set(forcedBy.flatMap(\.unicodeScalars))
        var result = ""
        var open = false
        for scalar in body.unicodeScalars {
            let hit = forcing.contains(scalar)
            if hit, !open { result += "<mark>" }
            if !hit, open { result += "</mark>" }
            open = hit
            appendEscaped(scalar, to: &result)
        }
        if open { result += "</mark>" }
        return result
    }

    /// `zh-CN` when `text` has a CJK ideograph, CJK punctuation or a full-width form, else `en`.
    static func language(_ text: String) -> String {
        let cjk = text.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x3000...0x303F, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF00...0xFFEF,
                0x20000...0x2FA1F:
                return true
            default:
                return false
            }
        }
        return cjk ? "zh-CN" : "en"
    }

    // MARK: - Inline assets

    private static let style = """
        :root{color-scheme:light;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0}
        *{box-sizing:border-box}
        body{margin:0;background:#f6f8fa;color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",\
        Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Hiragino Sans GB","Microsoft YaHei",sans-serif}
        main{max-width:1100px;margin:0 auto;padding:24px 16px}
        h1{font-size:1.5rem;margin:0 0 .5rem;display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
        h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
        .card>h2:first-child{margin-top:0}
        .card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:20px;margin-bottom:20px}
        .badge{font-size:.8rem;font-weight:600;padding:.2rem .7rem;border-radius:999px;color:#fff}
        .badge-approved{background:#1a7f37}.badge-waiting{background:#9a6700}.badge-changed{background:#cf222e}
        .badge-rejected{background:#57606a}.badge-not-required{background:#0969da}
        .figures{display:flex;flex-wrap:wrap;gap:12px;margin:1rem 0}
        .figure{flex:1 1 10rem;border:1px solid var(--line);border-radius:10px;padding:10px 14px}
        .figure .label{display:block;color:var(--muted);font-size:.85rem}
        .figure .value{display:block;font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:4px 12px 4px 0;border-bottom:1px solid #eaeef2;vertical-align:top}
        .num{text-align:right;font-variant-numeric:tabular-nums}
        .total th,.total td{font-weight:700;border-bottom:0}
        .warn{color:#cf222e;font-weight:600}
        svg text{font-size:11px;fill:var(--muted)}
        .tools{position:sticky;top:0;z-index:1;background:#f6f8fa;padding:8px 0 12px;display:flex;gap:12px;\
        align-items:center;flex-wrap:wrap}
        #search{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:8px;min-width:16rem}
        #shown{color:var(--muted)}
        .bubbles{display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:16px}
        .bubble{background:#f9fafb;border:1px solid var(--line);border-radius:24px;padding:14px 16px}
        .bubble[hidden]{display:none}
        .meta{color:var(--muted);font-size:.8rem}
        .sms{background:#e9e9eb;border-radius:18px 18px 18px 4px;padding:10px 14px;margin:8px 0;\
        white-space:pre-wrap;overflow-wrap:anywhere}
        .forced{font-size:.85rem;margin:6px 0 0}
        .warnings{margin:6px 0 0;padding:0;list-style:none}
        .warnings li{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:2px 8px;\
        margin-top:4px;font-size:.85rem}
        mark{background:#ffd33d;border-radius:3px}
        @media print{.tools{display:none}.bubble{break-inside:avoid}}
        """

    /// Filters the bubbles by patient id as the reviewer types, and says how many are shown (also on load, which
    /// shows the script ran).
    private static let script = """
        (function(){var box=document.getElementById('search'),shown=document.getElementById('shown'),\
        bubbles=document.querySelectorAll('.bubble');function apply(){var q=box.value.trim().toLowerCase(),n=0;\
        for(var i=0;i<bubbles.length;i++){var b=bubbles[i],hit=q===''||\
        (b.getAttribute('data-patient')||'').toLowerCase().indexOf(q)>=0;b.hidden=!hit;if(hit)n++;}\
        shown.textContent=n+' of '+bubbles.length+' shown';}box.addEventListener('input',apply);apply();})();
        """
}
