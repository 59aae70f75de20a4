import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// A campaign file with every required key, six lines long; cases append to it from line 7.
private let minimal = """
    template = "recheck-reminder"
    senders = ["sms"]
    kind = "reminder"
    [trigger]
    field = "recheck_date"
    offsets = ["-3d", "-1d"]
    """

/// The minimal file's top three lines, for cases that write their own `[trigger]` from line 4.
private let head = """
    template = "recheck-reminder"
    senders = ["sms"]
    kind = "reminder"
    """

/// One invalid document and the error it must produce.
struct InvalidCampaign: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var key: String?
    var line: Int?
    var column: Int?
    var fragment: String
    var code: ConfigurationError.Code = .invalidValue

    var testDescription: String { name }

    static func after(
        _ prefix: String, _ name: String, _ lines: String, key: String?, _ line: Int?, _ column: Int?,
        _ fragment: String, code: ConfigurationError.Code = .invalidValue
    ) -> InvalidCampaign {
        InvalidCampaign(
            name: name, text: prefix + "\n" + lines, key: key, line: line, column: column, fragment: fragment,
            code: code)
    }

    static let all: [InvalidCampaign] = [
        // Required keys.
        InvalidCampaign(
            name: "missing template",
            text: "senders = [\"sms\"]\nkind = \"care\"\n[trigger]\nat = 2026-12-01",
            key: "template", line: nil, column: nil, fragment: "is required; add template =",
            code: .missingKey),
        InvalidCampaign(
            name: "missing senders", text: "template = \"t\"\nkind = \"care\"\n[trigger]\nat = 2026-12-01",
            key: "senders", line: nil, column: nil, fragment: "list sender names from careline.toml",
            code: .missingKey),
        InvalidCampaign(
            name: "missing kind", text: "template = \"t\"\nsenders = [\"sms\"]\n[trigger]\nat = 2026-12-01",
            key: "kind", line: nil, column: nil, fragment: "add kind = \"reminder\"", code: .missingKey),
        InvalidCampaign(
            name: "missing trigger", text: head, key: "trigger", line: nil, column: nil,
            fragment: "add [trigger] with field + offsets", code: .missingKey),
        // Unknown keys, one per table.
        InvalidCampaign(
            name: "unknown top-level key", text: "descripton = \"x\"\n" + minimal, key: "descripton", line: 1,
            column: 1, fragment: "unknown key — did you mean description?", code: .unknownKey),
        .after(
            minimal, "top-level key under a table", "description = \"x\"", key: "trigger.description", 7, 1,
            "description belongs at the top of the file, above [trigger]", code: .unknownKey),
        // A required key below a table header is misplaced, not missing.
        InvalidCampaign(
            name: "required key under a table",
            text: "template = \"t\"\nkind = \"care\"\n[trigger]\nat = 2026-12-01\nsenders = [\"sms\"]",
            key: "trigger.senders", line: 5, column: 1,
            fragment: "senders belongs at the top of the file, above [trigger]", code: .unknownKey),
        .after(
            head, "unknown key in trigger", "[trigger]\nfeild = \"recheck_date\"", key: "trigger.feild", 5, 1,
            "did you mean trigger.field?", code: .unknownKey),
        .after(
            minimal, "unknown key in audience", "[audience]\ntag = [\"cataract\"]", key: "audience.tag", 8, 1,
            "did you mean audience.tags?", code: .unknownKey),
        .after(
            minimal, "unknown key in window", "[window]\nhour = [\"19:00-21:00\"]", key: "window.hour", 8, 1,
            "did you mean window.hours?", code: .unknownKey),
        .after(
            minimal, "unknown key in limits", "[limits]\ndedup = \"phone\"", key: "limits.dedup", 8, 1,
            "did you mean limits.dedupe?", code: .unknownKey),
        .after(
            minimal, "unknown table", "[windows]\nhours = []", key: "windows", 7, 1, "did you mean window?",
            code: .unknownKey),
        // kind.
        InvalidCampaign(
            name: "bad kind",
            text: "template = \"t\"\nsenders = [\"sms\"]\nkind = \"remind\"\n[trigger]\nat = 2026-12-01",
            key: "kind", line: 3, column: 8,
            fragment:
                "\"remind\" is not a message kind — did you mean reminder?; use reminder, care, follow-up"),
        InvalidCampaign(
            name: "kind without hyphen",
            text: "template = \"t\"\nsenders = [\"sms\"]\nkind = \"followup\"\n[trigger]\nat = 2026-12-01",
            key: "kind", line: 3, column: 8, fragment: "did you mean follow-up?"),
        // trigger.
        .after(
            head, "both at and offsets",
            "[trigger]\nfield = \"recheck_date\"\noffsets = [\"-1d\"]\nat = 2026-12-01",
            key: "trigger.at", 7, 1, "cannot be combined with trigger.offsets"),
        .after(
            head, "at and field", "[trigger]\nat = 2026-12-01\nfield = \"recheck_date\"",
            key: "trigger.at", 5, 1, "cannot be combined with trigger.field"),
        .after(
            head, "neither at nor offsets", "[trigger]", key: "trigger", 4, 1,
            "is empty; give field + offsets", code: .missingKey),
        .after(
            head, "field without offsets", "[trigger]\nfield = \"recheck_date\"", key: "trigger.offsets", 5,
            1,
            "is required with field", code: .missingKey),
        .after(
            head, "offsets without field", "[trigger]\noffsets = [\"-1d\"]", key: "trigger.field", 5, 1,
            "is required with offsets", code: .missingKey),
        .after(
            head, "empty offsets", "[trigger]\nfield = \"recheck_date\"\noffsets = []",
            key: "trigger.offsets",
            6, 11, "must list at least one offset"),
        .after(
            head, "offset without unit", "[trigger]\nfield = \"d\"\noffsets = [\"3\"]",
            key: "trigger.offsets[0]",
            6, 12, "\"3\" has no unit; add d (days) or w (weeks), e.g. \"3d\""),
        .after(
            head, "offset with unknown unit", "[trigger]\nfield = \"d\"\noffsets = [\"-1d\", \"-3x\"]",
            key: "trigger.offsets[1]", 6, 19, "\"-3x\" is not an offset; write one step"),
        .after(
            head, "fractional offset", "[trigger]\nfield = \"d\"\noffsets = [\"3.5d\"]",
            key: "trigger.offsets[0]",
            6, 12, "\"3.5d\" is not an offset"),
        .after(
            head, "empty offset", "[trigger]\nfield = \"d\"\noffsets = [\"\"]", key: "trigger.offsets[0]", 6,
            12,
            "\"\" is not an offset"),
        .after(
            head, "double sign", "[trigger]\nfield = \"d\"\noffsets = [\"--3d\"]", key: "trigger.offsets[0]",
            6, 12,
            "\"--3d\" is not an offset"),
        .after(
            head, "two units", "[trigger]\nfield = \"d\"\noffsets = [\"1w2d\"]", key: "trigger.offsets[0]", 6,
            12,
            "\"1w2d\" is not an offset"),
        .after(
            head, "offset too far", "[trigger]\nfield = \"d\"\noffsets = [\"-9999d\"]",
            key: "trigger.offsets[0]",
            6, 12, "at most 3660 days"),
        .after(
            head, "offset as a number", "[trigger]\nfield = \"d\"\noffsets = [-3]", key: "trigger.offsets[0]",
            6, 12,
            "must be a string in quotes, not an integer"),
        .after(
            head, "offsets as one string", "[trigger]\nfield = \"d\"\noffsets = \"-3d\"",
            key: "trigger.offsets",
            6, 11, "must be a list such as [\"-3d\", \"-1d\"], not a string (write [\"-3d\"] for one)"),
        .after(
            head, "duplicate offset", "[trigger]\nfield = \"d\"\noffsets = [\"-1d\", \"-1d\"]",
            key: "trigger.offsets[1]", 6, 19, "\"-1d\" is listed twice; give each offset once"),
        .after(
            head, "duplicate offset spelt differently",
            "[trigger]\nfield = \"d\"\noffsets = [\"-7d\", \"-1w\"]",
            key: "trigger.offsets[1]", 6, 19, "\"-1w\" is listed twice (\"-7d\" is the same: 7 days before)"),
        .after(
            head, "field with patient prefix",
            "[trigger]\nfield = \"patient.recheck_date\"\noffsets = [\"-1d\"]",
            key: "trigger.field", 5, 9, "write the column name without \"patient.\", e.g. \"recheck_date\""),
        .after(
            head, "field with a space", "[trigger]\nfield = \"recheck date\"\noffsets = [\"-1d\"]",
            key: "trigger.field", 5, 9, "is not a field name"),
        .after(
            head, "at is not a date", "[trigger]\nat = \"2026-13-01\"", key: "trigger.at", 5, 6,
            "\"2026-13-01\" is not a date; write YYYY-MM-DD"),
        .after(
            head, "at has a time", "[trigger]\nat = 2026-12-01T09:00:00", key: "trigger.at", 5, 6,
            "2026-12-01T09:00:00 has a time; write the date alone"),
        .after(
            head, "at is a number", "[trigger]\nat = 20261201", key: "trigger.at", 5, 6,
            "must be a date such as 2026-12-01, not an integer"),
        .after(head, "trigger is a string", "trigger = \"daily\"", key: "trigger", 4, 11, "must be a table"),
        .after(
            head, "trigger is an array of tables", "[[trigger]]\nat = 2026-12-01", key: "trigger", 4, 1,
            "must be a table ([trigger]), not an array"),
        // Top-level values.
        InvalidCampaign(
            name: "template is a number", text: "template = 3\n" + minimal.drop { $0 != "\n" }.dropFirst(),
            key: "template", line: 1, column: 12, fragment: "must be a string in quotes, not an integer"),
        InvalidCampaign(
            name: "template with locale",
            text: "template = \"recheck-reminder.en\"\n" + minimal.drop { $0 != "\n" }.dropFirst(),
            key: "template", line: 1, column: 12,
            fragment: "\"recheck-reminder.en\" is not a template name; write \"recheck-reminder\""),
        InvalidCampaign(
            name: "template as a path",
            text: "template = \"Templates/recheck-reminder.zh-CN.mustache\"\n"
                + minimal.drop { $0 != "\n" }.dropFirst(),
            key: "template", line: 1, column: 12, fragment: "write \"recheck-reminder\""),
        InvalidCampaign(
            name: "senders as one string",
            text: "template = \"t\"\nsenders = \"sms\"\nkind = \"care\"\n[trigger]\nat = 2026-12-01",
            key: "senders", line: 2, column: 11, fragment: "(write [\"sms\"] for one)"),
        InvalidCampaign(
            name: "no senders",
            text: "template = \"t\"\nsenders = []\nkind = \"care\"\n[trigger]\nat = 2026-12-01",
            key: "senders", line: 2, column: 11, fragment: "must name at least one sender"),
        InvalidCampaign(
            name: "duplicate sender",
            text:
                "template = \"t\"\nsenders = [\"sms\", \"sms\"]\nkind = \"care\"\n[trigger]\nat = 2026-12-01",
            key: "senders[1]", line: 2, column: 19, fragment: "\"sms\" is listed twice"),
        InvalidCampaign(
            name: "sender is a number",
            text: "template = \"t\"\nsenders = [\"sms\", 3]\nkind = \"care\"\n[trigger]\nat = 2026-12-01",
            key: "senders[1]", line: 2, column: 19, fragment: "must be a string in quotes, not an integer"),
        InvalidCampaign(
            name: "require_approval is a string", text: "require_approval = \"yes\"\n" + minimal,
            key: "require_approval", line: 1, column: 20, fragment: "must be true or false"),
        InvalidCampaign(
            name: "require_approval in quotes", text: "require_approval = \"true\"\n" + minimal,
            key: "require_approval", line: 1, column: 20,
            fragment: "must be true or false (without quotes), not a string"),
        InvalidCampaign(
            name: "description is a number", text: "description = 1\n" + minimal, key: "description", line: 1,
            column: 15, fragment: "must be a string in quotes, not an integer"),
        // audience.
        .after(
            minimal, "tags as one string", "[audience]\ntags = \"cataract\"", key: "audience.tags", 8, 8,
            "(write [\"cataract\"] for one)"),
        .after(
            minimal, "tags joined with a semicolon", "[audience]\ntags = [\"cataract;elderly\"]",
            key: "audience.tags[0]", 8, 9, "write one tag per string"),
        .after(
            minimal, "excluded tag also required",
            "[audience]\ntags = [\"a\", \"b\"]\nexclude_tags = [\"c\", \"b\"]",
            key: "audience.exclude_tags[1]", 9, 22, "\"b\" is also in audience.tags"),
        .after(
            minimal, "where value is a number", "[audience]\nwhere = { complaint_status = 3 }",
            key: "audience.where.complaint_status", 8, 30, "write complaint_status = \"3\""),
        .after(
            minimal, "where is a string", "[audience]\nwhere = \"complaint_status = resolved\"",
            key: "audience.where", 8, 9, "must be a table such as { complaint_status = \"resolved\" }"),
        .after(
            minimal, "require names a template field", "[audience]\nrequire = [\"patient.doctor\"]",
            key: "audience.require[0]", 8, 12, "e.g. \"doctor\""),
        // window.
        .after(
            minimal, "hours out of range", "[window]\nhours = [\"19:00-21:00\", \"25:00-26:00\"]",
            key: "window.hours[1]", 8, 25,
            "\"25:00-26:00\" is not a time range; write HH:MM-HH:MM with hours 00–23"),
        .after(
            minimal, "hours without leading zero", "[window]\nhours = [\"7:00-9:00\"]",
            key: "window.hours[0]", 8,
            10, "is not a time range"),
        .after(
            minimal, "hours start equals end", "[window]\nhours = [\"19:00-19:00\"]", key: "window.hours[0]",
            8, 10,
            "starts and ends at 19:00, so it is empty"),
        .after(
            minimal, "empty hours", "[window]\nhours = []", key: "window.hours", 8, 9,
            "must list at least one range"),
        .after(
            minimal, "hours as one string", "[window]\nhours = \"19:00-21:00\"", key: "window.hours", 8, 9,
            "(write [\"19:00-21:00\"] for one)"),
        .after(
            minimal, "empty days", "[window]\ndays = []", key: "window.days", 8, 8,
            "must list at least one day"),
        .after(
            minimal, "bad day name", "[window]\ndays = [\"mon\", \"tues\"]", key: "window.days[1]", 8, 16,
            "\"tues\" is not a day — did you mean tue?; use mon, tue, wed, thu, fri, sat, sun"),
        .after(
            minimal, "duplicate day", "[window]\ndays = [\"sat\", \"Sat\"]", key: "window.days[1]", 8, 16,
            "\"Sat\" is listed twice"),
        .after(
            minimal, "misspelt time zone", "[window]\ntimezone = \"Asia/Shangai\"", key: "window.timezone", 8,
            12,
            "unknown time zone \"Asia/Shangai\" — did you mean Asia/Shanghai?"),
        .after(
            minimal, "abbreviated time zone", "[window]\ntimezone = \"CST\"", key: "window.timezone", 8, 12,
            "unknown time zone \"CST\"; use \"patient\" (each patient's zone) or an IANA name"),
        .after(
            minimal, "misspelt patient zone", "[window]\ntimezone = \"patinet\"", key: "window.timezone", 8,
            12,
            "did you mean patient?"),
        .after(
            minimal, "skip date not a day", "[window]\nskip_dates = [\"2027-02-17\", \"2027-02-30\"]",
            key: "window.skip_dates[1]", 8, 29, "\"2027-02-30\" is not a date"),
        .after(
            minimal, "skip date with time", "[window]\nskip_dates = [2027-02-17T08:00:00]",
            key: "window.skip_dates[0]", 8, 15, "has a time"),
        .after(
            minimal, "skip dates as one date", "[window]\nskip_dates = 2027-02-17", key: "window.skip_dates",
            8, 14,
            "must be a list of dates such as [\"2027-02-17\"], not a date"),
        // limits.
        .after(
            minimal, "expire_after in words", "[limits]\nexpire_after = \"2 days\"",
            key: "limits.expire_after", 8,
            16, "\"2 days\" is not a duration; write days or weeks"),
        .after(
            minimal, "negative expire_after", "[limits]\nexpire_after = \"-1d\"", key: "limits.expire_after",
            8, 16,
            "\"-1d\" is negative"),
        .after(
            minimal, "expire_after as a number", "[limits]\nexpire_after = 2", key: "limits.expire_after", 8,
            16,
            "not an integer (write \"2d\" for 2 days)"),
        .after(
            minimal, "bad dedupe", "[limits]\ndedupe = \"phones\"", key: "limits.dedupe", 8, 10,
            "\"phones\" is not a dedupe mode — did you mean phone?"),
        InvalidCampaign(
            name: "limits is a string", text: "limits = \"none\"\n" + minimal, key: "limits", line: 1,
            column: 10,
            fragment: "must be a table ([limits]), not a string"),
        // Syntax.
        InvalidCampaign(
            name: "unterminated string", text: "template = \"t\"\nsenders = [\"sms\"]\nkind = \"care\n",
            key: nil,
            line: 3, column: nil, fragment: "string is not closed on its line", code: .syntax),
        .after(
            minimal, "duplicate key", "[window]\ndays = [\"mon\"]\ndays = [\"tue\"]", key: nil, 9, nil,
            "duplicate key",
            code: .syntax),
    ]
}

@Suite("Campaign files")
struct CampaignFileTests {
    @Test(arguments: InvalidCampaign.all)
    func invalidDocumentsNameTheKeyAndLine(_ invalid: InvalidCampaign) throws {
        let error = try #require(throws: ConfigurationError.self) {
            try CampaignFile.parse(invalid.text, file: "Schedules/x.toml")
        }
        #expect(error.code == invalid.code, "\(error)")
        #expect(error.file == "Schedules/x.toml")
        #expect(error.key == invalid.key, "\(error)")
        #expect(error.location?.line == invalid.line, "\(error)")
        if let column = invalid.column { #expect(error.location?.column == column, "\(error)") }
        #expect(error.message.contains(invalid.fragment), "\(error)")
        var prefix = "Schedules/x.toml:"
        if let location = error.location { prefix += "\(location): " } else { prefix = "Schedules/x.toml: " }
        if let key = invalid.key { prefix += "\(key): " }
        #expect(error.description.hasPrefix(prefix), "\(error)")
    }

    @Test func theInvalidCasesAreDistinct() {
        #expect(InvalidCampaign.all.count >= 30)
        #expect(Set(InvalidCampaign.all.map(\.text)).count == InvalidCampaign.all.count)
        #expect(Set(InvalidCampaign.all.map(\.name)).count == InvalidCampaign.all.count)
    }

    @Test func theDocumentedErrorReadsInFull() throws {
        let text = minimal + "\n[window]\nhours = [\"25:00-26:00\"]"
        let error = try #require(throws: ConfigurationError.self) {
            try CampaignFile.parse(text, file: "Schedules/x.toml")
        }
        #expect(
            error.description
                == "Schedules/x.toml:8:10: window.hours[0]: \"25:00-26:00\" is not a time range; write "
                + "HH:MM-HH:MM with hours 00–23 and minutes 00–59, e.g. \"19:00-21:00\" (\"21:30-07:30\" crosses "
                + "midnight)")
    }

    @Test func minimalFileGetsTheDefaults() throws {
        let campaign = try CampaignFile.parse(minimal, file: "/srv/clinic/Schedules/recheck.toml")
        var expected = Campaign(
            name: "recheck", file: "/srv/clinic/Schedules/recheck.toml", template: "recheck-reminder",
            senders: ["sms"], kind: .reminder,
            trigger: .offsets(
                field: "recheck_date",
                steps: [StepOffset(days: -3, text: "-3d"), StepOffset(days: -1, text: "-1d")]))
        expected.source = minimal
        #expect(campaign == expected)
        #expect(campaign.hours == [TimeRange(parsing: "19:00-21:00")])
        #expect(campaign.days.count == 7)
        #expect(campaign.windowZone == .patient)
        #expect(campaign.skipDates.isEmpty)
        #expect(campaign.expireAfterDays == 0)
        #expect(campaign.dedupe == .patient)
        #expect(campaign.requireApproval == nil)
        #expect(campaign.description == nil)
        #expect(campaign.audience == Campaign.Audience())
    }

    @Test func everyKeyIsRead() throws {
        let text = """
            template = "postop-day1"
            senders = ["sms", "webhook", "file"]
            kind = "follow-up"
            require_approval = false
            description = "Day-1 check-in"

            [trigger]
            at = "2027-01-04"

            [audience]
            tags = ["cataract", "elderly"]
            exclude_tags = ["deceased"]
            require = ["procedure", "surgery_date"]
            where = { doctor = "Chen", glaucoma = "yes" }

            [window]
            hours = ["09:00-11:30", "21:30-07:30"]
            days = ["MON", "friday", "sat"]
            timezone = "Asia/Shanghai"
            skip_dates = ["2027-02-17", 2027-02-18]

            [limits]
            expire_after = "2w"
            dedupe = "phone"
            """
        let campaign = try CampaignFile.parse(text, file: "postop.toml")
        #expect(campaign.name == "postop")
        #expect(campaign.senders == ["sms", "webhook", "file"])
        #expect(campaign.kind == .followUp)
        #expect(campaign.requireApproval == false)
        #expect(campaign.description == "Day-1 check-in")
        #expect(campaign.trigger == .at(try #require(LocalDate(iso: "2027-01-04"))))
        #expect(
            campaign.audience
                == Campaign.Audience(
                    tags: ["cataract", "elderly"], excludeTags: ["deceased"],
                    require: ["procedure", "surgery_date"],
                    whereEquals: ["doctor": "Chen", "glaucoma": "yes"]))
        #expect(campaign.hours == [TimeRange(parsing: "09:00-11:30"), TimeRange(parsing: "21:30-07:30")])
        #expect(campaign.hours.map(\.crossesMidnight) == [false, true])
        #expect(campaign.days == [.monday, .friday, .saturday])
        #expect(campaign.windowZone == .fixed(try #require(TimeZone(identifier: "Asia/Shanghai"))))
        #expect(
            campaign.skipDates == [
                try #require(LocalDate(iso: "2027-02-17")), try #require(LocalDate(iso: "2027-02-18")),
            ])
        #expect(campaign.expireAfterDays == 14)
        #expect(campaign.dedupe == .phone)
    }

    @Test func whereMayBeWrittenAsASubtable() throws {
        let text = minimal + "\n[audience.where]\ncomplaint_status = \"resolved\""
        let campaign = try CampaignFile.parse(text, file: "x.toml")
        #expect(campaign.audience.whereEquals == ["complaint_status": "resolved"])
    }

    @Test(
        arguments: [
            ("-3d", -3), ("+2d", 2), ("0d", 0), ("-0d", 0), ("2d", 2), ("-1w", -7), ("+3w", 21),
            ("3660d", 3660),
            ("-522w", -3654),
        ])
    func offsetsParse(text: String, days: Int) throws {
        let step = try #require(StepOffset(parsing: text))
        #expect(step == StepOffset(days: days, text: text))
        #expect(step.description == text)
    }

    @Test(arguments: [
        "3", "-3x", "3.5d", "", "--3d", "d", "+d", "- 3d", " 3d", "3d ", "3D", "1w2d", "3661d", "523w",
        "999999d", "３d",
    ])
    func offsetsReject(text: String) {
        #expect(StepOffset(parsing: text) == nil)
    }

    @Test func offsetPhrases() {
        #expect(StepOffset(days: -3, text: "-3d").phrase == "3 days before")
        #expect(StepOffset(days: 1, text: "+1d").phrase == "1 day after")
        #expect(StepOffset(days: 0, text: "0d").phrase == "the same day")
    }

    // MARK: - Files

    @Test func missingFileIsNotFound() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try CampaignFile.load(path: "/nonexistent/Schedules/nope.toml")
        }
        #expect(error.code == .notFound)
        #expect(error.file == "/nonexistent/Schedules/nope.toml")
        #expect(error.location == nil)
        #expect(error.description.hasPrefix("/nonexistent/Schedules/nope.toml: campaign file not found"))
    }

    @Test func missingFolderIsNotFound() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try CampaignFile.loadAll(directory: "/nonexistent/Schedules")
        }
        #expect(error.code == .notFound)
        #expect(error.message.contains("[paths] schedules"))
    }

    @Test func loadAllReadsTomlFilesSortedByNameAndStopsAtTheFirstError() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("careline-campaigns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("sub.toml"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["b-second", "a-first", "c-third"] {
            try minimal.write(
                to: folder.appendingPathComponent("\(name).toml"), atomically: true, encoding: .utf8)
        }
        try "not a campaign".write(
            to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try "junk".write(to: folder.appendingPathComponent(".hidden.toml"), atomically: true, encoding: .utf8)
        let campaigns = try CampaignFile.loadAll(directory: folder.path)
        #expect(campaigns.map(\.name) == ["a-first", "b-second", "c-third"])
        #expect(campaigns[0].file == folder.appendingPathComponent("a-first.toml").path)

        try (minimal + "\n[window]\ndays = []").write(
            to: folder.appendingPathComponent("b-second.toml"), atomically: true, encoding: .utf8)
        try "kind = 3".write(
            to: folder.appendingPathComponent("d-fourth.toml"), atomically: true, encoding: .utf8)
        let error = try #require(throws: ConfigurationError.self) {
            try CampaignFile.loadAll(directory: folder.path)
        }
        #expect(error.file == folder.appendingPathComponent("b-second.toml").path)
        #expect(error.key == "window.days")
        #expect(error.location?.line == 8)
    }

    @Test func invalidUTF8IsASyntaxError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careline-\(UUID().uuidString).toml")
        try Data([0x74, 0x3D, 0xFF, 0xFE]).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: ConfigurationError.self) { try CampaignFile.load(path: file.path) }
        #expect(error.code == .syntax)
        #expect(error.message.contains("UTF-8"))
    }
}
