import ArgumentParser
import CarelineCore
import Foundation

struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Plan every step of the campaigns for every patient and write the messages in one batch.",
        discussion: """
            Each message is planned inside the campaign's window in the patient's time zone, outside quiet hours \
            (or in the patient's preferred time), within the daily and weekly caps, and rendered for its send date. \
            Queuing the same schedule again queues nothing new. With any error nothing is written (exit 65) unless \
            --skip-invalid.
            """)

    @Argument(help: "Campaign files, e.g. Schedules/recheck-reminder.toml.")
    var schedules: [String]

    @Flag(help: "Plan and report, write nothing.")
    var dryRun = false

    @Flag(help: "Write the messages that could be planned and report the rest.")
    var skipInvalid = false

    @Flag(
        help: "Print {\"batch\",\"queued\",\"duplicates\",\"opted_out\",\"expired\",\"capped\",\"errors\"}.")
    var json = false

    @OptionGroup var sendInstant: SendInstantOptions
    @OptionGroup var actorOptions: ActorOptions
    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if schedules.isEmpty { throw ValidationError("name at least one schedule file") }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let campaigns = try schedules.map { path throws -> Campaign in
                guard FileManager.default.fileExists(atPath: path) else {
                    throw ConfigurationError(
                        .notFound, file: path, location: nil, key: nil, message: "schedule file not found")
                }
                return try CampaignFile.load(path: path)
            }
            let library = try TemplateLibrary(directory: configuration.templatesPath)
            let store = try Bootstrap.store(configuration)
            let report = try CampaignQueue(
                campaigns: campaigns, library: library, configuration: configuration,
                now: sendInstant.instant, recordedAt: Date(),
                actor: actorOptions.actor
            ).run(store: store, dryRun: dryRun, skipInvalid: skipInvalid)
            if json {
                Output.line(report.json)
            } else {
                for error in report.errors { Failure.printError(error.description) }
                if report.errorCount > report.errors.count {
                    Failure.printError("… and \(report.errorCount - report.errors.count) more errors")
                }
                // Steps left out for a reason a coordinator may act on; duplicates and opt-outs are only counted.
                for skip in report.skips where skip.reason == .expired || skip.reason == .capped {
                    Output.line(
                        "\(skip.reason == .expired ? "expired" : "capped"): \(skip.campaign): patient \(skip.patientID): "
                            + "step \(skip.step)")
                }
                var line =
                    report.batchID.map { "batch \($0): " } ?? (dryRun ? "dry run: " : "nothing written: ")
                line +=
                    "\(report.queued) queued, \(report.duplicates) duplicates, \(report.optedOut) opted out, "
                line += "\(report.expired) expired, \(report.capped) capped, \(report.errorCount) errors"
                Output.line(line)
            }
            if report.errorCount > 0 && !skipInvalid { throw ExitCode(Failure.dataError) }
        }
    }
}
