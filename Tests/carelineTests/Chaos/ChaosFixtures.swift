import CarelineTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A loopback peer of a chaos test: `Tests/Fakes/chaos_sink.py` (a webhook receiver) or
/// `Tests/Fakes/twilio_fake.py`, answering on a fault schedule (see `Tests/Fakes/faults.py`) and logging what
/// it received to a JSON-lines file. Stopped when released.
final class ChaosPeer {
    /// Which script.
    enum Kind: String {
        case sink = "chaos_sink.py"
        case twilio = "twilio_fake.py"
    }

    /// The fakes folder, found from this package.
    static var fakes: URL? { Corpus.packageRoot()?.appendingPathComponent("Tests/Fakes") }

    /// Whether python3 and the scripts are there (the chaos tests are skipped otherwise).
    static var isAvailable: Bool {
        guard let fakes,
            FileManager.default.fileExists(atPath: fakes.appendingPathComponent("chaos_check.py").path)
        else { return false }
        return TwilioFake.isAvailable
    }

    let port: Int
    /// The peer's log.
    let log: String
    private let process = Process()
    private let input = Pipe()

    /// Starts the peer and waits for its `PORT <n>` line.
    ///
    /// - Parameters:
    ///   - kind: Sink or Twilio fake.
    ///   - faults: The fault schedule, e.g. `"mix:ok=80,500=10,close=10"`.
    ///   - seed: The seed of a `mix:` schedule.
    ///   - delayMilliseconds: A wait before every answer, so that a dispatch run lasts long enough to be killed.
    ///   - folder: Where the log goes.
    init(_ kind: Kind, faults: String, seed: Int, delayMilliseconds: Int, folder: TemporaryDirectory) throws {
        log = folder.path("\(kind == .sink ? "sink" : "twilio").jsonl")
        var arguments = [
            "python3", ChaosPeer.fakes?.appendingPathComponent(kind.rawValue).path ?? kind.rawValue, "--log",
            log,
            "--faults", faults, "--seed", String(seed), "--delay-ms", String(delayMilliseconds),
            "--exit-on-stdin-eof",
        ]
        switch kind {
        case .sink: arguments += ["--secret", DispatchWorkspace.webhookSecret]
        case .twilio:
            arguments += [
                "--account-sid", TwilioFake.accountSID, "--auth-token", TwilioFake.authToken, "--slow", "0",
            ]
        }
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = output.fileHandleForReading.readFirstLine()
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
            process.terminate()
            throw CocoaError(
                .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "peer said: \(text)"])
        }
        self.port = port
    }

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// How many lines the log has (requests logged so far).
    func lineCount() -> Int {
        guard let data = FileManager.default.contents(atPath: log) else { return 0 }
        return data.reduce(0) { $1 == 10 ? $0 + 1 : $0 }
    }

    /// The lines of the log, parsed.
    func entries() throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: log) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try DispatchWorkspace.object(String($0))
        }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The dispatch runs of a chaos test, written to `runs.jsonl` for `chaos_check.py`: each run's `--now` and the
/// wall-clock interval it ran in, so that the checker can tell which `--now` was in force when a delivery arrived.
final class ChaosRuns {
    let path: String
    private(set) var count = 0

    init(folder: TemporaryDirectory) {
        path = folder.path("runs.jsonl")
    }

    /// Appends one run.
    func record(now: String, start: Date, end: Date) throws {
        count += 1
        let line =
            "{\"run\":\(count),\"now\":\"\(now)\",\"start\":\(start.timeIntervalSince1970),"
            + "\"end\":\(end.timeIntervalSince1970)}\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
    }

    /// Creates the empty file.
    func create() {
        FileManager.default.createFile(atPath: path, contents: nil)
    }
}

/// What `Tests/Fakes/chaos_check.py --json` found.
struct ChaosReport {
    var object: [String: Any]

    var violations: [String] { object["violations"] as? [String] ?? ["(no report)"] }
    var violationCount: Int { object["violation_count"] as? Int ?? -1 }
    var duplicates: Int { object["duplicates"] as? Int ?? -1 }
    var windowViolations: Int { object["window_violations"] as? Int ?? -1 }
    var states: [String: Int] { object["states"] as? [String: Int] ?? [:] }
    var redeliveredSameID: Int { object["redelivered_same_id"] as? Int ?? -1 }
    var twilioAccepted: Int { object["twilio_accepted"] as? Int ?? -1 }
    var sinkDelivered: Int { object["sink_delivered"] as? Int ?? -1 }
    var checkedAgainstWindows: Int { object["deliveries_checked_against_windows"] as? Int ?? -1 }

    /// Runs the checker on a workspace's database and the peers' logs.
    static func check(
        _ workspace: DispatchWorkspace, sink: ChaosPeer? = nil, twilio: ChaosPeer? = nil, runs: ChaosRuns,
        settled: Bool
    ) throws -> ChaosReport {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = [
            "python3", ChaosPeer.fakes?.appendingPathComponent("chaos_check.py").path ?? "chaos_check.py",
            "--db", workspace.folder.path("careline.sqlite"), "--runs", runs.path, "--json",
        ]
        if let sink { arguments += ["--sink-log", sink.log] }
        if let twilio { arguments += ["--twilio-log", twilio.log] }
        if settled { arguments.append("--settled") }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ChaosReport(object: try DispatchWorkspace.object(String(decoding: data, as: UTF8.self)))
    }

    /// Expects every invariant to hold.
    func expectClean(_ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(violationCount == 0, "\(context): \(violations)", sourceLocation: sourceLocation)
        #expect(duplicates == 0, "\(context)", sourceLocation: sourceLocation)
        #expect(windowViolations == 0, "\(context)", sourceLocation: sourceLocation)
    }
}

/// SplitMix64: the kill moments of a test are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

extension DispatchWorkspace {
    /// The earliest `send_at` of the messages still pending (queued or retry), if any.
    func nextPlanned() throws -> String? {
        try preview().filter { ["queued", "retry"].contains($0["state"] as? String ?? "") }
            .compactMap { $0["send_at"] as? String }.min()
    }

    /// The database file and its WAL, byte for byte.
    func databaseBytes() -> [String: Data] {
        var files: [String: Data] = [:]
        for name in ["careline.sqlite", "careline.sqlite-wal"] {
            if let data = FileManager.default.contents(atPath: folder.path(name)) { files[name] = data }
        }
        return files
    }
}

/// `2026-12-01T10:00:00Z` plus `seconds`, as careline's `--now` text.
func chaosInstant(_ base: String, plus seconds: Double) -> String {
    let formatter = ISO8601DateFormatter()
    let date = (formatter.date(from: base) ?? Date(timeIntervalSince1970: 0)).addingTimeInterval(seconds)
    return formatter.string(from: date)
}

/// Runs a program and returns its exit status (for mount, umount, cp).
@discardableResult
func runTool(_ path: String, _ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}
