import ArgumentParser
import CarelineCore
import Foundation
import Logging

@main
struct CarelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careline",
        abstract: "Personal care messages for clinic patients: recheck reminders, care notes, follow-ups.",
        discussion: """
            Exit codes (sysexits): 0 ok, 64 usage, 65 bad data (template, data file, patients file), \
            66 input file not found, 69 unavailable, 70 internal error, 75 temporary failure, 78 configuration.
            """,
        subcommands: [
            RenderCommand.self, SMSCommand.self, TemplatesCommand.self, PatientsCommand.self,
            QueueCommand.self,
            PreviewCommand.self, StatusCommand.self, CancelCommand.self, OptoutCommand.self,
            DispatchCommand.self, ReconcileCommand.self, ApproveCommand.self, RejectCommand.self,
            AuditCommand.self, ReviewCommand.self, PurgeCommand.self, ConfigCommand.self, DoctorCommand.self,
        ])
}

/// Options every command that reads `careline.toml` shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file (default: $CARELINE_CONFIG, else ./careline.toml).")
    var config: String?

    @Option(
        name: .long,
        help:
            "Log to stderr from this level: trace, debug, info, warning, error (phones masked, never bodies)."
    )
    var logLevel: String = "info"

    func validate() throws {
        if Logger.Level(rawValue: logLevel.lowercased()) == nil {
            throw ValidationError(
                "--log-level \(logLevel) is not a level; use trace, debug, info, warning or error")
        }
    }

    /// The level of `--log-level`.
    var level: Logger.Level { Logger.Level(rawValue: logLevel.lowercased()) ?? .info }
}

/// `--now`: the send instant messages are rendered for (relative dates, ages). Default: now.
struct SendInstantOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Render as if sent at this ISO 8601 instant with zone, e.g. 2026-12-01T19:30:00+08:00 (default: now)."
    )
    var now: String?

    func validate() throws {
        if let now, Timestamp.parse(now) == nil {
            throw ValidationError(
                "--now \(now) is not an ISO 8601 instant; write e.g. 2026-12-01T19:30:00+08:00")
        }
    }

    /// The instant given, or the current one.
    var instant: Date { now.flatMap(Timestamp.parse) ?? Date() }
}
