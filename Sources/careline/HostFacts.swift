import CarelineCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `careline doctor` asks the host: systemd about the timer, the file system about free space.
enum HostFacts {
    /// Where systemd keeps units an administrator installed.
    static let unitFolder = "/etc/systemd/system"

    /// The folder of `path` (`.` for a bare name), or its nearest ancestor that exists: where the database is or
    /// would be created, for the free-space check.
    static func folder(of path: String) -> String {
        var folder = (path as NSString).deletingLastPathComponent
        while !folder.isEmpty, folder != "/", !FileManager.default.fileExists(atPath: folder) {
            folder = (folder as NSString).deletingLastPathComponent
        }
        return folder.isEmpty ? "." : folder
    }

    /// Bytes available to this user on the file system holding `folder`, or `nil` when it cannot be read.
    static func freeBytes(in folder: String) -> Int64? {
        var stats = statvfs()
        guard statvfs(folder, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// The timer's state: from `systemctl` when systemd runs here, else from the unit files on disk.
    static func timer(unit: String) -> DoctorFacts.Timer {
        let systemctl = ["/usr/bin/systemctl", "/bin/systemctl"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        // sd_booted(): systemd runs as the init system exactly when this folder exists.
        if let systemctl, FileManager.default.fileExists(atPath: "/run/systemd/system") {
            let enabled = run(systemctl, ["is-enabled", unit]) ?? ""
            let active = run(systemctl, ["is-active", unit]) ?? ""
            return .systemd(enabled: enabled.isEmpty ? "not-found" : enabled, active: active)
        }
        let unitFile = [
            "\(unitFolder)/\(unit)", "/usr/lib/systemd/system/\(unit)", "/lib/systemd/system/\(unit)",
        ]
        .first { FileManager.default.fileExists(atPath: $0) }
        let link = "\(unitFolder)/timers.target.wants/\(unit)"
        let enabledLink = (try? FileManager.default.attributesOfItem(atPath: link)) != nil
        return .notQueried(unitFile: unitFile, enabledLink: enabledLink)
    }

    /// The first line `executable arguments` prints, or `nil` when it cannot be run.
    private static func run(_ executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
