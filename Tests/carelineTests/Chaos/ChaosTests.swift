import CarelineTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Fault injection, end to end: the built binary against a webhook sink and a Twilio fake that fail on a seeded
/// schedule (500, 429 with Retry-After, answers cut off mid-body, dropped connections), killed with SIGKILL at
/// seeded moments, crowded by other dispatchers, locked out by another process and starved of disk. After every
/// run `Tests/Fakes/chaos_check.py` checks the invariants: one valid state per message, no message under two
/// webhook-ids, no (To, Body) twice at the Twilio fake, every delivery inside its window and before expiry,
/// nothing `sent` that the peer never got. `scripts/chaos` runs the same with 50 kills and more.
@Suite("careline dispatch under faults (end to end)", .serialized)
struct ChaosTests {
    static let missing: Comment = "python3 or Tests/Fakes/chaos_*.py is missing: the chaos peers cannot run"

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN): the disk-full test needs one.
    static let canMountTmpfs: Bool = {
        guard ChaosPeer.isAvailable, geteuid() == 0, let probe = try? TemporaryDirectory() else {
            return false
        }
        guard runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.url.path]) == 0 else {
            return false
        }
        return runTool("/bin/umount", [probe.url.path]) == 0
    }()

    // MARK: - SIGKILL at seeded moments

    @Test(.enabled(if: ChaosPeer.isAvailable, missing))
    func aWebhookDispatchKilledAtSeededMomentsKeepsEveryInvariant() throws {
        let patients = DispatchPatient.numbered(40)
        let logs = try TemporaryDirectory()
        let faulty = try ChaosPeer(
            .sink, faults: "mix:ok=80,500=6,429:1=4,close=5,drop=5", seed: 11, delayMilliseconds: 40,
            folder: logs)
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.webhookSender(url: faulty.baseURL + "/hook", concurrency: 2),
            campaignSenders: ["hook"])
        let runs = ChaosRuns(folder: logs)
        runs.create()
        var random = SeededGenerator(seed: 2026)
        var now = DispatchWorkspace.dispatchAt
        var kills = 0
        for round in 1...3 {
            // Killed after a seeded number of requests reached the sink, plus a seeded fraction of a request.
            let target = faulty.lineCount() + Int.random(in: 1...12, using: &random)
            let start = Date()
            let run = try workspace.startDispatch(now: now)
            _ = eventually(timeout: 15) { faulty.lineCount() >= target || !run.process.isRunning }
            usleep(UInt32.random(in: 0...40_000, using: &random))
            if run.process.isRunning { kills += 1 }
            run.kill()
            try runs.record(now: now, start: start, end: Date())
            workspace.expectNoPersonalData(run.wait().stderr)
            try ChaosReport.check(workspace, sink: faulty, runs: runs, settled: false)
                .expectClean("after kill \(round)")
            now = chaosInstant(now, plus: 30)
        }
        #expect(kills == 3, "a dispatcher ended before its kill")

        // Recovery against a receiver that answers 200 (same log): every message goes out, some twice under
        // its own id (the ones in flight at a kill), none under another id.
        let healthy = try ChaosPeer(.sink, faults: "ok", seed: 0, delayMilliseconds: 0, folder: logs)
        try workspace.writeConfiguration(
            senders: DispatchWorkspace.webhookSender(url: healthy.baseURL + "/hook", concurrency: 2))
        try drain(workspace, runs: runs, now: &now) {
            try ChaosReport.check(workspace, sink: healthy, runs: runs, settled: true)
        }
        let report = try ChaosReport.check(workspace, sink: healthy, runs: runs, settled: true)
        report.expectClean("after recovery")
        #expect(report.states == ["sent": 40])
        #expect(report.checkedAgainstWindows == report.sinkDelivered)
        // Both sinks append to one log.
        let acted = Set(
            try faulty.entries().filter { $0["processed"] as? Bool == true }.compactMap {
                $0["id"] as? String
            })
        #expect(acted == Set(try workspace.preview().compactMap { $0["id"] as? String }))
    }

    @Test(.enabled(if: ChaosPeer.isAvailable, missing))
    func aTwilioDispatchKilledAtSeededMomentsNeverSendsOneMessageTwice() throws {
        let patients = (1...12).map { index in
            DispatchPatient(
                id: "P\(index)", name: "Tess \(index)",
                phone: "+1202555\(String(format: "%04d", 200 + index))")
        }
        let logs = try TemporaryDirectory()
        let faulty = try ChaosPeer(
            .twilio, faults: "mix:ok=70,500=10,429:1=10,close=10", seed: 5, delayMilliseconds: 150,
            folder: logs)
        let workspace = try DispatchWorkspace(
            patients: patients, senders: Self.twilioSender(baseURL: faulty.baseURL), campaignSenders: ["sms"])
        let runs = ChaosRuns(folder: logs)
        runs.create()
        var random = SeededGenerator(seed: 7)
        var now = DispatchWorkspace.dispatchAt
        var kills = 0
        for round in 1...2 {
            let target = faulty.lineCount() + Int.random(in: 1...4, using: &random)
            let start = Date()
            let run = try workspace.startDispatch(now: now)
            _ = eventually(timeout: 15) { faulty.lineCount() >= target || !run.process.isRunning }
            usleep(UInt32.random(in: 0...100_000, using: &random))
            if run.process.isRunning { kills += 1 }
            run.kill()
            try runs.record(now: now, start: start, end: Date())
            workspace.expectNoPersonalData(run.wait().stderr)
            try ChaosReport.check(workspace, twilio: faulty, runs: runs, settled: false)
                .expectClean("after kill \(round)")
            now = chaosInstant(now, plus: 30)
        }
        #expect(kills == 2, "a dispatcher ended before its kill")

        let healthy = try ChaosPeer(.twilio, faults: "ok", seed: 0, delayMilliseconds: 0, folder: logs)
        try workspace.writeConfiguration(senders: Self.twilioSender(baseURL: healthy.baseURL))
        try drain(workspace, runs: runs, now: &now) {
            try ChaosReport.check(workspace, twilio: healthy, runs: runs, settled: true)
        }
        let report = try ChaosReport.check(workspace, twilio: healthy, runs: runs, settled: true)
        report.expectClean("after recovery")
        // What was in flight at a kill (or cut off mid-answer) is `unknown`, never resent; the rest is sent.
        #expect(Set(report.states.keys).isSubset(of: ["sent", "unknown"]), "\(report.states)")
        #expect(report.states.values.reduce(0, +) == 12)
        #expect((report.states["unknown"] ?? 0) >= 1, "\(report.states)")
        // Both fakes append to one log.
        let pairs = try faulty.entries().map { "\($0["to"] ?? "") \($0["body"] ?? "")" }
        #expect(pairs.count == Set(pairs).count)
        #expect(report.twilioAccepted >= report.states["sent"] ?? 0)
    }

    /// A Twilio answer careline received before it was killed is recorded: through a sender whose resend is not
    /// safe, each outcome is committed as its answer arrives, not with the rest of its round. (Found by
    /// scripts/chaos: outcomes used to be written after a round's last response, so a kill mid-round turned
    /// texts the provider had accepted, sid in hand, into `unknown` for a person to reconcile.)
    @Test(.enabled(if: ChaosPeer.isAvailable, missing))
    func aTwilioAnswerReceivedBeforeAKillIsRecordedAsSent() throws {
        let patients = (1...4).map { index in
            DispatchPatient(
                id: "P\(index)", name: "Una \(index)", phone: "+1203555\(String(format: "%04d", 300 + index))"
            )
        }
        let logs = try TemporaryDirectory()
        let fake = try ChaosPeer(.twilio, faults: "ok", seed: 0, delayMilliseconds: 400, folder: logs)
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.twilioSender(baseURL: fake.baseURL, timeout: "5s")
                + "concurrency = 1\n",
            campaignSenders: ["sms"])
        let run = try workspace.startDispatch()
        // One request at a time: when the third arrives, the first two have had their 201.
        #expect(eventually(timeout: 15) { fake.lineCount() >= 3 })
        run.kill()
        _ = run.wait()
        let answered = try fake.entries().prefix(2).compactMap { $0["to"] as? String }
        let recovery = try workspace.dispatch()
        #expect(recovery.status == 0, "\(recovery.stderr)")
        for phone in answered {
            let patient = try #require(patients.first { $0.phone == phone })
            #expect(try workspace.message(of: patient.id)["state"] as? String == "sent", "\(patient.id)")
        }
    }

    // MARK: - Crowds, locks, a full disk

    @Test(.enabled(if: ChaosPeer.isAvailable, missing))
    func threeDispatchersStartedTogetherLeaveTheWorkToOne() throws {
        let patients = DispatchPatient.numbered(30)
        let logs = try TemporaryDirectory()
        let sink = try ChaosPeer(.sink, faults: "ok", seed: 0, delayMilliseconds: 100, folder: logs)
        let workspace = try DispatchWorkspace(
            patients: patients,
            senders: DispatchWorkspace.webhookSender(url: sink.baseURL + "/hook", concurrency: 2),
            campaignSenders: ["hook"])
        let runs = ChaosRuns(folder: logs)
        runs.create()

        // 30 messages, 2 at a time, 100 ms each: the winner works for ≥ 1.5 s, far longer than a start-up.
        let start = Date()
        let started = try (1...3).map { _ in try workspace.startDispatch() }
        let results = started.map { $0.wait() }
        try runs.record(now: DispatchWorkspace.dispatchAt, start: start, end: Date())
        #expect(results.map(\.status).sorted() == [0, 75, 75], "\(results.map(\.stderr))")
        let winner = try #require(results.first { $0.status == 0 })
        #expect(try workspace.summary(winner) == DispatchCounts(sent: 30))
        for loser in results where loser.status == 75 {
            #expect(loser.stdout == "")
            #expect(loser.stderr.contains("another careline dispatch is running on this database"))
        }
        let report = try ChaosReport.check(workspace, sink: sink, runs: runs, settled: true)
        report.expectClean("three dispatchers")
        #expect(report.states == ["sent": 30])
        #expect(report.sinkDelivered == 30)
        #expect(report.redeliveredSameID == 0)
    }

    @Test(.enabled(if: ChaosPeer.isAvailable, missing))
    func aDatabaseHeldByAnotherProcessMakesDispatchExit75AndChangeNothing() throws {
        let logs = try TemporaryDirectory()
        let sink = try ChaosPeer(.sink, faults: "ok", seed: 0, delayMilliseconds: 0, folder: logs)
        let workspace = try DispatchWorkspace(
            patients: DispatchPatient.numbered(5),
            senders: DispatchWorkspace.webhookSender(url: sink.baseURL + "/hook"), campaignSenders: ["hook"])
        let runs = ChaosRuns(folder: logs)
        runs.create()

        let holder = try LockHolder(database: workspace.folder.path("careline.sqlite"), seconds: 8)
        let before = workspace.databaseBytes()
        let start = Date()
        let locked = try workspace.dispatch()
        try runs.record(now: DispatchWorkspace.dispatchAt, start: start, end: Date())
        #expect(locked.status == 75, "\(locked.stderr)")
        #expect(locked.stdout == "")
        #expect(locked.stderr.contains("the database is locked"), "\(locked.stderr)")
        #expect(workspace.databaseBytes() == before, "a dispatch that could not lock the database changed it")
        #expect(try sink.entries().isEmpty)
        holder.wait()

        let start2 = Date()
        let after = try workspace.dispatch()
        try runs.record(now: DispatchWorkspace.dispatchAt, start: start2, end: Date())
        #expect(try workspace.summary(after) == DispatchCounts(sent: 5))
        let report = try ChaosReport.check(workspace, sink: sink, runs: runs, settled: true)
        report.expectClean("after the lock")
        #expect(report.states == ["sent": 5])
    }

    /// Needs root that may mount a tmpfs (as in CI); elsewhere it is skipped (scripts/chaos then falls back to
    /// `ulimit -f`). SQLITE_FULL is not simulated inside the binary: the store maps it to exit 75
    /// (`StoreError.Code.full`), which the store's own tests cover.
    @Test(.enabled(if: ChaosTests.canMountTmpfs, "needs root allowed to mount a tmpfs"))
    func aFullDiskMakesDispatchExit75AndTheNextRunFinishesTheWork() throws {
        let logs = try TemporaryDirectory()
        let sink = try ChaosPeer(.sink, faults: "ok", seed: 0, delayMilliseconds: 0, folder: logs)
        let workspace = try DispatchWorkspace(
            patients: DispatchPatient.numbered(20),
            senders: DispatchWorkspace.webhookSender(url: sink.baseURL + "/hook"), campaignSenders: ["hook"])
        let runs = ChaosRuns(folder: logs)
        runs.create()
        let stash = try TemporaryDirectory()
        let folder = workspace.folder.url.path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        var used = 32_768  // the -shm file SQLite creates next to a WAL database
        for name in names {
            try FileManager.default.copyItem(atPath: "\(folder)/\(name)", toPath: stash.path(name))
            used += try Self.pages(atPath: stash.path(name))
        }
        // Everything careline has, plus 8 KiB: not enough for the WAL frames of the first claim.
        #expect(runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=\(used + 8192)", "tmpfs", folder]) == 0)
        var mounted = true
        defer { if mounted { runTool("/bin/umount", [folder]) } }
        for name in names {
            try FileManager.default.copyItem(atPath: stash.path(name), toPath: "\(folder)/\(name)")
        }

        let start = Date()
        let full = try workspace.dispatch()
        try runs.record(now: DispatchWorkspace.dispatchAt, start: start, end: Date())
        #expect(full.status == 75, "\(full.stderr)")
        #expect(full.stderr.contains("the disk or the database is full"), "\(full.stderr)")
        try ChaosReport.check(workspace, sink: sink, runs: runs, settled: false).expectClean("on a full disk")

        // Back on a roomy disk: the database as the full run left it.
        let leftNames = try FileManager.default.contentsOfDirectory(atPath: folder)
        let left = try TemporaryDirectory()
        for name in leftNames {
            try FileManager.default.copyItem(atPath: "\(folder)/\(name)", toPath: left.path(name))
        }
        #expect(runTool("/bin/umount", [folder]) == 0)
        mounted = false
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            try FileManager.default.removeItem(atPath: "\(folder)/\(name)")
        }
        for name in leftNames {
            try FileManager.default.copyItem(atPath: left.path(name), toPath: "\(folder)/\(name)")
        }
        let start2 = Date()
        let after = try workspace.dispatch()
        try runs.record(now: DispatchWorkspace.dispatchAt, start: start2, end: Date())
        #expect(after.status == 0, "\(after.stderr)")
        let report = try ChaosReport.check(workspace, sink: sink, runs: runs, settled: true)
        report.expectClean("after the disk had room again")
        #expect(report.states == ["sent": 20])
    }

    // MARK: - Helpers

    /// `[senders.sms]` against a fake, two requests at a time, 1 s per request.
    static func twilioSender(baseURL: String) -> String {
        DispatchWorkspace.twilioSender(baseURL: baseURL, timeout: "1s") + "concurrency = 2\n"
    }

    /// The bytes a file takes on a tmpfs (whole 4 KiB pages).
    static func pages(atPath path: String) throws -> Int {
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        var isFolder: ObjCBool = false
        FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        if isFolder.boolValue {
            return try FileManager.default.contentsOfDirectory(atPath: path).reduce(4096) {
                $0 + (try pages(atPath: "\(path)/\($1)"))
            }
        }
        return (size + 4095) / 4096 * 4096
    }

    /// Clean dispatch runs, each at the next planned instant (at least a minute on), until nothing is pending;
    /// the invariants are checked after each.
    func drain(
        _ workspace: DispatchWorkspace, runs: ChaosRuns, now: inout String, check: () throws -> ChaosReport
    ) throws {
        for _ in 0..<12 {
            let states = try workspace.states()
            guard
                states["queued", default: 0] + states["retry", default: 0] + states["sending", default: 0] > 0
            else { return }
            now = max(chaosInstant(now, plus: 60), try workspace.nextPlanned() ?? now)
            let start = Date()
            let result = try workspace.dispatch(now: now)
            try runs.record(now: now, start: start, end: Date())
            #expect(result.status == 0, "\(result.stderr)")
            try check().expectClean("recovery run at \(now)")
        }
        Issue.record("messages were still pending after 12 recovery runs: \(try workspace.states())")
    }
}

/// Another process holding `BEGIN EXCLUSIVE` on a database for some seconds (python3's sqlite3).
final class LockHolder {
    private let process = Process()

    /// Starts the holder and returns once the lock is held.
    init(database: String, seconds: Int) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None,timeout=30)\n"
                + "c.execute('BEGIN EXCLUSIVE')\nprint('LOCKED',flush=True)\ntime.sleep(\(seconds))\n"
                + "c.execute('ROLLBACK')\n",
            database,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = output.fileHandleForReading.readFirstLine()
        try #require(text == "LOCKED\n", "the lock holder said: \(text)")
    }

    /// Waits until the holder let go.
    func wait() { process.waitUntilExit() }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
