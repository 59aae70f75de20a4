import CarelineCore
import Foundation
import Testing

/// The three renderings of a review report (terminal text, JSON, one HTML page), on reports built by hand: a
/// Chinese batch whose bodies need UCS-2 and an English batch of two-part GSM-7 bodies. The builder computes
/// segments and costs' inputs; these tests check what a reviewer reads and the arithmetic of the totals.
@Suite("Review report rendering")
struct ReviewReportRenderingTests {
    // MARK: - Fixtures

    static func instant(_ text: String) throws -> Date { try #require(Timestamp.parse(text)) }
    static func date(_ text: String) throws -> LocalDate { try #require(LocalDate(iso: text)) }

    /// 71 UTF-16 units: one more than a single UCS-2 part holds, so 2 parts.
    static let zhLong = "王先生您好：您在仁爱诊所的复查定于12月3日上午9:00，请带上病历本和医保卡，提前十分钟到门诊大楼东侧二楼的护士站登记，谢谢您！\n回复T退订"
    /// Fits one UCS-2 part; forced by its Chinese characters.
    static let zhShort = "李女士您好：您的体检报告已出，请于本周内来院取。\n回复T退订"
    /// GSM-7 text except for the curly quotes.
    static let quoted = "Dear Ms Li, your “recheck” is due. Reply T to stop."
    /// 186 septets: two GSM-7 parts (153 + 33).
    static let enLong =
        "Hello Mr Smith, this is Evergreen Clinic. Your check-up is on 3 December at 09:00. Please bring your "
        + "insurance card and arrive ten minutes early at the front desk. Reply STOP to opt out."

    static func message(
        _ id: String, patient: String, body: String, to: String = "+86138****8000",
        sendAt: String = "2026-12-01T11:00:00Z", local: String = "2026-12-01 19:00 Asia/Shanghai",
        campaign: String = "recall-zh", senders: [String] = ["sms-main", "sms-backup"],
        warnings: [String] = []
    ) throws -> ReviewReport.Message {
        let analysis = SMSAnalysis(analyzing: body)
        return ReviewReport.Message(
            id: id, campaign: campaign, step: "first", patientID: patient, to: to,
            sendAt: try instant(sendAt),
            sendAtLocal: local, state: .queued, senders: senders, body: body, encoding: analysis.encoding,
            units: analysis.units, segments: analysis.segments, forcedUCS2By: analysis.nonGSM,
            warnings: warnings)
    }

    /// Batch 42: three Chinese messages of 2 parts each through sms-main at CNY 0.045 a part.
    static func zhReport(approval: ReviewReport.Approval? = nil) throws -> ReviewReport {
        let first = try message("m-001", patient: "P001", body: zhLong)
        let second = try message(
            "m-002", patient: "P002", body: zhLong, to: "+86139****9001", sendAt: "2026-12-01T11:30:00Z",
            local: "2026-12-01 19:30 Asia/Shanghai")
        let third = try message(
            "m-003", patient: "P003", body: zhLong, to: "+86137****7002", sendAt: "2026-12-02T01:00:00Z",
            local: "2026-12-02 09:00 Asia/Shanghai", warnings: ["2 parts"])
        var perHour = Array(repeating: 0, count: 24)
        perHour[19] = 2
        perHour[9] = 1
        return ReviewReport(
            batchID: 42, campaigns: ["recall-zh"], queuedAt: try instant("2026-12-01T02:00:00Z"),
            queuedBy: "wang.fang", generatedAt: try instant("2026-12-01T08:00:00Z"),
            approval: try approval ?? .waiting(since: instant("2026-12-01T02:00:00Z")),
            states: [.queued: 3, .cancelled: 1], pending: 3,
            skipped: .init(duplicate: 1, optedOut: 0, expired: 0, capped: 2, invalid: 1),
            perDay: [(try date("2026-12-01"), 2), (try date("2026-12-02"), 1)], perHour: perHour, segments: 6,
            costs: [
                .init(sender: "sms-main", messages: 3, segments: 6, pricePerSegment: 0.045, currency: "CNY")
            ],
            longest: [first, second], ucs2: [first, second, third], sample: [first, second, third],
            sampleIsAll: true)
    }

    /// Batch 7: two-part GSM-7 bodies; one sender priced in USD, one without a price; a sample of 2 of 3.
    static func enReport() throws -> ReviewReport {
        let first = try message(
            "e-1", patient: "A17", body: enLong, to: "+1415****0100", sendAt: "2026-12-01T17:00:00Z",
            local: "2026-12-01 09:00 America/Los_Angeles", campaign: "recheck-en", senders: ["twilio"])
        let second = try message(
            "e-2", patient: "A18", body: quoted, to: "+1415****0101", sendAt: "2026-12-01T17:00:00Z",
            local: "2026-12-01 09:00 America/Los_Angeles", campaign: "recheck-en", senders: ["backup"],
            warnings: ["needs UCS-2 because of “"])
        var perHour = Array(repeating: 0, count: 24)
        perHour[9] = 3
        return ReviewReport(
            batchID: 7, campaigns: ["recheck-en", "flu-en"], queuedAt: try instant("2026-11-30T20:00:00Z"),
            queuedBy: "ops", generatedAt: try instant("2026-11-30T21:00:00Z"),
            approval: .approved(reviewer: "li.na", at: try instant("2026-11-30T20:30:00Z"), note: "checked"),
            states: [.queued: 2, .retry: 1], pending: 3, skipped: .init(),
            perDay: [(try date("2026-12-01"), 3)],
            perHour: perHour, segments: 5,
            costs: [
                .init(sender: "twilio", messages: 2, segments: 4, pricePerSegment: 0.0075, currency: "USD"),
                .init(sender: "backup", messages: 1, segments: 1, pricePerSegment: nil, currency: nil),
            ],
            longest: [first], ucs2: [second], sample: [first, second], sampleIsAll: false)
    }

    static func jsonObject(_ text: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        return try #require(value as? [String: Any], "not a JSON object")
    }

    @Test func fixturesHaveTheSizesTheTestsAssume() {
        let long = SMSAnalysis(analyzing: Self.zhLong)
        #expect(long.encoding == .ucs2)
        #expect(long.units == 71)
        #expect(long.segments == 2)
        let english = SMSAnalysis(analyzing: Self.enLong)
        #expect(english.encoding == .gsm7)
        #expect(english.units == 186)
        #expect(english.segments == 2)
        #expect(SMSAnalysis(analyzing: Self.quoted).nonGSM == ["“", "”"])
    }

    // MARK: - Text

    @Test func textOfAnEnglishBatchIsExact() throws {
        let expected = """
            Review of batch 7
            campaigns: recheck-en, flu-en
            queued: 2026-11-30T20:00:00Z by ops
            approval: approved by li.na at 2026-11-30T20:30:00Z (checked)
            generated: 2026-11-30T21:00:00Z

            pending: 3
            states: 2 queued, 1 retry
            skipped: 0 duplicate, 0 opted out, 0 expired, 0 capped, 0 invalid

            per day (patient's local date):
              2026-12-01  3

            per hour (patient's local time):
              09:00  3 ########################################

            segments: 5
            estimated cost:
              twilio: 2 messages, 4 segments × USD 0.0075 = USD 0.03
              backup: 1 message, 1 segment: no price configured for sender backup
              total: USD 0.03 (without backup: no price configured)

            longest bodies:
              e-1 · patient A17 · +1415****0100 · recheck-en first · queued
                send: 2026-12-01 09:00 America/Los_Angeles (2026-12-01T17:00:00Z) · via twilio
                GSM-7 · 186 units · 2 parts
                | \(Self.enLong)

            UCS-2 bodies (1):
              e-2 · patient A18 · +1415****0101 · recheck-en first · queued
                send: 2026-12-01 09:00 America/Los_Angeles (2026-12-01T17:00:00Z) · via backup
                UCS-2 · 51 units · 1 part
                forced UCS-2 by: “ (U+201C), ” (U+201D)
                ! needs UCS-2 because of “
                | Dear Ms Li, your “recheck” is due. Reply T to stop.

            sample: 2 of 3 pending messages
              e-1 · patient A17 · +1415****0100 · recheck-en first · queued
                send: 2026-12-01 09:00 America/Los_Angeles (2026-12-01T17:00:00Z) · via twilio
                GSM-7 · 186 units · 2 parts
                | \(Self.enLong)
              e-2 · patient A18 · +1415****0101 · recheck-en first · queued
                send: 2026-12-01 09:00 America/Los_Angeles (2026-12-01T17:00:00Z) · via backup
                UCS-2 · 51 units · 1 part
                ! needs UCS-2 because of “
                | Dear Ms Li, your “recheck” is due. Reply T to stop.

            """
        #expect(try Self.enReport().text == expected)
    }

    @Test func textOfAChineseBatchShowsCountsHistogramCostAndBodies() throws {
        let lines = try Self.zhReport().text.split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        #expect(
            Array(lines.prefix(22)) == [
                "Review of batch 42",
                "campaigns: recall-zh",
                "queued: 2026-12-01T02:00:00Z by wang.fang",
                "approval: waiting for approval since 2026-12-01T02:00:00Z",
                "generated: 2026-12-01T08:00:00Z",
                "",
                "pending: 3",
                "states: 3 queued, 1 cancelled",
                "skipped: 1 duplicate, 0 opted out, 0 expired, 2 capped, 1 invalid",
                "",
                "per day (patient's local date):",
                "  2026-12-01  2",
                "  2026-12-02  1",
                "",
                "per hour (patient's local time):",
                "  09:00  1 ####################",
                "  19:00  2 ########################################",
                "",
                "segments: 6",
                "estimated cost:",
                "  sms-main: 3 messages, 6 segments × CNY 0.045 = CNY 0.27",
                "  total: CNY 0.27",
            ])
        // The third UCS-2 block: the first 8 forcing characters with code points, its warning, the body by line.
        let start = try #require(lines.firstIndex(of: "UCS-2 bodies (3):"))
        #expect(
            Array(lines[(start + 13)...(start + 19)]) == [
                "  m-003 · patient P003 · +86137****7002 · recall-zh first · queued",
                "    send: 2026-12-02 09:00 Asia/Shanghai (2026-12-02T01:00:00Z) · via sms-main, sms-backup",
                "    UCS-2 · 71 units · 2 parts",
                "    forced UCS-2 by: 王 (U+738B), 先 (U+5148), 生 (U+751F), 您 (U+60A8), 好 (U+597D), ： (U+FF1A), "
                    + "在 (U+5728), 仁 (U+4EC1), +44 more",
                "    ! 2 parts",
                "    | 王先生您好：您在仁爱诊所的复查定于12月3日上午9:00，请带上病历本和医保卡，提前十分钟到门诊大楼东侧二楼的护士站登记，谢谢您！",
                "    | 回复T退订",
            ])
        #expect(lines.contains("sample: all 3 pending messages"))
        #expect(lines.filter { $0.hasPrefix("  m-") }.count == 2 + 3 + 3)
    }

    static let approvals: [(ReviewReport.Approval, String)] = [
        (.notRequired, "no approval needed"),
        (
            .waiting(since: Date(timeIntervalSince1970: 1_796_090_400)),
            "waiting for approval since 2026-12-01T02:00:00Z"
        ),
        (
            .approved(
                reviewer: "li.na", at: Date(timeIntervalSince1970: 1_796_094_000), note: "checked the dates"),
            "approved by li.na at 2026-12-01T03:00:00Z (checked the dates)"
        ),
        (
            .approved(reviewer: "li.na", at: Date(timeIntervalSince1970: 1_796_094_000), note: nil),
            "approved by li.na at 2026-12-01T03:00:00Z"
        ),
        (
            .changedSinceApproval(
                reviewer: "li.na", at: Date(timeIntervalSince1970: 1_796_094_000), note: nil, changed: 2),
            "CHANGED SINCE APPROVAL: 2 messages held until approved again (approved by li.na at 2026-12-01T03:00:00Z)"
        ),
        (
            .changedSinceApproval(
                reviewer: "li.na", at: Date(timeIntervalSince1970: 1_796_094_000), note: "ok", changed: 1),
            "CHANGED SINCE APPROVAL: 1 message held until approved again (approved by li.na at "
                + "2026-12-01T03:00:00Z (ok))"
        ),
        (
            .rejected(
                reviewer: "zhao.lei", at: Date(timeIntervalSince1970: 1_796_097_600), note: "wrong date"),
            "rejected by zhao.lei at 2026-12-01T04:00:00Z: wrong date"
        ),
    ]

    @Test(arguments: approvals)
    func approvalLineInTextAndHTML(approval: ReviewReport.Approval, line: String) throws {
        let report = try Self.zhReport(approval: approval)
        #expect(report.approvalText == line)
        #expect(report.text.split(separator: "\n")[3] == "approval: \(line)")
        #expect(report.html.contains("<p id=\"approval\">\(line)</p>"))
    }

    @Test func approvalBadgeInHTML() throws {
        let at = try Self.instant("2026-12-01T03:00:00Z")
        let cases: [(ReviewReport.Approval, String)] = [
            (.notRequired, "badge-not-required\">No approval needed<"),
            (.waiting(since: at), "badge-waiting\">Waiting for approval<"),
            (.approved(reviewer: "a", at: at, note: nil), "badge-approved\">Approved<"),
            (
                .changedSinceApproval(reviewer: "a", at: at, note: nil, changed: 3),
                "badge-changed\">Changed since approval<"
            ),
            (.rejected(reviewer: "a", at: at, note: "no"), "badge-rejected\">Rejected<"),
        ]
        for (approval, badge) in cases {
            #expect(
                try Self.zhReport(approval: approval).html.contains(
                    "<span id=\"approval-state\" class=\"badge \(badge)"))
        }
    }

    @Test func controlCharactersInABodyCannotDriveTheTerminal() throws {
        var report = try Self.enReport()
        report.sample = [try Self.message("x-1", patient: "P9", body: "hi\u{1B}[2J\r\nbye\tnow\u{7F}")]
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.suffix(2) == ["    | hi<U+001B>[2J<U+000D>", "    | bye\tnow<U+007F>"])
        #expect(!report.text.contains("\u{1B}"))
    }

    @Test func anEmptyBatchSaysSoInEveryForm() throws {
        let report = ReviewReport(
            batchID: 3, campaigns: [], queuedAt: try Self.instant("2026-12-01T02:00:00Z"), queuedBy: "ops",
            generatedAt: try Self.instant("2026-12-01T02:00:00Z"), approval: .notRequired, states: [:],
            pending: 0,
            skipped: .init(optedOut: 4), perDay: [], perHour: [], segments: 0, costs: [], longest: [],
            ucs2: [],
            sample: [], sampleIsAll: true)
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.contains("campaigns: none"))
        #expect(lines.contains("states: none"))
        #expect(lines.contains("skipped: 0 duplicate, 4 opted out, 0 expired, 0 capped, 0 invalid"))
        #expect(lines.contains("per day: none"))
        #expect(lines.contains("per hour: none"))
        #expect(lines.contains("estimated cost: nothing to send"))
        #expect(lines.contains("longest bodies: none"))
        #expect(lines.contains("UCS-2 bodies: none (every pending body fits GSM-7)"))
        #expect(lines.last == "sample: no pending messages")
        #expect(report.costTotalText == "unknown")
        let json = try Self.jsonObject(report.json)
        #expect(json["per_hour"] as? [Int] == Array(repeating: 0, count: 24))
        #expect((json["costs"] as? [Any])?.isEmpty == true)
        #expect(report.html.contains("<span class=\"value\" id=\"pending\">0</span>"))
        #expect(report.html.contains("<span class=\"value\" id=\"cost-total\">unknown</span>"))
        #expect(!report.html.contains("class=\"bubble\""))
    }

    // MARK: - Cost arithmetic

    @Test func costIsSegmentsTimesPriceFormattedWithTwoDecimals() throws {
        // 3 messages × 2 segments (71 UCS-2 units each) × CNY 0.045 = CNY 0.27 (0.26999999999999996 in binary).
        let report = try Self.zhReport()
        #expect(report.segments == report.sample.reduce(0) { $0 + $1.segments })
        #expect(report.costTotalText == "CNY 0.27")
        #expect(report.html.contains("<span class=\"value\" id=\"cost-total\">CNY 0.27</span>"))
        let cost = try #require(try Self.jsonObject(report.json)["costs"] as? [[String: Any]]).first
        #expect(cost?["total"] as? Double == 0.27)
        #expect(cost?["price_per_segment"] as? Double == 0.045)
        #expect(report.json.contains("\"price_per_segment\":0.045,\"currency\":\"CNY\",\"total\":0.27}"))
    }

    @Test func costTotalsPerCurrencyRoundHalfUpAndLeaveOutUnpricedSenders() throws {
        var report = try Self.enReport()
        report.costs = [
            .init(sender: "a", messages: 1, segments: 1, pricePerSegment: 12.345, currency: "CNY"),
            .init(sender: "b", messages: 2, segments: 3, pricePerSegment: 0.123456, currency: "USD"),
            .init(sender: "c", messages: 4, segments: 4, pricePerSegment: 0.1, currency: "CNY"),
            .init(sender: "d", messages: 1, segments: 2, pricePerSegment: nil, currency: "CNY"),
            .init(sender: "e", messages: 1, segments: 2, pricePerSegment: 0.5, currency: nil),
        ]
        // CNY 12.345 + 0.4 = 12.745 → 12.75; USD 0.370368 → 0.37; no currency 1.00.
        #expect(report.costTotalText == "CNY 12.75 + USD 0.37 + 1.00")
        #expect(report.missingPriceSenders == ["d"])
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.contains("  a: 1 message, 1 segment × CNY 12.345 = CNY 12.35"))
        #expect(lines.contains("  b: 2 messages, 3 segments × USD 0.123456 = USD 0.37"))
        #expect(lines.contains("  d: 1 message, 2 segments: no price configured for sender d"))
        #expect(lines.contains("  e: 1 message, 2 segments × 0.5 = 1.00"))
        #expect(lines.contains("  total: CNY 12.75 + USD 0.37 + 1.00 (without d: no price configured)"))
        let costs = try #require(try Self.jsonObject(report.json)["costs"] as? [[String: Any]])
        #expect(costs.map { $0["total"] as? Double } == [12.345, 0.3704, 0.4, nil, 1])
        #expect(costs[3]["price_per_segment"] is NSNull)
        #expect(costs[3]["total"] is NSNull)
        #expect(costs[4]["currency"] is NSNull)
        #expect(
            report.html.contains("<td colspan=\"2\" class=\"warn\">no price configured for sender d</td>"))
        #expect(report.html.contains("no price_per_segment in careline.toml for d."))
    }

    // MARK: - JSON

    @Test func jsonHasTheContractFieldsInOrder() throws {
        let report = try Self.zhReport()
        let prefix = [
            "{\"batch\":42,\"campaigns\":[\"recall-zh\"],\"queued_at\":\"2026-12-01T02:00:00Z\",",
            "\"queued_by\":\"wang.fang\",\"generated_at\":\"2026-12-01T08:00:00Z\",\"approval\":{\"state\":",
            "\"waiting\",\"reviewer\":null,\"at\":null,\"note\":null,\"changed\":null,\"since\":",
            "\"2026-12-01T02:00:00Z\"},\"states\":{\"queued\":3,\"cancelled\":1},\"pending\":3,\"skipped\":",
            "{\"duplicate\":1,\"opted_out\":0,\"expired\":0,\"capped\":2,\"invalid\":1},\"per_day\":",
            "[{\"date\":\"2026-12-01\",\"count\":2},{\"date\":\"2026-12-02\",\"count\":1}],\"per_hour\":",
            "[0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,2,0,0,0,0],\"segments\":6,\"costs\":[{\"sender\":",
            "\"sms-main\",\"messages\":3,\"segments\":6,\"price_per_segment\":0.045,\"currency\":\"CNY\",",
            "\"total\":0.27}],\"longest\":[{\"id\":\"m-001\",",
        ].joined()
        #expect(report.json.hasPrefix(prefix))
        #expect(report.json.hasSuffix("]}],\"sample_is_all\":true}"))
        #expect(!report.json.contains("\n"))
        let json = try Self.jsonObject(report.json)
        #expect((json["longest"] as? [Any])?.count == 2)
        #expect((json["ucs2"] as? [Any])?.count == 3)
        let sample = try #require(json["sample"] as? [[String: Any]])
        #expect(sample.map { $0["patient_id"] as? String } == ["P001", "P002", "P003"])
        let third = sample[2]
        #expect(third["id"] as? String == "m-003")
        #expect(third["campaign"] as? String == "recall-zh")
        #expect(third["step"] as? String == "first")
        #expect(third["to"] as? String == "+86137****7002")
        #expect(third["send_at"] as? String == "2026-12-02T01:00:00Z")
        #expect(third["send_at_local"] as? String == "2026-12-02 09:00 Asia/Shanghai")
        #expect(third["state"] as? String == "queued")
        #expect(third["senders"] as? [String] == ["sms-main", "sms-backup"])
        #expect(third["body"] as? String == Self.zhLong)
        #expect(third["encoding"] as? String == "UCS-2")
        #expect(third["units"] as? Int == 71)
        #expect(third["segments"] as? Int == 2)
        #expect((third["forced_ucs2_by"] as? [String])?.prefix(3) == ["王", "先", "生"])
        #expect((third["forced_ucs2_by"] as? [String])?.count == 52)
        #expect(third["warnings"] as? [String] == ["2 parts"])
    }

    @Test func jsonApprovalObjectForEachState() throws {
        let at = try Self.instant("2026-12-01T03:00:00Z")
        let cases: [(ReviewReport.Approval, String)] = [
            (
                .notRequired,
                "{\"state\":\"not_required\",\"reviewer\":null,\"at\":null,\"note\":null,\"changed\":null,\"since\":null}"
            ),
            (
                .waiting(since: at),
                "{\"state\":\"waiting\",\"reviewer\":null,\"at\":null,\"note\":null,\"changed\":null,"
                    + "\"since\":\"2026-12-01T03:00:00Z\"}"
            ),
            (
                .approved(reviewer: "li.na", at: at, note: nil),
                "{\"state\":\"approved\",\"reviewer\":\"li.na\",\"at\":\"2026-12-01T03:00:00Z\",\"note\":null,"
                    + "\"changed\":0,\"since\":null}"
            ),
            (
                .changedSinceApproval(reviewer: "li.na", at: at, note: "ok", changed: 2),
                "{\"state\":\"changed_since_approval\",\"reviewer\":\"li.na\",\"at\":\"2026-12-01T03:00:00Z\","
                    + "\"note\":\"ok\",\"changed\":2,\"since\":null}"
            ),
            (
                .rejected(reviewer: "zhao.lei", at: at, note: "wrong \"date\""),
                "{\"state\":\"rejected\",\"reviewer\":\"zhao.lei\",\"at\":\"2026-12-01T03:00:00Z\","
                    + "\"note\":\"wrong \\\"date\\\"\",\"changed\":null,\"since\":null}"
            ),
        ]
        for (approval, object) in cases {
            let json = try Self.zhReport(approval: approval).json
            #expect(json.contains(",\"approval\":\(object),\"states\":"))
            #expect(try Self.jsonObject(json)["approval"] is [String: Any])
        }
    }

    @Test func jsonEscapesBodiesAndKeepsTwentyFourHours() throws {
        var report = try Self.enReport()
        let body = "Line \"one\"\\\nline\ttwo\u{1}</script> 您好"
        report.sample = [try Self.message("x\"1", patient: "P\"9", body: body)]
        report.perHour = [1, 2]
        let json = try Self.jsonObject(report.json)
        let sample = try #require(json["sample"] as? [[String: Any]])
        #expect(sample.first?["body"] as? String == body)
        #expect(sample.first?["id"] as? String == "x\"1")
        #expect(sample.first?["patient_id"] as? String == "P\"9")
        #expect(json["per_hour"] as? [Int] == [1, 2] + Array(repeating: 0, count: 22))
        #expect(json["sample_is_all"] as? Bool == false)
    }

    // MARK: - HTML

    @Test func htmlIsSelfContained() throws {
        for report in [try Self.zhReport(), try Self.enReport()] {
            let html = report.html
            #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"))
            for banned in ["http://", "https://", "src=", "href=", "<link", "@import", "url(", "//fonts."] {
                #expect(!html.lowercased().contains(banned), "found \(banned)")
            }
            #expect(html.components(separatedBy: "<script").count == 2)
            #expect(html.contains("<script>(function(){"))
            #expect(html.contains("\"Noto Sans CJK SC\",\"PingFang SC\""))
            #expect(html.contains("\"Microsoft YaHei\",sans-serif"))
            #expect(html.contains("white-space:pre-wrap"))
            #expect(html.hasSuffix("</html>\n"))
        }
    }

    @Test func htmlHasTheSummaryHooks() throws {
        let html = try Self.zhReport().html
        #expect(html.contains("<section id=\"summary\" class=\"card\">"))
        #expect(html.contains("<span class=\"value\" id=\"pending\">3</span>"))
        #expect(html.contains("<span class=\"value\" id=\"segments\">6</span>"))
        #expect(html.contains("<span class=\"value\" id=\"cost-total\">CNY 0.27</span>"))
        #expect(html.contains("<tr><td>sms-main</td><td class=\"num\">3</td><td class=\"num\">6</td>"))
        #expect(html.contains("<td class=\"num\">CNY 0.045</td><td class=\"num\">CNY 0.27</td></tr>"))
        #expect(html.contains("<th class=\"num\">Capped</th>"))
        #expect(
            html.contains(
                "<td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">2</td>"
                    + "<td class=\"num\">1</td>"))
        #expect(html.contains("<tr><td>2026-12-02</td><td class=\"num\">1</td></tr>"))
        #expect(html.contains("<input id=\"search\" type=\"search\""))
    }

    @Test func htmlHistogramIsAnInlineSVGWith24Hours() throws {
        let html = try Self.zhReport().html
        let start = try #require(html.range(of: "<svg id=\"histogram\""))
        let end = try #require(html.range(of: "</svg>"))
        let svg = String(html[start.lowerBound..<end.upperBound])
        #expect(svg.contains("role=\"img\" aria-labelledby=\"histogram-title\""))
        #expect(
            svg.contains(
                "<title id=\"histogram-title\">Pending messages per local hour: 09:00 1, 19:00 2</title>"))
        #expect(svg.components(separatedBy: "<rect class=\"bar\"").count == 3)
        for hour in 0..<24 {
            let label = hour < 10 ? "0\(hour)" : "\(hour)"
            #expect(svg.contains("text-anchor=\"middle\">\(label)</text>"))
        }
        // 19:00 is the peak (140 high), 09:00 half of it; counts sit above the bars.
        #expect(svg.contains("<rect class=\"bar\" x=\"584\" y=\"30\" width=\"22\" height=\"140\""))
        #expect(svg.contains("<rect class=\"bar\" x=\"284\" y=\"100\" width=\"22\" height=\"70\""))
        #expect(svg.contains("<text x=\"595\" y=\"26\" text-anchor=\"middle\">2</text>"))
    }

    @Test func htmlBubblesCarryPatientLanguageAndWarnings() throws {
        let zh = try Self.zhReport().html
        #expect(zh.components(separatedBy: "<article class=\"bubble\"").count == 1 + 2 + 3 + 3)
        #expect(zh.components(separatedBy: "<article class=\"bubble\" data-patient=\"P003\">").count == 3)
        #expect(zh.contains("<div class=\"sms\" lang=\"zh-CN\">王先生您好：您在仁爱诊所"))
        #expect(zh.contains("<b>2 parts</b>"))
        #expect(zh.contains("<time datetime=\"2026-12-02T01:00:00Z\">2026-12-02 09:00 Asia/Shanghai</time>"))
        #expect(zh.contains("<ul class=\"warnings\"><li>2 parts</li></ul>"))
        let en = try Self.enReport().html
        #expect(en.contains("<div class=\"sms\" lang=\"en\">Hello Mr Smith"))
        #expect(en.contains("<span class=\"to\">+1415****0100</span>"))
        #expect(en.contains("<h2>Sample: 2 of 3 pending messages</h2>"))
    }

    @Test func htmlMarksTheCharactersThatForcedUCS2() throws {
        let html = try Self.enReport().html
        #expect(
            html.contains(
                "<div class=\"sms\" lang=\"en\">Dear Ms Li, your <mark>“</mark>recheck<mark>”</mark> is due.")
        )
        #expect(html.contains("<p class=\"forced\">UCS-2 because of: “ (U+201C), ” (U+201D)</p>"))
        // Outside the UCS-2 section the same body is not marked.
        #expect(html.contains("<div class=\"sms\" lang=\"en\">Dear Ms Li, your “recheck” is due."))
    }

    @Test func htmlEscapesEverythingUserProvided() throws {
        var report = try Self.enReport()
        let body = "<script>alert(1)</script> &amp; \"quoted\" 'single'\nnext <b>line</b>"
        report.campaigns = ["<i>camp</i>"]
        report.queuedBy = "o'brien"
        report.approval = .rejected(reviewer: "<b>x</b>", at: report.queuedAt, note: "a & b")
        report.costs = [.init(sender: "s<1>", messages: 1, segments: 1, pricePerSegment: nil, currency: nil)]
        var message = try Self.message(
            "id<1>", patient: "P\"><img>", body: body, to: "+86<1>", campaign: "c&d", senders: ["s'1"],
            warnings: ["<u>warn</u>"])
        message.sendAtLocal = "<t>"
        message.forcedUCS2By = ["<"]
        report.sample = [message]
        report.ucs2 = [message]
        report.longest = []
        let html = report.html
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>x</b>"))
        #expect(!html.contains("<i>camp"))
        #expect(!html.contains("<u>warn"))
        #expect(
            html.contains(
                "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &quot;quoted&quot; &#39;single&#39;\n"
                    + "next &lt;b&gt;line&lt;/b&gt;</div>"))
        #expect(html.contains("<article class=\"bubble\" data-patient=\"P&quot;&gt;&lt;img&gt;\">"))
        #expect(html.contains("<mark>&lt;</mark>script&gt;alert(1)<mark>&lt;</mark>/script&gt;"))
        #expect(html.contains("&lt;i&gt;camp&lt;/i&gt;"))
        #expect(html.contains("by o&#39;brien"))
        #expect(html.contains("rejected by &lt;b&gt;x&lt;/b&gt; at 2026-11-30T20:00:00Z: a &amp; b"))
        #expect(html.contains("<td>s&lt;1&gt;</td>"))
        #expect(html.contains("<span class=\"to\">+86&lt;1&gt;</span>"))
        #expect(html.contains("c&amp;d first · via s&#39;1"))
        #expect(html.contains("<span class=\"id\">id&lt;1&gt;</span>"))
        #expect(html.contains("<li>&lt;u&gt;warn&lt;/u&gt;</li>"))
        #expect(html.contains("&lt;t&gt;</time>"))
    }
}
