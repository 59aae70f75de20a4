import CarelineCore
import CarelineTesting
import Foundation
import Testing

/// Issue 7: the demo flow, a dispatch whose senders fail, and bad inputs, all at `--log-level debug` where there
/// is logging; then every stderr, every log line, every error message and the audit trail is searched for each
/// full phone number of the input files (E.164, as written, the national digits), each rendered body (whole, and
/// every 12 characters of it that are not the templates' fixed text) and each secret. Zero hits.
@Suite("Health data never leaks (end to end)")
struct HealthDataTests {
    @Test(.enabled(if: TwilioFake.isAvailable, "python3 or Tests/Fakes/twilio_fake.py is missing"))
    func noPhoneBodyOrSecretInAnyLogOrErrorMessage() throws {
        let workspace = try HealthDataWorkspace()
        let now = HealthDataWorkspace.demoNow

        // The demo (scripts/demo), with debug logging where a command logs.
        try workspace.run(["templates", "check", "--now", now])
        for (template, patients) in [
            ("recheck-reminder", "examples/patients.csv"), ("cold-weather-care", "examples/patients.csv"),
            ("complaint-follow-up", "examples/complaints.csv"),
        ] {
            try workspace.run(["templates", "preview", template, "--patients", patients, "--now", now])
        }
        try workspace.run(["patients", "import", "examples/patients.csv", "--log-level", "debug"])
        try workspace.run(["patients", "import", "examples/complaints.csv", "--log-level", "debug"])
        try workspace.run(
            ["queue"] + Self.shippedSchedules + ["--now", now, "--by", "wang.fang", "--log-level", "debug"])
        try workspace.run(["preview", "--log-level", "debug"])
        try workspace.run(["status"], scanStdout: true)
        try workspace.run(["review", "1", "--sample", "3"])
        let reviewJSON = try workspace.run(["review", "1", "--format", "json"])
        for warning in HealthDataWorkspace.strings(
            under: "warnings", in: try JSONSerialization.jsonObject(with: Data(reviewJSON.stdout.utf8)))
        {
            workspace.scan("careline review 1 --format json (warnings)", warning)
        }
        try workspace.run(
            ["review", "1", "--format", "html", "--out", "out/review-1.html"], scanStdout: true)
        try workspace.run(["approve", "1", "--reviewer", "li.na", "--note", "checked"], scanStdout: true)
        try workspace.run(["dispatch", "--now", now, "--log-level", "debug"])
        try workspace.run(["dispatch", "--now", "2026-12-01T19:30:00+08:00", "--log-level", "trace"])
        try workspace.run(["status", "--json"], scanStdout: true)

        // A dispatch that fails: a webhook on a refused loopback port, and a Twilio-shaped fake answering 500, 400
        // and 429 (the last four digits choose), with its auth token from the environment.
        let fake = try TwilioFake()
        try Self.writeFailingClinic(workspace, twilio: fake.baseURL)
        let failing = ["--config", "failing.toml"]
        try workspace.run(["patients", "import", "failing-patients.csv", "--log-level", "debug"] + failing)
        try workspace.run(
            ["queue", "FailingSchedules/recheck-reminder.toml", "--now", now, "--log-level", "debug"]
                + failing)
        // 500 and 429 retry; 21211 and 21614 fall back to the refused webhook and retry; 21610 fails (an opt-out).
        let failed = try workspace.run(
            ["dispatch", "--now", now, "--json", "--log-level", "trace"] + failing)
        #expect(
            failed.stdout == #"{"sent":0,"retry":4,"failed":1,"unknown":0,"rescheduled":0,"skipped":0}"#
                + "\n")
        try workspace.run(
            ["dispatch", "--now", "2026-11-30T20:45:00+08:00", "--log-level", "debug"] + failing)
        try workspace.run(["status", "--json"] + failing, scanStdout: true)
        let failingReview = try workspace.run(["review", "1", "--format", "json"] + failing)
        for warning in HealthDataWorkspace.strings(
            under: "warnings", in: try JSONSerialization.jsonObject(with: Data(failingReview.stdout.utf8)))
        {
            workspace.scan("careline review 1 --format json --config failing.toml (warnings)", warning)
        }
        withExtendedLifetime(fake) {}

        // Bad inputs whose error messages name rows, phones and fields.
        try Self.writeBadInputs(workspace)
        try workspace.run(["patients", "import", "bad-patients.csv"], expect: 65)
        try workspace.run(["patients", "import", "bad-patients.csv", "--json"], scanStdout: true, expect: 65)
        try workspace.run(
            ["queue", "BadSchedules/doctor-note.toml", "--now", now, "--json"], scanStdout: true, expect: 65)
        try workspace.run(["queue", "BadSchedules/doctor-note.toml", "--now", now], expect: 65)
        let badPreview = try workspace.run(
            [
                "templates", "preview", "doctor-note", "--patients", "examples/patients.csv", "--format",
                "json",
                "--now", now,
            ], expect: 65)
        for line in try HealthDataWorkspace.objects(badPreview.stdout) {
            if let error = line["error"] as? String {
                workspace.scan("templates preview doctor-note (error)", error)
            }
        }
        try workspace.run(
            ["render", "Templates/recheck-reminder.zh-CN.mustache", "--data", "bad-data.json"], expect: 65)
        try workspace.run(["optout", "add", "138 0013 800"], scanStdout: true, expect: 64)
        try workspace.run(["optout", "add", "+86 138 0013 8000", "--reason", "moved"], scanStdout: true)
        try workspace.run(["optout", "list"], expect: 0)

        // Retention, and the audit trail of both outboxes: never a body or a full number.
        try workspace.run(
            [
                "purge", "--older-than", "1d", "--now", "2026-12-10T00:00:00Z", "--dry-run", "--log-level",
                "debug",
            ], scanStdout: true)
        try workspace.run(
            ["purge", "--older-than", "1d", "--now", "2026-12-10T00:00:00Z", "--log-level", "debug"],
            scanStdout: true)
        try workspace.run(["audit", "--json"], scanStdout: true)
        try workspace.run(["audit", "--json"] + failing, scanStdout: true)

        let scanner = try Self.scanner(workspace, failing: failing)
        #expect(scanner.needles.filter { $0.kind == "secret" }.count == 4)
        #expect(scanner.needles.contains { $0.kind == "body excerpt" })
        var leaks: [String] = []
        for text in workspace.scanned {
            for leak in scanner.leaks(in: text.text) { leaks.append("\(leak) in \(text.label)") }
        }
        #expect(leaks.isEmpty, "personal data or secrets leaked:\n\(leaks.joined(separator: "\n"))")
        #expect(workspace.scanned.count > 40)
    }

    static let shippedSchedules = [
        "Schedules/cold-weather-care.toml", "Schedules/complaint-checkin.toml",
        "Schedules/recheck-reminder.toml",
    ]

    /// The needles: every phone of every input file, every rendered body of both outboxes and of the file
    /// sender's output, the secrets.
    static func scanner(_ workspace: HealthDataWorkspace, failing: [String]) throws -> LeakScanner {
        var scanner = LeakScanner()
        try scanner.learnFixedText(
            templates: workspace.folder.url.appendingPathComponent("Templates"),
            clinic: [
                "明德眼科", "【明德眼科】", "400-820-1234", "Mingde Eye Hospital", "+86 400 820 1234", "回T退订",
                "Reply STOP to opt out",
            ])
        for file in [
            "examples/patients.csv", "examples/complaints.csv", "failing-patients.csv", "bad-patients.csv",
        ] {
            try scanner.addPhones(csv: workspace.folder.url.appendingPathComponent(file), name: file)
        }
        scanner.addPhone("13500135000", origin: "bad-data.json")
        scanner.addPhone("138 0013 800", origin: "optout add")
        // The bodies as they were queued: sent.jsonl has what the file sender delivered; preview --format json of
        // each outbox was taken before the purge for the failing one (the demo outbox is purged now).
        for line in try HealthDataWorkspace.objects(try workspace.read("out/sent.jsonl")) {
            if let body = line["body"] as? String {
                scanner.addBody(body, origin: "out/sent.jsonl \(line["id"] ?? "")")
            }
        }
        let failingPreview = try CarelineProcess.run(
            ["preview", "--format", "json"] + failing, in: workspace.folder.url,
            environment: workspace.environment)
        for line in try HealthDataWorkspace.objects(failingPreview.stdout) {
            if let body = line["body"] as? String {
                scanner.addBody(body, origin: "failing outbox \(line["id"] ?? "")")
            }
        }
        for (template, patients) in [
            ("recheck-reminder", "examples/patients.csv"), ("cold-weather-care", "examples/patients.csv"),
            ("postop-day1", "examples/patients.csv"), ("complaint-follow-up", "examples/complaints.csv"),
            ("recheck-reminder", "failing-patients.csv"), ("doctor-note", "examples/patients.csv"),
        ] {
            let preview = try CarelineProcess.run(
                [
                    "templates", "preview", template, "--patients", patients, "--format", "json", "--now",
                    HealthDataWorkspace.demoNow,
                ],
                in: workspace.folder.url, environment: workspace.environment)
            for line in try HealthDataWorkspace.objects(preview.stdout) {
                if let body = line["body"] as? String {
                    scanner.addBody(body, origin: "templates preview \(template) \(line["patient_id"] ?? "")")
                }
            }
        }
        let secret = HealthDataWorkspace.webhookSecret
        scanner.add("secret", "CARELINE_WEBHOOK_SECRET", secret)
        scanner.add("secret", "CARELINE_WEBHOOK_SECRET (key)", String(secret.dropFirst("whsec_".count)))
        scanner.add("secret", "TWILIO_AUTH_TOKEN", TwilioFake.authToken)
        scanner.add(
            "secret", "Twilio basic auth",
            Data("\(TwilioFake.accountSID):\(TwilioFake.authToken)".utf8).base64EncodedString())
        return scanner
    }

    /// `failing.toml`: the demo clinic with its own outbox and two failing senders; five patients whose recheck
    /// is tomorrow, numbered so the fake answers 500, 400 (21211 and 21614), 429 and 21610.
    static func writeFailingClinic(_ workspace: HealthDataWorkspace, twilio: String) throws {
        var configuration = try workspace.read("careline.toml")
        let senders = try #require(configuration.range(of: "[store]"))
        configuration = String(configuration[..<senders.lowerBound])
        configuration += """
            [store]
            path = "out/failing.sqlite"

            [senders.hook]
            kind = "webhook"
            url = "http://127.0.0.1:1/careline"
            secret = "env:CARELINE_WEBHOOK_SECRET"
            timeout = "2s"

            [senders.sms]
            kind = "twilio"
            base_url = "\(twilio)"
            account_sid = "\(TwilioFake.accountSID)"
            auth_token = "env:TWILIO_AUTH_TOKEN"
            from = "+15005550006"
            timeout = "5s"

            """
        try workspace.write("failing.toml", configuration)
        try workspace.write(
            "failing-patients.csv",
            """
            id,name,gender,birth_date,phone,timezone,locale,tags,procedure,surgery_date,recheck_date,doctor
            F1,张建华,M,1950-03-01,139 1234 0005,Asia/Shanghai,zh-CN,cataract,白内障手术,2026-11-20,2026-12-01,李明
            F2,刘秀英,F,1955-06-12,+86 138-0013-0001,Asia/Shanghai,zh-CN,cataract,白内障手术,2026-11-21,2026-12-01,
            F3,Thomas Baker,M,1949-09-09,+1 (201) 555-0003,Asia/Shanghai,en,cataract,cataract surgery,2026-11-22,2026-12-01,Chen
            F4,黄丽娟,F,1962-12-24,13800130002,Asia/Shanghai,zh-CN,cataract,白内障手术,2026-11-19,2026-12-01,
            F5,周国平,M,1947-07-07,0086 137 0013 0004,Asia/Shanghai,zh-CN,cataract,白内障手术,2026-11-18,2026-12-01,

            """)
        let schedule = try workspace.read("Schedules/recheck-reminder.toml")
            .replacingOccurrences(of: "senders = [\"file\"]", with: "senders = [\"sms\", \"hook\"]")
        #expect(schedule.contains("senders = [\"sms\", \"hook\"]"))
        try workspace.write("FailingSchedules/recheck-reminder.toml", schedule)
    }

    /// Inputs that fail with messages about rows: a patients file with bad phones and other bad fields next to
    /// good phones, a template that prints a field some patients lack, render data without a field.
    static func writeBadInputs(_ workspace: HealthDataWorkspace) throws {
        try workspace.write(
            "bad-patients.csv",
            """
            id,name,gender,birth_date,phone,timezone,locale,tags
            B1,孙美玲,F,1957-05-05,138 0013 800,,zh-CN,cataract
            B2,钱志刚,M,1953-13-40,135 0013 5001,,zh-CN,cataract
            B3,Olivia Grant,X,1960-01-01,+1 (201) 555-0177,,en,cataract
            B4,吴晓东,M,1966-06-06,+86 12345678901,,zh-CN,cataract
            B5,郑雪梅,F,1958-08-08,13600136001,Mars/Olympus,zh-CN,cataract

            """)
        try workspace.write(
            "Templates/doctor-note.zh-CN.mustache",
            """
            +++
            kind = "reminder"
            [sample.patient]
            name = "王芳"
            gender = "F"
            birth_date = 1956-04-12
            doctor = "李明"
            +++
            {{> signature}}{{patient.honorific_warm}}您好，{{patient.doctor}}医生提醒您按时滴眼药水，手术日期{{patient.surgery_date.date}}。
            """)
        try workspace.write(
            "BadSchedules/doctor-note.toml",
            """
            template = "doctor-note"
            senders = ["file"]
            kind = "reminder"
            [trigger]
            at = 2026-12-01
            [audience]
            tags = ["cataract"]
            """)
        try workspace.write(
            "bad-data.json",
            #"{"patient": {"name": "钱志刚", "phone": "13500135000", "gender": "M", "birth_date": "1953-03-04"}}"#
        )
    }
}
