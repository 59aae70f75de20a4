import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs `Tests/Fakes/twilio_fake.py` (a Twilio-shaped Messages API on 127.0.0.1) with python3 for one test
/// and stops it afterwards. The numbers' last four digits choose its answer (see the script's header).
public final class TwilioFake: @unchecked Sendable {
    /// The auth token the fake accepts.
    public static let authToken = "fake-auth-token"
    /// The account SID the fake accepts unless another is given.
    public static let accountSID = "AC0123456789abcdef0123456789abcdef"

    /// The script, found from this file's package.
    public static var script: URL? {
        Corpus.packageRoot()?.appendingPathComponent("Tests/Fakes/twilio_fake.py")
    }

    /// Whether python3 is on PATH and the script is there (the fake tests are skipped otherwise).
    public static var isAvailable: Bool {
        guard let script, FileManager.default.fileExists(atPath: script.path) else { return false }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/python3")
        }
    }

    /// The port it listens on.
    public let port: Int
    /// Holds its log of accepted messages.
    public let folder: TemporaryDirectory
    private let process = Process()
    private let input = Pipe()

    /// Starts the fake and waits for its `PORT <n>` line.
    ///
    /// - Parameters:
    ///   - slow: How long a `To` ending in 0006 makes it wait.
    ///   - accountSID: The account it serves.
    public init(slow: Double = 3, accountSID: String = TwilioFake.accountSID) throws {
        folder = try TemporaryDirectory()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Self.script?.path ?? "twilio_fake.py", "--log", folder.path("messages.jsonl"),
            "--account-sid", accountSID, "--auth-token", Self.authToken, "--slow",
            String(slow),
            "--exit-on-stdin-eof",
        ]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = output.fileHandleForReading.readFirstLine()
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
            process.terminate()
            throw CocoaError(
                .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "fake said: \(text)"])
        }
        self.port = port
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The accepted messages so far, one JSON object each.
    public func logged() throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: folder.path("messages.jsonl")) else {
            return []
        }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// Stops the fake: closes its input, sends SIGTERM, and SIGKILL if it is still there after 2 s.
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
