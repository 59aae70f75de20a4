import CarelineTesting
import Foundation
import Testing

/// `careline dispatch`, `reconcile` and `status` as the systemd timer and a coordinator run them: the built binary
/// against a real SQLite file, the file sender, a loopback webhook receiver and the Twilio-shaped fake. Every
/// dispatch runs at `--log-level debug` and its stderr is checked for full phone numbers and bodies.
@Suite("careline dispatch (end to end)")
struct DispatchEndToEndTests {
    static let twilioMissing: Comment =
        "python3 or Tests/Fakes/twilio_fake.py is missing: the Twilio fake cannot run"

    // MARK: - File sender

    @Test func fileSenderSendsEveryDueMessageOnceAndASecondRunSendsNothing() throws {
        let patients = DispatchPatient.numbered(3)
        let workspace = try DispatchWorkspace(
            patients: patients, senders: DispatchWorkspace.fileSender, campaignSenders: ["file"])
        let ids = try Dictionary(
            uniqueKeysWithValues: patients.map { ($0.id, try workspace.messageID(of: $0.id)) })

        let dry = try workspace.dispatch(["--dry-run"])
        #expect(try workspace.summary(dry) == DispatchCounts(sent: 3))
        #expect(try workspace.sentLines().isEmpty)
        #expect(try workspace.states() == ["queued": 3])

        let first = try workspace.dispatch()
        #expect(
            first.stdout == #"{"sent":3,"retry":0,"failed":0,"unknown":0,"rescheduled":0,"skipped":0}"# + "\n"
        )
        #expect(try workspace.summary(first) == DispatchCounts(sent: 3))
        let lines = try workspace.sentLines()
        #expect(lines.count == 3)
        for patient in patients {
            let line = try #require(lines.first { $0["patient_id"] as? String == patient.id })
            #expect(
                Set(line.keys) == [
                    "id", "campaign", "step", "patient_id", "to", "body", "send_at", "attempt", "sent_at",
                ])
            #expect(line["id"] as? String == ids[patient.id])
            #expect(line["to"] as? String == patient.phone)
            #expect(line["body"] as? String == patient.body)
            #expect(line["campaign"] as? String == "note")
            #expect(line["step"] as? String == "at")
            #expect(line["send_at"] as? String == "2026-12-01T09:00:00Z")
            #expect(line["attempt"] as? Int == 1)
        }
        #expect(try workspace.states() == ["sent": 3])
        #expect(try workspace.preview(state: "sent").count == 3)
        let mode = try FileManager.default.attributesOfItem(atPath: workspace.folder.path("sent.jsonl"))[
            .posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)

        let again = try workspace.dispatch()
        #expect(
            again.stdout == #"{"sent":0,"retry":0,"failed":0,"unknown":0,"rescheduled":0,"skipped":0}"# + "\n"
        )
        #expect(try workspace.sentLines().count == 3)

        let text = try workspace.careline(["dispatch", "--now", DispatchWorkspace.dispatchAt])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == "sent 0, retry 0, failed 0, unknown 0, rescheduled 0, skipped 0\n")
    }

    // MARK: - Send-time checks

    @Test func aMessageDueOutsideItsWindowIsPlannedForTheNextOpeningInThePatientsZone() throws {
        let patients = [
            DispatchPatient(id: "P1", name: "Ada Utc", phone: "+12015550101", timezone: "UTC"),
            DispatchPatient(id: "P2", name: "Bea York", phone: "+12125550102", timezone: "America/New_York"),
        ]
        let workspace = try DispatchWorkspace(
            patients: patients, senders: DispatchWorkspace.fileSender, campaignSenders: ["file"])
        #expect(try workspace.message(of: "P1")["send_at"] as? String == "2026-12-01T09:00:00Z")
        #expect(try workspace.message(of: "P2")["send_at"] as? String == "2026-12-01T14:00:00Z")

        // 02:30 on Dec 2 in UTC (quiet hours, before the window); 21:30 on Dec 1 in New York (after it).
        let late = try workspace.dispatch(now: "2026-12-02T02:30:00Z")
        #expect(try workspace.summary(late) == DispatchCounts(rescheduled: 2))
        let utc = try workspace.message(of: "P1")
        #expect(utc["send_at"] as? String == "2026-12-02T09:00:00Z")
        #expect(utc["state"] as? String == "queued")
        let newYork = try workspace.message(of: "P2")
        #expect(newYork["send_at"] as? String == "2026-12-02T14:00:00Z")
        #expect(newYork["send_at_local"] as? String == "2026-12-02T09:00:00-05:00")
        #expect(!FileManager.default.fileExists(atPath: workspace.folder.path("sent.jsonl")))

        // At the UTC patient's opening only that message is due.
        let morning = try workspace.dispatch(now: "2026-12-02T09:30:00Z")
        #expect(try workspace.summary(morning) == DispatchCounts(sent: 1))
        #expect(try workspace.sentLines().map { $0["patient_id"] as? String } == ["P1"])
        #expect(try workspace.states() == ["queued": 1, "sent": 1])
    }

    @Test func aMessageMovedToAnotherLocalDateIsRenderedAgainForThatDate() throws {
        let patients = DispatchPatient.numbered(1)
        let workspace = try DispatchWorkspace(
            patients: patients, senders: DispatchWorkspace.fileSender, campaignSenders: ["file"], queue: false
        )
        try workspace.folder.write(
            "Templates/note.en.mustache",
            "+++\nkind = \"reminder\"\n+++\nHello {{patient.name}}, see you {{patient.visit.relative}}.\n")
        try workspace.folder.write(
            "patients.csv",
            "id,name,phone,timezone,locale,visit\nP1,Ada 1,\(patients[0].phone),UTC,en,2026-12-03\n")
        try workspace.importAndQueue()
        #expect(try workspace.message(of: "P1")["body"] as? String == "Hello Ada 1, see you in 2 days.")

        let late = try workspace.dispatch(now: "2026-12-01T22:00:00Z")
        #expect(try workspace.summary(late) == DispatchCounts(rescheduled: 1))
        let moved = try workspace.message(of: "P1")
        #expect(moved["send_at"] as? String == "2026-12-02T09:00:00Z")
        #expect(moved["body"] as? String == "Hello Ada 1, see you tomorrow.")
        #expect(!late.stderr.contains("see you"))

        let next = try workspace.dispatch(now: "2026-12-02T09:00:00Z")
        #expect(try workspace.summary(next) == DispatchCounts(sent: 1))
        #expect(try workspace.sentLines().map { $0["body"] as? String } == ["Hello Ada 1, see you tomorrow."])
        #expect(!next.stderr.contains("see you"))
    }

    @Test func anOptOutCancelsAtOnceAndAPatientOptedOutByImportIsSkippedAtSendTime() throws {
        let patients = DispatchPatient.numbered(3)
        let workspace = try DispatchWorkspace(
            patients: patients, senders: DispatchWorkspace.fileSender, campaignSenders: ["file"])

        // `optout add` cancels the pending message at once: dispatch never sees it.
        let optout = try workspace.careline([
            "optout", "add", patients[0].phone, "--reason", "asked by phone",
        ])
        #expect(optout.status == 0, "\(optout.stderr)")
        #expect(optout.stdout == "opted out \(patients[0].masked); cancelled 1 pending message\n")
        // An import that sets opt_out changes no message: the dispatcher finds it at send time.
        var changed = patients
        changed[1].optOut = true
        try workspace.writePatients(changed)
        let imported = try workspace.careline(["patients", "import", "patients.csv"])
        #expect(
            imported.stdout == "imported patients.csv: 0 new, 1 updated, 2 unchanged\n", "\(imported.stderr)")
        #expect(try workspace.states() == ["cancelled": 1, "queued": 2])

        let result = try workspace.dispatch()
        #expect(try workspace.summary(result) == DispatchCounts(sent: 1, skipped: 1))
        #expect(try workspace.sentLines().map { $0["patient_id"] as? String } == ["P3"])
        #expect(try workspace.states() == ["cancelled": 2, "sent": 1])
        #expect(try workspace.message(of: "P2")["state"] as? String == "cancelled")
    }

    // MARK: - Webhook

    @Test func webhookPostsEachMessageOnceSignedWithTheMessageIDAsWebhookID() throws {
        let patients = DispatchPatient.numbered(3)
        let server = try WebhookReplies(status: 204).server()
        defer { server.stop() }
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.webhookSender(url: server.url(path: "/hooks/careline")),
            campaignSenders: ["hook"])
        let ids = try Dictionary(
            uniqueKeysWithValues: patients.map { ($0.id, try workspace.messageID(of: $0.id)) })

        let started = Date()
        let result = try workspace.dispatch()
        #expect(try workspace.summary(result) == DispatchCounts(sent: 3))
        let requests = server.requests
        #expect(requests.count == 3)
        #expect(Set(requests.compactMap { $0.headers["webhook-id"] }) == Set(ids.values))
        var signatures: Set<String> = []
        for request in requests {
            #expect(request.method == "POST")
            #expect(request.path == "/hooks/careline")
            #expect(request.headers["content-type"] == "application/json")
            let body = try DispatchWorkspace.object(request.bodyText)
            #expect(
                Set(body.keys) == [
                    "id", "campaign", "step", "patient_id", "to", "body", "send_at", "attempt",
                ])
            let patient = try #require(patients.first { $0.id == body["patient_id"] as? String })
            let id = try #require(request.headers["webhook-id"])
            #expect(id == ids[patient.id])
            #expect(body["id"] as? String == id)
            #expect(body["to"] as? String == patient.phone)
            #expect(body["body"] as? String == patient.body)
            #expect(body["campaign"] as? String == "note")
            #expect(body["step"] as? String == "at")
            #expect(body["send_at"] as? String == "2026-12-01T09:00:00Z")
            #expect(body["attempt"] as? Int == 1)
            // The timestamp is the real instant of the attempt (not --now), in whole seconds.
            let timestamp = try #require(request.headers["webhook-timestamp"])
            let seconds = try #require(Double(timestamp))
            #expect(abs(seconds - started.timeIntervalSince1970) < 60)
            let signature = try #require(request.headers["webhook-signature"])
            #expect(signature.hasPrefix("v1,"))
            #expect(Data(base64Encoded: String(signature.dropFirst(3)))?.count == 32)
            if let expected = try standardWebhookSignature(
                secret: DispatchWorkspace.webhookSecret, id: id, timestamp: timestamp, body: request.body)
            {
                #expect(signature == expected)
            }
            signatures.insert(signature)
        }
        #expect(signatures.count == 3)
    }

    @Test func webhookStatusesDecideRetryFailureAndTheRetryAfterWait() throws {
        let patients = DispatchPatient.numbered(4)
        let replies = WebhookReplies { request in
            switch WebhookReplies.patientID(request) {
            case "P2"?: .text("busy", status: 500)
            case "P3"?: .text("gone", status: 410)
            case "P4"?: .response(status: 429, headers: [(name: "Retry-After", value: "3600")])
            default: .text("ok", status: 200)
            }
        }
        let server = try replies.server()
        defer { server.stop() }
        let workspace = try DispatchWorkspace(
            patients: patients, senders: DispatchWorkspace.webhookSender(url: server.url(path: "/hook")),
            campaignSenders: ["hook"])

        let result = try workspace.dispatch()
        #expect(try workspace.summary(result) == DispatchCounts(sent: 1, retry: 2, failed: 1))
        #expect(server.requests.count == 4)
        #expect(Set(server.requests.compactMap(WebhookReplies.patientID)) == ["P1", "P2", "P3", "P4"])
        #expect(try workspace.states() == ["failed": 1, "retry": 2, "sent": 1])
        #expect(try workspace.message(of: "P3")["state"] as? String == "failed")
        // 500: the first backoff, 60 s plus up to 10 % jitter after the run's now (10:00:00).
        let busy = try workspace.message(of: "P2")
        #expect(busy["state"] as? String == "retry")
        let busyAt = try #require((busy["send_at"] as? String).flatMap(Self.instant))
        #expect(busyAt >= Self.instant("2026-12-01T10:01:00Z")!)
        #expect(busyAt <= Self.instant("2026-12-01T10:01:06Z")!)
        // 429 with Retry-After: 3600 outweighs the backoff.
        #expect(try workspace.message(of: "P4")["send_at"] as? String == "2026-12-01T11:00:00Z")

        // Nothing is due again before the planned instants.
        let early = try workspace.dispatch(now: "2026-12-01T10:00:30Z")
        #expect(try workspace.summary(early) == DispatchCounts())
        replies.set { _ in .text("ok", status: 200) }
        let later = try workspace.dispatch(now: "2026-12-01T11:00:00Z")
        #expect(try workspace.summary(later) == DispatchCounts(sent: 2))
        #expect(try workspace.states() == ["failed": 1, "sent": 3])
        let retried = server.requests.dropFirst(4)
        #expect(Set(retried.compactMap(WebhookReplies.patientID)) == ["P2", "P4"])
        #expect(
            try retried.map { try DispatchWorkspace.object($0.bodyText)["attempt"] as? Int } == [2, 2])
    }

    @Test func aPermanentWebhookFailureFallsBackToTheFileSender() throws {
        let patients = DispatchPatient.numbered(1)
        let server = try WebhookReplies(status: 410).server()
        defer { server.stop() }
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.webhookSender(url: server.url(path: "/hook"))
                + DispatchWorkspace.fileSender,
            campaignSenders: ["hook", "file"])
        let id = try workspace.messageID(of: "P1")

        let result = try workspace.dispatch()
        #expect(try workspace.summary(result) == DispatchCounts(sent: 1))
        #expect(server.requests.map { $0.headers["webhook-id"] } == [id])
        let lines = try workspace.sentLines()
        #expect(lines.count == 1)
        #expect(lines.first?["id"] as? String == id)
        #expect(lines.first?["to"] as? String == patients[0].phone)
        #expect(lines.first?["attempt"] as? Int == 1)
        #expect(try workspace.states() == ["sent": 1])
    }

    /// `--limit` counts messages, so the fallback of a message already claimed must still go out in the run.
    @Test func aFallbackIsSentInTheSameRunUnderALimit() throws {
        let patients = DispatchPatient.numbered(1)
        let server = try WebhookReplies(status: 410).server()
        defer { server.stop() }
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.webhookSender(url: server.url(path: "/hook"))
                + DispatchWorkspace.fileSender,
            campaignSenders: ["hook", "file"])

        let result = try workspace.dispatch(["--limit", "1"])
        #expect(server.requests.count == 1)
        #expect(try workspace.summary(result) == DispatchCounts(sent: 1))
        #expect(try workspace.sentLines().count == 1)
        #expect(try workspace.states() == ["sent": 1])
    }

    // MARK: - Twilio

    @Test(.enabled(if: TwilioFake.isAvailable, twilioMissing))
    func twilioAnswersDecideSentFailedRetryAndTheProvidersOptOut() throws {
        let fake = try TwilioFake(slow: 4)
        let patients = [
            DispatchPatient(id: "P1", name: "Ada Stop", phone: "+12015550003"),
            DispatchPatient(id: "P2", name: "Bea Invalid", phone: "+12015550001"),
            DispatchPatient(id: "P3", name: "Cy Busy", phone: "+12015550004"),
            DispatchPatient(id: "P4", name: "Di Fine", phone: "+12015550123"),
            DispatchPatient(id: "P5", name: "Ed Slow", phone: "+12015550006"),
        ]
        let workspace = try DispatchWorkspace(
            patients: patients, senders: DispatchWorkspace.twilioSender(baseURL: fake.baseURL, timeout: "1s"),
            campaignSenders: ["sms"])

        let result = try workspace.dispatch()
        #expect(try workspace.summary(result) == DispatchCounts(sent: 1, retry: 1, failed: 2, unknown: 1))
        #expect(try workspace.states() == ["failed": 2, "retry": 1, "sent": 1, "unknown": 1])
        // Accepted, then no answer within the timeout: Twilio may have it, so it is not retried.
        let slow = try workspace.message(of: "P5")
        #expect(slow["state"] as? String == "unknown")
        let unknown = try #require(try workspace.status()["unknown"] as? [[String: Any]])
        #expect(unknown.map { $0["to"] as? String } == ["+1201***0006"])
        #expect(try workspace.message(of: "P1")["state"] as? String == "failed")
        #expect(try workspace.message(of: "P2")["state"] as? String == "failed")
        let busy = try workspace.message(of: "P3")
        #expect(busy["state"] as? String == "retry")
        // Retry-After: 2 is shorter than the first backoff (60 s), which wins.
        let busyAt = try #require((busy["send_at"] as? String).flatMap(Self.instant))
        #expect(busyAt >= Self.instant("2026-12-01T10:01:00Z")!)
        let logged = try fake.logged().filter { $0["to"] as? String != "+12015550006" }
        #expect(try fake.logged().count == 2)
        #expect(logged.count == 1)
        #expect(logged.first?["to"] as? String == "+12015550123")
        #expect(logged.first?["body"] as? String == patients[3].body)
        #expect(logged.first?["from"] as? String == "+15005550006")

        // 21610: the recipient replied STOP at the provider, so careline records the opt-out itself.
        let list = try workspace.careline(["optout", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 1)
        #expect(
            lines.first?.hasSuffix("  +1201***0003  sms  (unsubscribed at the provider)") == true, "\(lines)")
        #expect(!list.stdout.contains("+12015550003"))
    }

    // MARK: - One dispatcher at a time

    @Test func aSecondDispatcherExits75WhileTheFirstSendsEachMessageOnce() throws {
        let patients = DispatchPatient.numbered(10)
        let server = try WebhookReplies(status: 200, delay: .milliseconds(300)).server()
        defer { server.stop() }
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.webhookSender(url: server.url(path: "/hook"), concurrency: 2),
            campaignSenders: ["hook"])
        let ids = Set(try workspace.preview().compactMap { $0["id"] as? String })

        // 10 messages, 2 at a time, 300 ms each: the first run takes ≥ 1.5 s, far longer than a start-up.
        let runs = try [workspace.startDispatch(), workspace.startDispatch()]
        let results = runs.map { $0.wait() }
        #expect(results.map(\.status).sorted() == [0, 75], "\(results.map(\.stderr))")
        let winner = try #require(results.first { $0.status == 0 })
        let loser = try #require(results.first { $0.status == 75 })
        #expect(try workspace.summary(winner) == DispatchCounts(sent: 10))
        #expect(loser.stdout == "")
        #expect(
            loser.stderr.contains("another careline dispatch is running on this database"), "\(loser.stderr)")
        for result in results { workspace.expectNoPersonalData(result.stderr) }
        let seen = server.requests.compactMap { $0.headers["webhook-id"] }
        #expect(seen.count == 10)
        #expect(Set(seen) == ids)
        #expect(try workspace.states() == ["sent": 10])
    }

    @Test func maxDurationAndLimitStopClaimingButFinishWhatIsInFlight() throws {
        let patients = DispatchPatient.numbered(70)
        let replies = WebhookReplies(status: 200, delay: .milliseconds(25))
        let server = try replies.server()
        defer { server.stop() }
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.webhookSender(url: server.url(path: "/hook"), concurrency: 1),
            campaignSenders: ["hook"])

        // One at a time, rounds of 64 (a webhook de-duplicates, so its rounds are 64 × concurrency): the first
        // round (64 × 25 ms = 1.6 s) outlasts 1 s, and no second round starts.
        let short = try workspace.dispatch(["--max-duration", "1s"])
        #expect(try workspace.summary(short) == DispatchCounts(sent: 64))
        #expect(try workspace.states() == ["queued": 6, "sent": 64])

        replies.set { _ in .text("ok", status: 200) }
        let limited = try workspace.dispatch(["--limit", "2"])
        #expect(try workspace.summary(limited) == DispatchCounts(sent: 2))
        let rest = try workspace.dispatch()
        #expect(try workspace.summary(rest) == DispatchCounts(sent: 4))
        let seen = server.requests.compactMap { $0.headers["webhook-id"] }
        #expect(seen.count == 70)
        #expect(Set(seen).count == 70)
    }

    // MARK: - Crash recovery

    @Test func aWebhookDispatchKilledMidRunIsResentWithTheSameIDsAndBodies() throws {
        let patients = DispatchPatient.numbered(20)
        let replies = WebhookReplies(status: 200, delay: .milliseconds(200))
        let server = try replies.server()
        defer { server.stop() }
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.webhookSender(url: server.url(path: "/hook"), concurrency: 1),
            campaignSenders: ["hook"])
        let ids = Set(try workspace.preview().compactMap { $0["id"] as? String })

        let run = try workspace.startDispatch()
        #expect(eventually { server.requests.count >= 5 }, "the dispatcher never reached a fifth request")
        run.kill()
        workspace.expectNoPersonalData(run.wait().stderr)
        let before = try workspace.states()
        // Attempts are claimed durably before their requests leave: the one in flight is `sending`.
        #expect((before["sending"] ?? 0) >= 1, "\(before)")
        #expect(before.values.reduce(0, +) == 20)
        let sentBefore = before["sent"] ?? 0

        replies.set { _ in .text("ok", status: 200) }
        let again = try workspace.dispatch()
        #expect(try workspace.summary(again) == DispatchCounts(sent: 20 - sentBefore))
        #expect(try workspace.states() == ["sent": 20])
        #expect(try workspace.preview(state: "sending").isEmpty)

        let requests = server.requests
        var bodies: [String: Set<String>] = [:]
        for request in requests {
            let body = try DispatchWorkspace.object(request.bodyText)
            let id = try #require(body["id"] as? String)
            #expect(request.headers["webhook-id"] == id)
            bodies[id, default: []].insert(request.bodyText)
        }
        #expect(Set(bodies.keys) == ids)
        // A resent message carries the same webhook-id and byte-identical body (attempt number included).
        for (id, texts) in bodies { #expect(texts.count == 1, "\(id) was sent with different bodies") }
        let counts = Dictionary(requests.map { ($0.headers["webhook-id"] ?? "", 1) }, uniquingKeysWith: +)
        #expect(counts.values.contains { $0 > 1 }, "the request in flight at the kill must be resent")
    }

    @Test(.enabled(if: TwilioFake.isAvailable, twilioMissing))
    func aTwilioDispatchKilledMidRunLeavesUnknownMessagesForReconcile() throws {
        let slow = try TwilioFake(slow: 5)
        let patients = [
            DispatchPatient(id: "P1", name: "Ada Slow", phone: "+12015550006"),
            DispatchPatient(id: "P2", name: "Bea Slow", phone: "+12025550006"),
            DispatchPatient(id: "P3", name: "Cy Slow", phone: "+12035550006"),
        ]
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.twilioSender(baseURL: slow.baseURL, timeout: "30s"),
            campaignSenders: ["sms"])
        let ids = try patients.map { try workspace.messageID(of: $0.id) }

        let run = try workspace.startDispatch()
        #expect(try eventually { try slow.logged().count >= 1 }, "the fake never received a message")
        run.kill()
        workspace.expectNoPersonalData(run.wait().stderr)
        #expect(try workspace.states() == ["sending": 3])

        // Twilio cannot de-duplicate a resend: every claimed message becomes unknown, none is sent again.
        let recovery = try workspace.dispatch()
        #expect(try workspace.summary(recovery) == DispatchCounts(unknown: 3))
        #expect(try workspace.states() == ["unknown": 3])
        let status = try workspace.status()
        let unknown = try #require(status["unknown"] as? [[String: Any]])
        #expect(Set(unknown.compactMap { $0["id"] as? String }) == Set(ids))
        #expect(Set(unknown.compactMap { $0["to"] as? String }) == Set(patients.map(\.masked)))
        #expect(Set(unknown.compactMap { $0["sender"] as? String }) == ["sms"])
        for entry in unknown {
            #expect(
                (entry["last_error"] as? String)?.contains("careline reconcile --id \(entry["id"] ?? "")")
                    == true)
        }
        let text = try workspace.careline(["status"])
        #expect(text.stdout.contains("unknown: the provider may have these"))
        workspace.expectNoPersonalData(text.stdout)
        let pairs = try slow.logged().map { "\($0["to"] ?? "") \($0["body"] ?? "")" }
        #expect(pairs.count == Set(pairs).count, "a message reached the provider twice: \(pairs)")
        #expect(pairs.count <= 3)

        let markSent = try workspace.careline([
            "reconcile", "--id", ids[0], "--mark-sent", "--note", "in the log",
        ])
        #expect(markSent.status == 0, "\(markSent.stderr)")
        #expect(markSent.stdout == "\(ids[0]): unknown → sent (\(patients[0].masked))\n")
        let resend = try workspace.careline(["reconcile", "--id", ids[1], "--resend"])
        #expect(resend.status == 0, "\(resend.stderr)")
        #expect(resend.stdout == "\(ids[1]): unknown → queued (\(patients[1].masked))\n")
        let twice = try workspace.careline(["reconcile", "--id", ids[0], "--mark-failed"])
        #expect(twice.status == 65)
        #expect(twice.stderr.contains("is sent, not unknown"), "\(twice.stderr)")

        // The resend goes to a provider that answers at once.
        let fast = try TwilioFake(slow: 0)
        try workspace.writeConfiguration(
            senders: DispatchWorkspace.twilioSender(baseURL: fast.baseURL, timeout: "30s"))
        let next = try workspace.dispatch()
        #expect(try workspace.summary(next) == DispatchCounts(sent: 1))
        #expect(try fast.logged().map { $0["to"] as? String } == [patients[1].phone])
        #expect(try workspace.states() == ["sent": 2, "unknown": 1])
        #expect(try workspace.message(of: "P3")["state"] as? String == "unknown")
    }

    // MARK: - Refusals

    @Test func dispatchRefusesAMissingSecretAMissingDatabaseAndBadFlags() throws {
        let server = try WebhookReplies(status: 200).server()
        defer { server.stop() }
        let workspace = try DispatchWorkspace(
            patients: DispatchPatient.numbered(1),
            senders: DispatchWorkspace.webhookSender(url: server.url(path: "/hook")),
            campaignSenders: ["hook"])
        workspace.environment["CARELINE_WEBHOOK_SECRET"] = nil
        let database = workspace.folder.path("careline.sqlite")
        let before = try #require(FileManager.default.contents(atPath: database))
        let noSecret = try workspace.dispatch()
        #expect(noSecret.status == 78)
        // A configuration mistake changes nothing: the database is byte for byte what it was.
        #expect(FileManager.default.contents(atPath: database) == before)
        #expect(noSecret.stdout == "")
        #expect(noSecret.stderr.contains("senders.hook.secret"), "\(noSecret.stderr)")
        #expect(noSecret.stderr.contains("CARELINE_WEBHOOK_SECRET"), "\(noSecret.stderr)")
        #expect(server.requests.isEmpty)
        #expect(try workspace.states() == ["queued": 1])

        for flags in [
            ["--max-duration", "0s"], ["--max-duration", "abc"], ["--limit", "0"], ["--now", "tomorrow"],
        ] {
            let usage = try workspace.careline(["dispatch"] + flags)
            #expect(usage.status == 64, "\(flags): \(usage.stderr)")
            #expect(usage.stderr.contains(flags[0]), "\(flags): \(usage.stderr)")
        }

        let empty = try DispatchWorkspace(
            patients: DispatchPatient.numbered(1), senders: DispatchWorkspace.fileSender,
            campaignSenders: ["file"],
            queue: false)
        let noDatabase = try empty.dispatch()
        #expect(noDatabase.status == 69)
        #expect(
            noDatabase.stderr.contains("careline.sqlite: there is no database file here"),
            "\(noDatabase.stderr)")
        #expect(!FileManager.default.fileExists(atPath: empty.folder.path("careline.sqlite")))
    }

    // MARK: - Helpers

    /// `2026-12-01T10:01:00Z` as a date.
    static func instant(_ text: String) -> Date? {
        ISO8601DateFormatter().date(from: text)
    }
}
