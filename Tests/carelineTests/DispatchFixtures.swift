import CarelineTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One patient of a dispatch test: the row written to the patients CSV.
struct DispatchPatient {
    var id: String
    var name: String
    /// E.164, as careline stores it (and as the file sender and the providers see it).
    var phone: String
    var timezone = "UTC"
    var optOut = false

    /// The body careline renders for this patient from `Templates/note.en.mustache`.
    var body: String { "Hello \(name), see you soon." }

    /// The phone with its middle hidden, as careline prints it (`+1201***0003`).
    var masked: String { String(phone.prefix(5)) + "***" + String(phone.suffix(4)) }

    /// `count` patients with valid NANP numbers `+1201555` + `0100 + i` (no Twilio fake rule matches them).
    static func numbered(_ count: Int, timezone: String = "UTC") -> [DispatchPatient] {
        (1...count).map { index in
            DispatchPatient(
                id: "P\(index)", name: "Ada \(index)",
                phone: "+1201555\(String(format: "%04d", 100 + index))",
                timezone: timezone)
        }
    }
}

/// A clinic folder for `careline dispatch` end-to-end tests: `careline.toml` with the senders a test needs, a
/// patients CSV, a one-line template and a one-step campaign (`[trigger] at = 2026-12-01`, window 09:00-21:00 in
/// the patient's zone, two days to expire), imported and queued at 2026-12-01T08:00:00Z.
final class DispatchWorkspace {
    /// The webhook signing secret (Standard Webhooks form).
    static let webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    /// The instant every campaign is queued at.
    static let queuedAt = "2026-12-01T08:00:00Z"
    /// Inside the window: every queued message (planned 09:00 in its zone) is due.
    static let dispatchAt = "2026-12-01T10:00:00Z"

    let folder: TemporaryDirectory
    let patients: [DispatchPatient]
    /// The environment every careline run gets (secrets).
    var environment: [String: String]

    /// Writes the folder and, unless `queue` is false, imports the patients and queues the campaign.
    ///
    /// - Parameters:
    ///   - patients: The patients.
    ///   - senders: The `[senders.NAME]` tables, as TOML.
    ///   - campaignSenders: The campaign's chain of sender names.
    ///   - queue: Whether to import and queue right away.
    init(
        patients: [DispatchPatient], senders: String, campaignSenders: [String], queue: Bool = true
    ) throws {
        folder = try TemporaryDirectory()
        self.patients = patients
        environment = [
            "USER": "coordinator", "CARELINE_WEBHOOK_SECRET": Self.webhookSecret,
            "TWILIO_AUTH_TOKEN": TwilioFake.authToken,
        ]
        try writeConfiguration(senders: senders)
        try folder.write(
            "Templates/note.en.mustache",
            "+++\nkind = \"reminder\"\n+++\nHello {{patient.name}}, see you soon.\n")
        let chain = campaignSenders.map { "\"\($0)\"" }.joined(separator: ", ")
        try folder.write(
            "Schedules/note.toml",
            """
            template = "note"
            senders = [\(chain)]
            kind = "reminder"
            [trigger]
            at = 2026-12-01
            [window]
            hours = ["09:00-21:00"]
            timezone = "patient"
            [limits]
            expire_after = "2d"
            """)
        try writePatients(patients)
        if queue { try importAndQueue() }
    }

    /// Imports `patients.csv` and queues `Schedules/note.toml` at ``queuedAt``, expecting every patient queued.
    func importAndQueue() throws {
        let imported = try careline(["patients", "import", "patients.csv"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let queued = try careline(["queue", "Schedules/note.toml", "--now", Self.queuedAt, "--json"])
        #expect(queued.status == 0, "\(queued.stderr)")
        #expect(queued.stdout.hasPrefix("{\"batch\":1,\"queued\":\(patients.count),"), "\(queued.stdout)")
    }

    /// (Re)writes `careline.toml` with these sender tables.
    func writeConfiguration(senders: String) throws {
        try folder.write(
            "careline.toml",
            """
            [clinic]
            name = "Lakeside Eye Clinic"
            phone = "201-555-0100"
            timezone = "UTC"
            region = "US"
            locale = "en"
            [store]
            path = "careline.sqlite"

            \(senders)
            """)
    }

    /// (Re)writes `patients.csv`.
    func writePatients(_ patients: [DispatchPatient]) throws {
        let rows = patients.map { "\($0.id),\($0.name),\($0.phone),\($0.timezone),en,\($0.optOut)" }
        try folder.write(
            "patients.csv", (["id,name,phone,timezone,locale,opt_out"] + rows).joined(separator: "\n") + "\n")
    }

    // MARK: - Sender tables

    /// `[senders.file]` appending to `sent.jsonl`.
    static let fileSender = "[senders.file]\nkind = \"file\"\npath = \"sent.jsonl\"\n"

    /// `[senders.hook]` posting to `url`.
    static func webhookSender(url: String, concurrency: Int? = nil) -> String {
        var table =
            "[senders.hook]\nkind = \"webhook\"\nurl = \"\(url)\"\nsecret = \"env:CARELINE_WEBHOOK_SECRET\"\n"
        if let concurrency { table += "concurrency = \(concurrency)\n" }
        return table
    }

    /// `[senders.sms]` against a Twilio fake at `baseURL`.
    static func twilioSender(baseURL: String, timeout: String? = nil) -> String {
        var table = """
            [senders.sms]
            kind = "twilio"
            base_url = "\(baseURL)"
            account_sid = "\(TwilioFake.accountSID)"
            auth_token = "env:TWILIO_AUTH_TOKEN"
            from = "+15005550006"

            """
        if let timeout { table += "timeout = \"\(timeout)\"\n" }
        return table
    }

    // MARK: - Running careline

    /// Runs careline in the folder with the workspace's environment.
    func careline(_ arguments: [String]) throws -> CarelineProcess.Result {
        try CarelineProcess.run(arguments, in: folder.url, environment: environment)
    }

    /// The arguments of a dispatch run: `--json --log-level debug` and `--now`.
    static func dispatchArguments(now: String, _ extra: [String] = []) -> [String] {
        ["dispatch", "--now", now, "--json", "--log-level", "debug"] + extra
    }

    /// Runs `careline dispatch --now NOW --json --log-level debug`, checks that its output names no full phone
    /// number and no body, and returns it.
    @discardableResult
    func dispatch(now: String = DispatchWorkspace.dispatchAt, _ extra: [String] = []) throws
        -> CarelineProcess.Result
    {
        let result = try careline(Self.dispatchArguments(now: now, extra))
        expectNoPersonalData(result.stderr)
        return result
    }

    /// Starts `careline dispatch` without waiting for it.
    func startDispatch(now: String = DispatchWorkspace.dispatchAt) throws -> RunningCareline {
        try RunningCareline(Self.dispatchArguments(now: now), in: folder, environment: environment)
    }

    /// Expects that `text` (a run's stderr) holds no patient's full number, national number or body.
    func expectNoPersonalData(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for patient in patients {
            #expect(
                !text.contains(patient.phone), "the full number of \(patient.id) was logged",
                sourceLocation: sourceLocation)
            #expect(
                !text.contains(String(patient.phone.dropFirst(2))),
                "the national number of \(patient.id) was logged", sourceLocation: sourceLocation)
            #expect(
                !text.contains(patient.body), "the body of \(patient.id) was logged",
                sourceLocation: sourceLocation)
        }
    }

    // MARK: - Reading the outcome

    /// The `--json` summary of a dispatch run, after checking its exit status and key order.
    func summary(_ result: some CarelineRun, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> DispatchCounts
    {
        #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        return try DispatchCounts(line: result.stdout, sourceLocation: sourceLocation)
    }

    /// `careline preview --format json` (all states, or one), one object per message.
    func preview(state: String? = nil) throws -> [[String: Any]] {
        var arguments = ["preview", "--format", "json"]
        if let state { arguments += ["--state", state] }
        let result = try careline(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try result.stdout.split(separator: "\n").map { try Self.object(String($0)) }
    }

    /// The planned message of a patient (any state).
    func message(of patientID: String) throws -> [String: Any] {
        try #require(try preview().first { $0["patient_id"] as? String == patientID })
    }

    /// The id of a patient's message.
    func messageID(of patientID: String) throws -> String {
        try #require(try message(of: patientID)["id"] as? String)
    }

    /// `careline status --json`.
    func status() throws -> [String: Any] {
        let result = try careline(["status", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try Self.object(result.stdout)
    }

    /// The message counts per state of the `note` campaign.
    func states() throws -> [String: Int] {
        let campaigns = try #require(try status()["campaigns"] as? [[String: Any]])
        return try #require(
            campaigns.first { $0["campaign"] as? String == "note" }?["states"] as? [String: Int])
    }

    /// The lines of `sent.jsonl` (the file sender's output), parsed.
    func sentLines() throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: folder.path("sent.jsonl")) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try Self.object(String($0))
        }
    }

    /// Parses one JSON object.
    static func object(_ text: String) throws -> [String: Any] {
        try #require(
            JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not an object: \(text)")
    }
}

/// The counts `careline dispatch --json` prints, in their fixed order.
struct DispatchCounts: Equatable, CustomStringConvertible {
    static let keys = ["sent", "retry", "failed", "unknown", "rescheduled", "skipped"]

    var sent = 0
    var retry = 0
    var failed = 0
    var unknown = 0
    var rescheduled = 0
    var skipped = 0

    init(
        sent: Int = 0, retry: Int = 0, failed: Int = 0, unknown: Int = 0, rescheduled: Int = 0,
        skipped: Int = 0
    ) {
        self.sent = sent
        self.retry = retry
        self.failed = failed
        self.unknown = unknown
        self.rescheduled = rescheduled
        self.skipped = skipped
    }

    /// Parses the one line of `--json`, expecting exactly the six keys in order and nothing else on stdout.
    init(line: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(
            line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1, "\(line)",
            sourceLocation: sourceLocation)
        let object = try DispatchWorkspace.object(line)
        #expect(Set(object.keys) == Set(Self.keys), "\(line)", sourceLocation: sourceLocation)
        let order = Self.keys.compactMap { key in line.range(of: "\"\(key)\":").map { (key, $0.lowerBound) } }
        #expect(order.map(\.0) == Self.keys, sourceLocation: sourceLocation)
        #expect(
            order.map(\.1) == order.map(\.1).sorted(), "keys out of order: \(line)",
            sourceLocation: sourceLocation)
        let value = { (key: String) in object[key] as? Int ?? -1 }
        self.init(
            sent: value("sent"), retry: value("retry"), failed: value("failed"), unknown: value("unknown"),
            rescheduled: value("rescheduled"), skipped: value("skipped"))
    }

    var description: String {
        "sent \(sent) retry \(retry) failed \(failed) unknown \(unknown) rescheduled \(rescheduled) skipped \(skipped)"
    }
}

/// What a finished careline run printed and how it ended.
protocol CarelineRun {
    var status: Int32 { get }
    var stdout: String { get }
    var stderr: String { get }
}

extension CarelineProcess.Result: CarelineRun {}

/// A run of ``RunningCareline`` that ended.
struct FinishedRun: CarelineRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A `careline` process started without waiting, its output going to files; for killing it mid-run or running
/// two at once.
final class RunningCareline {
    let process = Process()
    private let output: TemporaryDirectory

    init(_ arguments: [String], in folder: TemporaryDirectory, environment: [String: String]) throws {
        output = try TemporaryDirectory()
        FileManager.default.createFile(atPath: output.path("stdout"), contents: nil)
        FileManager.default.createFile(atPath: output.path("stderr"), contents: nil)
        process.executableURL = CarelineProcess.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder.url
        process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"].merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: output.path("stdout"))
        process.standardError = FileHandle(forWritingAtPath: output.path("stderr"))
        try process.run()
    }

    /// Kills the process with SIGKILL and waits for it to end.
    func kill() {
        #if canImport(Glibc)
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
        #else
            _ = Darwin.kill(process.processIdentifier, SIGKILL)
        #endif
        process.waitUntilExit()
    }

    /// Waits for the process to end (at most `timeout`, then kills it) and returns what it did.
    func wait(timeout: Double = 20) -> FinishedRun {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill() }
        process.waitUntilExit()
        return FinishedRun(
            status: process.terminationStatus, stdout: text("stdout"), stderr: text("stderr"))
    }

    private func text(_ name: String) -> String {
        String(decoding: FileManager.default.contents(atPath: output.path(name)) ?? Data(), as: UTF8.self)
    }

    deinit {
        if process.isRunning { kill() }
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass; returns whether it held.
func eventually(timeout: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

/// How a test's loopback webhook receiver answers; changeable while a dispatcher runs.
final class WebhookReplies: @unchecked Sendable {
    private let lock = NSLock()
    private var answer: @Sendable (LoopbackServer.RecordedRequest) -> LoopbackServer.Reply

    init(_ answer: @escaping @Sendable (LoopbackServer.RecordedRequest) -> LoopbackServer.Reply) {
        self.answer = answer
    }

    /// Answers every request with `status` after `delay`.
    convenience init(status: Int = 200, delay: Duration = .zero) {
        self.init { _ in .text("ok", status: status, delay: delay) }
    }

    /// Replaces the answer for the requests still to come.
    func set(_ answer: @escaping @Sendable (LoopbackServer.RecordedRequest) -> LoopbackServer.Reply) {
        lock.lock()
        defer { lock.unlock() }
        self.answer = answer
    }

    /// The reply to one request.
    func reply(to request: LoopbackServer.RecordedRequest) -> LoopbackServer.Reply {
        lock.lock()
        let answer = self.answer
        lock.unlock()
        return answer(request)
    }

    /// A server answering with these replies.
    func server() throws -> LoopbackServer {
        try LoopbackServer { [self] request in reply(to: request) }
    }

    /// The `patient_id` in a webhook request's JSON body.
    static func patientID(_ request: LoopbackServer.RecordedRequest) -> String? {
        ((try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any])?["patient_id"]
            as? String
    }
}

/// The Standard Webhooks signature `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`, computed by python3's
/// `hmac` (carelineTests does not link swift-crypto); `nil` when python3 is missing.
func standardWebhookSignature(secret: String, id: String, timestamp: String, body: [UInt8]) throws -> String?
{
    guard TwilioFake.isAvailable else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", "-c",
        "import base64,hmac,hashlib,sys; k=base64.b64decode(sys.argv[1][6:]); "
            + "print('v1,'+base64.b64encode(hmac.new(k, sys.stdin.buffer.read(), hashlib.sha256).digest()).decode())",
        secret,
    ]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(Array("\(id).\(timestamp).".utf8) + body))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
