import CarelineTesting
import Foundation
import Testing

/// `patients import`, `queue`, `preview`, `status`, `cancel` and `optout` as a coordinator runs them, against a
/// real SQLite file in a temporary folder.
@Suite("careline outbox commands (end to end)")
struct OutboxCommandTests {
    let folder: TemporaryDirectory

    static let header = "id,name,gender,birth_date,phone,timezone,locale,tags,recheck_date,doctor"
    static let rows = [
        "P1,王芳,F,1956-04-12,138 0013 8000,Asia/Shanghai,zh-CN,cataract,2026-12-10,李明",
        "P2,Margaret van Dyke,female,1951-09-30,+1 (201) 555-0123,America/New_York,en,cataract,2026-12-10,Chen",
        "P3,欧阳建国,M,1948-01-05,+86 139-1234-5678,,zh-CN,cataract,2026-12-10,",
    ]

    init() throws {
        folder = try TemporaryDirectory()
        try folder.write(
            "careline.toml",
            """
            [clinic]
            name = "明德眼科"
            phone = "400-820-1234"
            timezone = "Asia/Shanghai"
            region = "CN"
            [store]
            path = "data/careline.sqlite"
            """)
        try folder.write(
            "Templates/recheck.zh-CN.mustache",
            "+++\nkind = \"reminder\"\n+++\n{{patient.honorific}}您好，请于{{patient.recheck_date.date}}来院复查。\n")
        try folder.write(
            "Templates/recheck.en.mustache",
            "+++\nkind = \"reminder\"\n+++\nDear {{patient.honorific}}, your recheck is on {{patient.recheck_date.date}}.\n"
        )
        try folder.write(
            "Schedules/recheck.toml",
            """
            template = "recheck"
            senders = ["file"]
            kind = "reminder"
            [trigger]
            field = "recheck_date"
            offsets = ["-3d", "-1d"]
            [audience]
            tags = ["cataract"]
            """)
        try folder.write("patients.csv", ([Self.header] + Self.rows).joined(separator: "\n") + "\n")
        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent("data"), withIntermediateDirectories: true)
    }

    func careline(_ arguments: [String]) throws -> CarelineProcess.Result {
        try CarelineProcess.run(arguments, in: folder.url, environment: ["USER": "coordinator"])
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The bytes of the database and its WAL, to prove a failed command changed nothing.
    func databaseBytes() -> [Data?] {
        ["data/careline.sqlite", "data/careline.sqlite-wal"].map {
            FileManager.default.contents(atPath: folder.path($0))
        }
    }

    // MARK: - patients import

    @Test func importsThenLeavesUnchangedRowsAloneAndUpdatesChangedOnes() throws {
        let first = try careline(["patients", "import", "patients.csv"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "imported patients.csv: 3 new, 0 updated, 0 unchanged\n")
        let again = try careline(["patients", "import", "patients.csv", "--json"])
        let report = try json(again.stdout)
        #expect(report["inserted"] as? Int == 0)
        #expect(report["unchanged"] as? Int == 3)
        #expect(report["committed"] as? Bool == true)
        try folder.write(
            "patients.csv",
            ([Self.header] + Self.rows.map { $0.replacingOccurrences(of: "李明", with: "陈静") }).joined(
                separator: "\n"))
        let changed = try careline(["patients", "import", "patients.csv"])
        #expect(changed.stdout == "imported patients.csv: 0 new, 1 updated, 2 unchanged\n")
        // The database is private to the clinic's user.
        let mode = try FileManager.default.attributesOfItem(atPath: folder.path("data/careline.sqlite"))[
            .posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)
    }

    @Test func anInvalidRowRejectsTheWholeFileAndChangesNothing() throws {
        #expect(try careline(["patients", "import", "patients.csv"]).status == 0)
        let before = databaseBytes()
        try folder.write(
            "bad.csv",
            [
                Self.header, "P4,李雷,M,1980-01-01,13800138009,,,cataract,2026-12-11,",
                "P5,韩梅梅,F,1980-13-01,12345,Mars/Olympus,,cataract,2026-12-11,",
            ].joined(separator: "\n"))
        let result = try careline(["patients", "import", "bad.csv"])
        #expect(result.status == 65)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("bad.csv:3: birth_date: "), "\(result.stderr)")
        #expect(result.stderr.contains("bad.csv:3: phone: "), "\(result.stderr)")
        #expect(result.stderr.contains("bad.csv:3: timezone: "), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was imported"))
        #expect(!result.stderr.contains("12345"), "a phone number must never be echoed")
        #expect(databaseBytes() == before)

        let skipping = try careline(["patients", "import", "bad.csv", "--skip-invalid", "--json"])
        #expect(skipping.status == 0, "\(skipping.stderr)")
        let report = try json(skipping.stdout)
        #expect(report["inserted"] as? Int == 1)
        #expect(report["invalid"] as? Int == 1)
        #expect((report["problems"] as? [[String: Any]])?.first?["line"] as? Int == 3)
    }

    @Test func aMissingFileExits66AndAHeaderWithoutIDExits65() throws {
        let missing = try careline(["patients", "import", "nope.csv"])
        #expect(missing.status == 66)
        #expect(missing.stderr.hasPrefix("nope.csv:"), "\(missing.stderr)")
        try folder.write("noid.csv", "name,phone\n王芳,13800138000\n")
        let noID = try careline(["patients", "import", "noid.csv"])
        #expect(noID.status == 65)
        #expect(noID.stderr.contains("noid.csv:1:"), "\(noID.stderr)")
        #expect(noID.stderr.contains("id"))
    }

    // MARK: - queue, preview, status

    @Test func queuesPreviewsAndReportsDuplicatesOnTheSecondRun() throws {
        #expect(try careline(["patients", "import", "patients.csv"]).status == 0)
        let queued = try careline([
            "queue", "Schedules/recheck.toml", "--now", "2026-12-01T00:00:00Z", "--json",
        ])
        #expect(queued.status == 0, "\(queued.stderr)")
        #expect(
            queued.stdout
                == #"{"batch":1,"queued":6,"duplicates":0,"opted_out":0,"expired":0,"capped":0,"errors":[]}"#
                + "\n")

        let preview = try careline(["preview", "--format", "json", "--campaign", "recheck"])
        #expect(preview.status == 0, "\(preview.stderr)")
        let lines = preview.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        // Sorted by planned instant: Shanghai's 19:00 on Dec 7 comes first.
        #expect(try json(lines[0])["send_at"] as? String == "2026-12-07T11:00:00Z")
        let first = try #require(
            try lines.map(json).first {
                $0["patient_id"] as? String == "P1" && $0["step"] as? String == "-3d"
            })
        #expect(
            Set(first.keys) == [
                "id", "campaign", "step", "patient_id", "to", "senders", "send_at", "send_at_local", "body",
                "encoding",
                "segments", "state", "purged",
            ])
        #expect(first["send_at"] as? String == "2026-12-07T11:00:00Z")
        #expect(first["send_at_local"] as? String == "2026-12-07T19:00:00+08:00")
        #expect(first["step"] as? String == "-3d")
        #expect(first["to"] as? String == "+86138****8000")
        #expect(first["senders"] as? [String] == ["file"])
        #expect(first["state"] as? String == "queued")
        #expect(first["encoding"] as? String == "UCS-2")
        #expect(first["segments"] as? Int == 1)
        #expect(!preview.stdout.contains("13800138000"))
        let newYork = try #require(lines.map(json).first { $0["patient_id"] as? String == "P2" })
        #expect(newYork["send_at_local"] as? String == "2026-12-07T19:00:00-05:00")
        #expect(newYork["body"] as? String == "Dear Ms. van Dyke, your recheck is on December 10.")

        let text = try careline(["preview"])
        #expect(text.stdout.contains("2026-12-07"))
        #expect(text.stdout.contains("+86138****8000"))
        #expect(!text.stdout.contains("13800138000"))

        let again = try careline([
            "queue", "Schedules/recheck.toml", "--now", "2026-12-01T01:00:00Z", "--json",
        ])
        #expect(
            again.stdout
                == #"{"batch":null,"queued":0,"duplicates":6,"opted_out":0,"expired":0,"capped":0,"errors":[]}"#
                + "\n")

        let status = try json(try careline(["status", "--json"]).stdout)
        let campaigns = try #require(status["campaigns"] as? [[String: Any]])
        #expect(campaigns.first?["campaign"] as? String == "recheck")
        #expect((campaigns.first?["states"] as? [String: Int]) == ["queued": 6])
        #expect(status["next_send_at"] as? String == "2026-12-07T11:00:00Z")
        #expect((status["batches"] as? [[String: Any]])?.first?["created_by"] as? String == "coordinator")
    }

    @Test func aDryRunWritesNothing() throws {
        #expect(try careline(["patients", "import", "patients.csv"]).status == 0)
        let before = databaseBytes()
        let dry = try careline([
            "queue", "Schedules/recheck.toml", "--now", "2026-12-01T00:00:00Z", "--dry-run",
        ])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.hasPrefix("dry run: 6 queued"), "\(dry.stdout)")
        #expect(databaseBytes() == before)
    }

    @Test func aBadScheduleExits78NamingFileKeyAndLineAndChangesNothing() throws {
        #expect(try careline(["patients", "import", "patients.csv"]).status == 0)
        let before = databaseBytes()
        try folder.write(
            "Schedules/bad.toml",
            "template = \"recheck\"\nsenders = [\"file\"]\nkind = \"reminder\"\n[trigger]\nat = 2026-12-01\n"
                + "[window]\nhours = [\"25:00-26:00\"]\n")
        let result = try careline(["queue", "Schedules/bad.toml"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("Schedules/bad.toml:7"), "\(result.stderr)")
        #expect(result.stderr.contains("window.hours"), "\(result.stderr)")
        #expect(databaseBytes() == before)
        let missing = try careline(["queue", "Schedules/none.toml"])
        #expect(missing.status == 66)
    }

    @Test func aRenderErrorExits65AndWritesNothingUnlessSkipInvalid() throws {
        try folder.write(
            "Templates/doctor.zh-CN.mustache", "+++\nkind = \"reminder\"\n+++\n{{patient.doctor}}医生提醒您复查。\n")
        try folder.write(
            "Templates/doctor.en.mustache", "+++\nkind = \"reminder\"\n+++\nDr {{patient.doctor}} says hi.\n")
        try folder.write(
            "Schedules/doctor.toml",
            "template = \"doctor\"\nsenders = [\"file\"]\nkind = \"reminder\"\n[trigger]\nat = 2026-12-05\n")
        #expect(try careline(["patients", "import", "patients.csv"]).status == 0)
        let result = try careline([
            "queue", "Schedules/doctor.toml", "--now", "2026-12-01T00:00:00Z", "--json",
        ])
        #expect(result.status == 65)
        let report = try json(result.stdout)
        #expect(report["batch"] is NSNull)
        let errors = try #require(report["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors.first?["patient_id"] as? String == "P3")
        #expect((errors.first?["message"] as? String)?.contains("patient.doctor") == true)
        #expect(try careline(["preview", "--format", "json"]).stdout == "")

        let skipping = try careline([
            "queue", "Schedules/doctor.toml", "--now", "2026-12-01T00:00:00Z", "--skip-invalid",
        ])
        #expect(skipping.status == 0, "\(skipping.stderr)")
        #expect(skipping.stdout.hasPrefix("batch "), "\(skipping.stdout)")
        #expect(try careline(["preview", "--format", "json"]).stdout.split(separator: "\n").count == 2)
    }

    // MARK: - cancel and opt-out

    @Test func anOptOutCancelsQueuedMessagesAtOnceAndBlocksTheNextQueue() throws {
        #expect(try careline(["patients", "import", "patients.csv"]).status == 0)
        #expect(
            try careline(["queue", "Schedules/recheck.toml", "--now", "2026-12-01T00:00:00Z"]).status == 0)
        let optout = try careline(["optout", "add", "138-0013-8000", "--reason", "asked by phone"])
        #expect(optout.status == 0, "\(optout.stderr)")
        #expect(optout.stdout == "opted out +86138****8000; cancelled 2 pending messages\n")
        let byPatient = try careline(["optout", "add", "--patient", "P2"])
        #expect(byPatient.stdout == "opted out patient P2; cancelled 2 pending messages\n")
        let list = try careline(["optout", "list"])
        #expect(list.stdout.contains("+86138****8000"))
        #expect(list.stdout.contains("patient P2"))
        #expect(!list.stdout.contains("13800138000"))

        let cancelled = try careline(["preview", "--format", "json", "--state", "cancelled"])
        #expect(cancelled.stdout.split(separator: "\n").count == 4)

        try folder.write(
            "Schedules/later.toml",
            "template = \"recheck\"\nsenders = [\"file\"]\nkind = \"reminder\"\n[trigger]\nat = 2026-12-20\n")
        let later = try careline(["queue", "Schedules/later.toml", "--now", "2026-12-01T00:00:00Z", "--json"])
        let report = try json(later.stdout)
        #expect(report["opted_out"] as? Int == 2)
        #expect(report["queued"] as? Int == 1)
    }

    @Test func cancelByBatchCampaignOrMessage() throws {
        #expect(try careline(["patients", "import", "patients.csv"]).status == 0)
        #expect(
            try careline(["queue", "Schedules/recheck.toml", "--now", "2026-12-01T00:00:00Z"]).status == 0)
        let first = try json(
            try #require(
                try careline(["preview", "--format", "json"]).stdout.split(separator: "\n").first.map(
                    String.init)))
        let id = try #require(first["id"] as? String)
        let one = try careline(["cancel", "--id", id])
        #expect(one.stdout == "cancelled 1 pending message of message \(id)\n")
        let batch = try careline(["cancel", "--batch", "1"])
        #expect(batch.stdout == "cancelled 5 pending messages of batch 1\n")
        let none = try careline(["cancel", "--campaign", "recheck"])
        #expect(none.stdout == "cancelled 0 pending messages of campaign recheck\n")
        let usage = try careline(["cancel"])
        #expect(usage.status == 64)
    }
}
