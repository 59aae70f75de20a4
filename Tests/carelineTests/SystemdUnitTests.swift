import CarelineTesting
import Foundation
import Testing

/// The systemd units in `deploy/systemd` with which a clinic runs `careline dispatch` every 5 minutes.
///
/// The settings tests read the unit files and run everywhere. The `systemd-analyze verify` tests need the
/// Debian package `systemd` (`.ci/run` installs it) and are skipped with a message without it. verify reports
/// an unknown key or a bad value as a warning and still exits 0, so a clean check is: exit status 0 **and** no
/// output line about our units.
@Suite("systemd units (deploy/systemd)")
struct SystemdUnitTests {
    static let serviceName = "careline-dispatch.service"
    static let timerName = "careline-dispatch.timer"
    static let installedBinary = "/usr/local/bin/careline"
    static let analyzeMissing: Comment =
        "systemd-analyze is not installed (Debian package systemd): the units are not verified"

    let service: UnitFile
    let timer: UnitFile

    init() throws {
        let folder = try #require(
            Corpus.packageRoot()?.appendingPathComponent("deploy/systemd"), "Package.swift not found")
        service = try UnitFile(url: folder.appendingPathComponent(Self.serviceName))
        timer = try UnitFile(url: folder.appendingPathComponent(Self.timerName))
    }

    // MARK: - The settings the issue requires

    @Test func serviceIsAOneshotRunOfDispatchAsTheCarelineUser() {
        #expect(service.values("Service", "Type") == ["oneshot"])
        #expect(
            service.values("Service", "ExecStart") == ["\(Self.installedBinary) dispatch --max-duration 4m"])
        #expect(service.values("Service", "User") == ["careline"])
        #expect(service.values("Service", "Group") == ["careline"])
        #expect(service.values("Service", "Environment") == ["CARELINE_CONFIG=/etc/careline/careline.toml"])
        // A lock clash (75) is retried by the next tick, not a failure.
        #expect(service.values("Service", "SuccessExitStatus") == ["75"])
        // The safety net must outlast --max-duration 4m, or systemd would kill a run that is ending on its own.
        #expect(service.values("Service", "TimeoutStartSec") == ["10min"])
    }

    @Test func serviceIsHardenedAndWritesOnlyItsStateFolder() {
        #expect(service.values("Service", "NoNewPrivileges") == ["yes"])
        #expect(service.values("Service", "ProtectSystem") == ["strict"])
        #expect(service.values("Service", "PrivateTmp") == ["yes"])
        #expect(service.values("Service", "ProtectHome") == ["yes"])
        #expect(service.values("Service", "PrivateDevices") == ["yes"])
        #expect(service.values("Service", "StateDirectory") == ["careline"])
        #expect(service.values("Service", "ReadWritePaths") == ["/var/lib/careline"])
        #expect(service.values("Service", "UMask") == ["0077"])
        #expect(service.values("Service", "RestrictAddressFamilies") == ["AF_INET AF_INET6 AF_UNIX"])
        #expect(service.values("Service", "SystemCallArchitectures") == ["native"])
        #expect(service.values("Service", "LockPersonality") == ["yes"])
    }

    @Test func secretsComeFromARootOnlyEnvironmentFile() {
        // "-": a missing file is careline's error to report (exit 78 naming the key), not systemd's.
        #expect(service.values("Service", "EnvironmentFile") == ["-/etc/careline/secrets.env"])
    }

    @Test func timerStartsTheServiceEveryFiveMinutesAndCatchesUp() {
        #expect(timer.values("Timer", "OnCalendar") == ["*:0/5"])
        #expect(timer.values("Timer", "Persistent") == ["true"])
        #expect(timer.values("Timer", "RandomizedDelaySec") == ["30s"])
        #expect(timer.values("Timer", "AccuracySec") == ["1s"])
        #expect(timer.values("Timer", "Unit") == [Self.serviceName])
        #expect(timer.values("Install", "WantedBy") == ["timers.target"])
    }

    // MARK: - systemd-analyze

    @Test(.enabled(if: SystemdAnalyze.executable != nil, analyzeMissing))
    func verifyAcceptsBothUnits() throws {
        let folder = try TemporaryDirectory()
        try installCopies(in: folder)
        let result = try SystemdAnalyze.run(["verify", Self.serviceName, Self.timerName], in: folder.url)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.linesAbout([Self.serviceName, Self.timerName]) == [])
        // Lines about the host (another unit installed on this machine) are not ours to fix; show them.
        if !result.output.isEmpty { print("systemd-analyze verify (about the host):\n\(result.output)") }
    }

    @Test(.enabled(if: SystemdAnalyze.executable != nil, analyzeMissing))
    func calendarSpecificationMeansEveryFiveMinutes() throws {
        let result = try SystemdAnalyze.run(["calendar", "*:0/5"], in: nil)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("Normalized form: *-*-* *:00/5:00"), "\(result.output)")
    }

    /// A copy broken on purpose must be reported, or a clean verify would prove nothing.
    @Test(
        .enabled(if: SystemdAnalyze.executable != nil, analyzeMissing),
        arguments: [
            Breakage(
                unit: serviceName, original: "Type=oneshot", broken: "Typ=oneshot", status: 0,
                message: "Unknown key 'Typ' in section [Service], ignoring."),
            Breakage(
                unit: serviceName, original: "ProtectSystem=strict", broken: "ProtectSystem=strikt",
                status: 0,
                message: "Failed to parse protect system value, ignoring: strikt"),
            Breakage(
                unit: timerName, original: "OnCalendar=*:0/5", broken: "OnCalendar=*:0/5x", status: 1,
                message: "Failed to parse calendar specification, ignoring: *:0/5x"),
        ])
    func verifyReportsABrokenCopy(_ breakage: Breakage) throws {
        let folder = try TemporaryDirectory()
        try installCopies(in: folder)
        let file = folder.url.appendingPathComponent(breakage.unit)
        let text = try String(contentsOf: file, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let index = try #require(
            lines.firstIndex(of: breakage.original), "\(breakage.original) not in the unit")
        try Data(text.replacingOccurrences(of: breakage.original, with: breakage.broken).utf8).write(to: file)

        let result = try SystemdAnalyze.run(["verify", Self.serviceName, Self.timerName], in: folder.url)
        #expect(result.status == breakage.status, "\(result.output)")
        // verify names the file by its absolute path: /…/careline-dispatch.service:LINE: message.
        let finding = "/\(breakage.unit):\(index + 1): \(breakage.message)"
        #expect(result.linesAbout([breakage.unit]).contains { $0.hasSuffix(finding) }, "\(result.output)")
    }

    @Test(.enabled(if: SystemdAnalyze.executable != nil, analyzeMissing))
    func verifyReportsAMissingBinary() throws {
        let folder = try TemporaryDirectory()
        try installCopies(in: folder, binary: folder.path("careline"))
        let result = try SystemdAnalyze.run(["verify", Self.serviceName, Self.timerName], in: folder.url)
        #expect(result.status == 1)
        #expect(
            result.linesAbout([Self.serviceName]) == [
                "\(Self.serviceName): Command \(folder.path("careline")) is not executable: No such file or "
                    + "directory"
            ])
    }

    /// Copies both units into `folder`, with ExecStart pointing at `binary` (verify checks that it exists and is
    /// executable; /usr/local/bin/careline is not installed on a build machine).
    ///
    /// - Parameters:
    ///   - folder: Where the copies go.
    ///   - binary: The executable ExecStart names instead; default: the `careline` built with the tests.
    /// - Throws: When a unit cannot be read or written, or the built binary is missing.
    func installCopies(in folder: TemporaryDirectory, binary: String? = nil) throws {
        let executable = binary ?? CarelineProcess.binary.path
        if binary == nil {
            try #require(
                FileManager.default.isExecutableFile(atPath: executable),
                "\(executable) is missing: run swift build --build-tests first")
        }
        let serviceText = service.text.replacingOccurrences(
            of: "ExecStart=\(Self.installedBinary) ", with: "ExecStart=\(executable) ")
        #expect(serviceText != service.text, "ExecStart does not start with \(Self.installedBinary)")
        try folder.write(Self.serviceName, serviceText)
        try folder.write(Self.timerName, timer.text)
    }
}

/// One deliberate mistake in a copy of a unit, and what `systemd-analyze verify` must say about it.
struct Breakage: Sendable, CustomTestStringConvertible {
    /// The unit file's name.
    var unit: String
    /// A whole line of the unit.
    var original: String
    /// What the line becomes.
    var broken: String
    /// verify's exit status (a bad key or value is only a warning; a timer without a trigger is an error).
    var status: Int32
    /// The message after `FILE:LINE: `.
    var message: String

    var testDescription: String { "\(unit): \(broken)" }
}

/// A systemd unit file read the way systemd reads it: `[Section]` headers, `Key=value` lines, `#`/`;`
/// comments, a trailing `\` joins the next line; a key may occur several times.
struct UnitFile {
    /// The file's text.
    let text: String
    private var entries: [(section: String, key: String, value: String)] = []

    /// Reads and parses a unit file.
    ///
    /// - Parameter url: The unit file.
    /// - Throws: When the file cannot be read as UTF-8.
    init(url: URL) throws {
        text = try String(contentsOf: url, encoding: .utf8)
        var section = ""
        var pending = ""
        for rawLine in text.components(separatedBy: "\n") {
            let line = pending + rawLine.trimmingCharacters(in: .whitespaces)
            pending = ""
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasSuffix("\\") {
                pending = String(line.dropLast()) + " "
                continue
            }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
            } else if let equals = line.firstIndex(of: "=") {
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                entries.append((section, key, value))
            }
        }
    }

    /// Every value of `key` in `section`, in file order.
    ///
    /// - Parameters:
    ///   - section: The section name without brackets (`Service`).
    ///   - key: The key (`Type`).
    /// - Returns: The values, empty when the key is absent.
    func values(_ section: String, _ key: String) -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }
}

/// Runs `systemd-analyze`, when it is installed.
enum SystemdAnalyze {
    /// What one run printed (stdout and stderr together, in order) and its exit status.
    struct Result {
        var status: Int32
        var output: String

        /// The output lines that mention one of `units` (by file name), i.e. the findings about them.
        ///
        /// - Parameter units: Unit file names.
        /// - Returns: Those lines, in order.
        func linesAbout(_ units: [String]) -> [String] {
            output.split(separator: "\n").map(String.init).filter { line in
                units.contains { line.contains($0) }
            }
        }
    }

    /// `systemd-analyze` from `PATH`, else `/usr/bin/systemd-analyze`, or `nil` when neither exists.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates =
            path.split(separator: ":").map { "\($0)/systemd-analyze" } + ["/usr/bin/systemd-analyze"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `systemd-analyze arguments…` in `directory` with a plain environment (no colours, no pager).
    ///
    /// - Parameters:
    ///   - arguments: The arguments.
    ///   - directory: The working directory, or `nil` for the current one.
    /// - Returns: The exit status and output.
    /// - Throws: When systemd-analyze is missing or cannot be started.
    static func run(_ arguments: [String], in directory: URL?) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = [
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": "cat",
            "SYSTEMD_LOG_COLOR": "0",
        ]
        // One pipe for both streams keeps the lines in the order systemd-analyze wrote them.
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
