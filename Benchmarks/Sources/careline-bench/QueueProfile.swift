import ArgumentParser
import CarelineCore
import CarelineSQLite
import Foundation

/// One queue run in-process, for profilers: `valgrind --tool=callgrind careline-bench queue-profile ...`.
///
/// It does what `careline queue --now NOW --skip-invalid` does (configuration, schedules, templates, the SQLite
/// store, one ``CampaignQueue`` run) without the command-line front end, so a profile shows only the queue's own
/// work. Prints the report as JSON.
struct QueueProfile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-profile", abstract: "Run one queue in-process (for callgrind).")

    @Option(help: "careline.toml") var config: String
    @Option(help: "The send instant planning starts from (ISO 8601).") var now: String
    @Argument(help: "Campaign files.") var schedules: [String]

    func run() throws {
        let configuration = try Configuration.load(explicit: config, environment: [:])
        guard let instant = ISO8601DateFormatter().date(from: now) else {
            throw ValidationError("--now is not an ISO 8601 instant")
        }
        let campaigns = try schedules.map { try CampaignFile.load(path: $0) }
        let library = try TemplateLibrary(directory: configuration.templatesPath)
        let store = try SQLiteStore(path: configuration.storePath)
        let report = try CampaignQueue(
            campaigns: campaigns, library: library, configuration: configuration, now: instant, actor: "bench"
        ).run(store: store, dryRun: false, skipInvalid: true)
        print(report.json)
    }
}
