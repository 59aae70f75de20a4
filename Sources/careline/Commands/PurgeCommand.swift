import ArgumentParser
import CarelineCore
import CarelineSQLite
import Foundation

struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Erase the bodies and phone numbers of finished messages older than a retention period.",
        discussion: """
            Finished messages (sent, failed, expired, cancelled) whose last change is older than --older-than \
            lose their body and their full phone number (the masked number stays); ids, states, dates, hashes, \
            approvals and the audit trail are kept. Pending and unknown messages are never touched. One \
            transaction, audited as "purge". [store] retention = "180d" makes every careline dispatch do this.
            """)

    @Option(help: "The retention period: purge messages last changed longer ago than this (e.g. 180d, 12h).")
    var olderThan: String

    @Flag(help: "Count what would be purged; write nothing.")
    var dryRun = false

    @Flag(
        help:
            "Print {\"purged\",\"dry_run\",\"older_than\",\"cutoff\",\"sent\",\"failed\",\"expired\",\"cancelled\"} as one JSON line."
    )
    var json = false

    @Option(help: "Purge as if it were this ISO 8601 instant, e.g. 2027-06-01T00:00:00Z (default: now).")
    var now: String?

    @OptionGroup var actorOptions: ActorOptions
    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if RetentionPeriod(olderThan) == nil {
            throw ValidationError(
                "--older-than \(olderThan) is not a retention period; write a whole number above zero and d, h, m "
                    + "or s, e.g. 180d")
        }
        if let now, Timestamp.parse(now) == nil {
            throw ValidationError("--now \(now) is not an ISO 8601 instant; write e.g. 2027-06-01T00:00:00Z")
        }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let store = try Bootstrap.existingStore(configuration)
            guard let period = RetentionPeriod(olderThan) else { throw ExitCode(Failure.usage) }
            let summary = try MessagePurge(store: store).run(
                olderThan: period, now: now.flatMap(Timestamp.parse) ?? Date(), actor: actorOptions.actor,
                dryRun: dryRun, auditWhenNone: true)
            Output.line(json ? summary.json : summary.text)
        }
    }
}
