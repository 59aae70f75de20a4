import CarelineTesting
import Foundation
import Testing

/// A clinic folder for the review-and-approval end-to-end tests: a ``DispatchWorkspace`` whose campaign has the
/// kind (and `require_approval`) a test needs, a priced file sender, a second file sender `backup`, and an
/// optional `[policy]` table. Every command runs at `--log-level debug` and its stderr is checked for full phone
/// numbers and bodies, including the ones a test wrote into the database itself.
final class ReviewWorkspace {
    /// The `[senders.*]` tables: `file` (priced at CNY 0.05 a segment, to `sent.jsonl`) and `backup` (no price,
    /// to `backup.jsonl`).
    static let senders = """
        [senders.file]
        kind = "file"
        path = "sent.jsonl"
        price_per_segment = 0.05
        currency = "CNY"

        [senders.backup]
        kind = "file"
        path = "backup.jsonl"

        """

    /// What `careline dispatch --json` prints when it sends nothing.
    static let nothingSent =
        #"{"sent":0,"retry":0,"failed":0,"unknown":0,"rescheduled":0,"skipped":0}"# + "\n"

    let base: DispatchWorkspace
    /// Texts besides the patients' numbers and bodies that must never reach stderr or the audit trail: the
    /// numbers and bodies a test wrote into the database.
    var secrets: [String] = []

    var folder: TemporaryDirectory { base.folder }
    var patients: [DispatchPatient] { base.patients }

    /// Writes the folder and, unless `queue` is false, imports the patients and queues the campaign.
    ///
    /// - Parameters:
    ///   - patients: The patients (those with `optOut` are left out by the queue run).
    ///   - kind: The campaign's `kind` (`care` needs approval by default).
    ///   - requireApproval: The schedule file's own `require_approval`, if any.
    ///   - policy: Lines of a `[policy]` table in careline.toml, if any.
    ///   - queuedBy: `--by` for the queue run (`nil`: none, so `$USER`, which is `coordinator`).
    ///   - queue: Whether to import and queue right away.
    init(
        patients: [DispatchPatient], kind: String = "care", requireApproval: Bool? = nil,
        policy: [String] = [], queuedBy: String? = "coordinator", queue: Bool = true
    ) throws {
        let policyTable = policy.isEmpty ? "" : "\n[policy]\n" + policy.joined(separator: "\n") + "\n"
        base = try DispatchWorkspace(
            patients: patients, senders: Self.senders + policyTable, campaignSenders: ["file"], queue: false)
        let own = requireApproval.map { "require_approval = \($0)\n" } ?? ""
        try folder.write(
            "Schedules/note.toml",
            """
            template = "note"
            senders = ["file"]
            kind = "\(kind)"
            \(own)[trigger]
            at = 2026-12-01
            [window]
            hours = ["09:00-21:00"]
            timezone = "patient"
            [limits]
            expire_after = "2d"
            """)
        if queue { try importAndQueue(by: queuedBy) }
    }

    /// Imports `patients.csv` and queues `Schedules/note.toml` at ``DispatchWorkspace/queuedAt``, expecting
    /// batch 1 with every patient who has not opted out.
    func importAndQueue(by: String?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try succeed(["patients", "import", "patients.csv"], sourceLocation: sourceLocation)
        let queued = try succeed(
            ["queue", "Schedules/note.toml", "--now", DispatchWorkspace.queuedAt, "--json"]
                + (by.map { ["--by", $0] } ?? []), sourceLocation: sourceLocation)
        let expected = patients.filter { !$0.optOut }.count
        #expect(
            queued.stdout.hasPrefix("{\"batch\":1,\"queued\":\(expected),"), "\(queued.stdout)",
            sourceLocation: sourceLocation)
    }

    // MARK: - Running careline

    /// Runs careline with `--log-level debug` and checks that its stderr holds no personal data.
    @discardableResult
    func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> CarelineProcess.Result
    {
        let result = try base.careline(arguments + ["--log-level", "debug"])
        expectNoPersonalData(result.stderr, sourceLocation: sourceLocation)
        return result
    }

    /// ``run(_:sourceLocation:)``, expecting exit status 0.
    @discardableResult
    func succeed(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> CarelineProcess.Result
    {
        let result = try run(arguments, sourceLocation: sourceLocation)
        #expect(
            result.status == 0, "careline \(arguments.joined(separator: " ")): \(result.stderr)",
            sourceLocation: sourceLocation)
        return result
    }

    /// `careline dispatch --now NOW` (with `--json` unless `json` is false).
    @discardableResult
    func dispatch(
        now: String = DispatchWorkspace.dispatchAt, json: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CarelineProcess.Result {
        try succeed(["dispatch", "--now", now] + (json ? ["--json"] : []), sourceLocation: sourceLocation)
    }

    /// The counts of a `--json` dispatch run.
    func dispatchCounts(
        now: String = DispatchWorkspace.dispatchAt, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> DispatchCounts {
        try base.summary(
            try dispatch(now: now, sourceLocation: sourceLocation), sourceLocation: sourceLocation)
    }

    /// Expects that `text` holds no patient's full or national number, no body and none of ``secrets``.
    func expectNoPersonalData(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        base.expectNoPersonalData(text, sourceLocation: sourceLocation)
        for secret in secrets {
            #expect(!text.contains(secret), "\(secret) was printed", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Reading the outcome

    /// `careline status --json`, parsed, and its raw line.
    func status(sourceLocation: SourceLocation = #_sourceLocation) throws -> (
        object: [String: Any], raw: String
    ) {
        let result = try succeed(["status", "--json"], sourceLocation: sourceLocation)
        return (try DispatchWorkspace.object(result.stdout), result.stdout)
    }

    /// One batch of `careline status --json`.
    func batch(_ id: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let batches = try #require(
            try status(sourceLocation: sourceLocation).object["batches"] as? [[String: Any]],
            sourceLocation: sourceLocation)
        return try #require(batches.first { $0["id"] as? Int == id }, sourceLocation: sourceLocation)
    }

    /// The message counts per state of the `note` campaign.
    func states(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Int] {
        let campaigns = try #require(
            try status(sourceLocation: sourceLocation).object["campaigns"] as? [[String: Any]],
            sourceLocation: sourceLocation)
        return try #require(
            campaigns.first { $0["campaign"] as? String == "note" }?["states"] as? [String: Int],
            sourceLocation: sourceLocation)
    }

    /// `careline review BATCH --format json` (with `extra` arguments), parsed.
    func review(_ batch: Int = 1, _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation)
        throws -> [String: Any]
    {
        let result = try succeed(
            ["review", String(batch), "--format", "json"] + extra, sourceLocation: sourceLocation)
        return try DispatchWorkspace.object(result.stdout)
    }

    /// The id of a patient's message (`careline preview --format json`).
    func messageID(of patientID: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try succeed(["preview", "--format", "json"], sourceLocation: sourceLocation)
        let messages = try result.stdout.split(separator: "\n").map {
            try DispatchWorkspace.object(String($0))
        }
        return try #require(
            messages.first { $0["patient_id"] as? String == patientID }?["id"] as? String,
            sourceLocation: sourceLocation)
    }

    /// `careline audit --json` (with `extra` arguments), one object per line, and the raw output.
    func audit(_ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> (entries: [[String: Any]], raw: String)
    {
        let result = try succeed(["audit", "--json"] + extra, sourceLocation: sourceLocation)
        let entries = try result.stdout.split(separator: "\n").map {
            try DispatchWorkspace.object(String($0))
        }
        return (entries, result.stdout)
    }

    /// The actions of `careline audit --batch BATCH --json`, in order.
    func auditActions(batch: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        try audit(["--batch", String(batch)], sourceLocation: sourceLocation).entries.map {
            $0["action"] as? String ?? "?"
        }
    }

    /// The lines a file sender appended to `file` (`sent.jsonl`, `backup.jsonl`), parsed.
    func lines(of file: String) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: folder.path(file)) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try DispatchWorkspace.object(String($0))
        }
    }

    /// The patient ids of the lines of `file`, sorted.
    func sentPatients(in file: String = "sent.jsonl") throws -> [String] {
        try lines(of: file).compactMap { $0["patient_id"] as? String }.sorted()
    }

    // MARK: - Editing the database behind careline's back

    /// Runs one SQL statement against `careline.sqlite` with the `sqlite3` command-line shell, or python3's
    /// `sqlite3` module when the shell is not installed (as someone repairing the database by hand would).
    func sql(_ statement: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        if Self.sqliteShell {
            process.arguments = ["sqlite3", "-bail", "careline.sqlite", statement]
        } else {
            process.arguments = [
                "python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit(); "
                    + "c.close()",
                "careline.sqlite", statement,
            ]
        }
        process.currentDirectoryURL = folder.url
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(
            process.terminationStatus == 0, "\(statement): \(String(decoding: message, as: UTF8.self))",
            sourceLocation: sourceLocation)
    }

    /// Whether the `sqlite3` shell is on PATH.
    static let sqliteShell: Bool = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(
            String.init)
        return (folders + ["/usr/bin"]).contains {
            FileManager.default.isExecutableFile(
                atPath: URL(fileURLWithPath: $0).appendingPathComponent("sqlite3").path)
        }
    }()

    /// `text` as a single-quoted SQL literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
