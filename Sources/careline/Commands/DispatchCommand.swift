import ArgumentParser
import CarelineCore
import CarelineCurl
import CarelineSQLite
import Foundation
import Logging

struct DispatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Send the messages that are due, through their senders, and record every outcome.",
        discussion: """
            Run by the systemd timer every few minutes. Each due message is checked again at send time (expiry, \
            opt-outs, its window and quiet hours in the patient's zone, caps); one outside its window is planned \
            for the next opening. Every attempt is recorded before its request leaves and its outcome right after; \
            messages a crash left in flight are resent only through a sender that de-duplicates (webhook), else \
            they become unknown (see careline reconcile). One dispatcher per database: a second one exits 75. \
            Exit 0 unless it could not run (78 configuration, 69/75 database).
            """)

    @Option(
        help: "Dispatch as if it were this ISO 8601 instant, e.g. 2026-12-01T19:30:00+08:00 (default: now).")
    var now: String?

    @Option(help: "Send at most this many messages.")
    var limit: Int?

    @Option(help: "Stop claiming messages after this long (e.g. 90s, 4m, 1h); what is in flight finishes.")
    var maxDuration: String?

    @Flag(help: "Check and count what is due; send nothing, write nothing.")
    var dryRun = false

    @Flag(
        help:
            "Print {\"sent\",\"retry\",\"failed\",\"unknown\",\"rescheduled\",\"skipped\"} as one JSON line.")
    var json = false

    @OptionGroup var actorOptions: ActorOptions
    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if let now, Timestamp.parse(now) == nil {
            throw ValidationError(
                "--now \(now) is not an ISO 8601 instant; write e.g. 2026-12-01T19:30:00+08:00")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let maxDuration, (DurationText.parse(maxDuration) ?? .zero) <= .zero {
            throw ValidationError(
                "--max-duration \(maxDuration) is not a duration; write e.g. 90s, 4m or 1h (a whole number and ms, s, m or h)"
            )
        }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let logger = Logger(label: "careline.dispatch")
            // The lock first: a second dispatcher must not even migrate or recover.
            guard FileManager.default.fileExists(atPath: configuration.storePath) else {
                throw StoreError(
                    code: .cannotOpen, path: configuration.storePath,
                    message:
                        "there is no database file here. Import patients and queue a campaign first, or check "
                        + "the [store] path in the configuration.")
            }
            // A dry run writes nothing, so it may look while the timer's dispatcher runs.
            let lock = dryRun ? nil : try DispatchLock(database: configuration.storePath)
            defer { withExtendedLifetime(lock) {} }
            // Secrets before the store: a configuration mistake (78) must not open, let alone migrate, the file.
            let routes = try SenderRoutes.make(
                configuration: configuration, environment: Bootstrap.environment)
            let store = try SQLiteStore.open(path: configuration.storePath, create: false)
            var rerenderer: TemplateRerenderer?
            do {
                let library = try TemplateLibrary(directory: configuration.templatesPath)
                rerenderer = TemplateRerenderer(
                    library: library, configuration: configuration, patients: store)
            } catch {
                logger.warning(
                    "templates cannot be read; a message moved to another day keeps its body",
                    metadata: ["error": "\(error)"])
            }
            let dispatcher = Dispatcher(
                store: store, routes: routes, configuration: configuration, clock: SystemClock(),
                rerenderer: rerenderer, logger: logger)
            let summary = try dispatcher.run(
                DispatchOptions(
                    now: now.flatMap(Timestamp.parse), limit: limit,
                    maxDuration: maxDuration.flatMap(DurationText.parse),
                    dryRun: dryRun, actor: actorOptions.by == nil ? "dispatch" : actorOptions.actor))
            if let retention = configuration.retention {
                purge(
                    store: store, period: retention, now: now.flatMap(Timestamp.parse) ?? Date(),
                    logger: logger)
            }
            if json {
                Output.line(summary.json)
            } else {
                let prefix = dryRun ? "dry run: would send" : "sent"
                Output.line(
                    "\(prefix) \(summary.sent), retry \(summary.retry), failed \(summary.failed), "
                        + "unknown \(summary.unknown), rescheduled \(summary.rescheduled), skipped \(summary.skipped)"
                )
                if summary.held > 0 {
                    Output.line(
                        "held for approval: \(summary.held) (see careline status; careline review, then approve)"
                    )
                }
                if summary.unknown > 0 {
                    Output.line(
                        "unknown messages need a person: see careline status, then careline reconcile")
                }
            }
        }
    }

    /// `[store] retention`: after the run, purges the finished messages older than the period (a dry run only
    /// counts them). Audited only when something was purged. Logged at info level, never printed: the output
    /// contract of dispatch stays as it is. A failure is logged and leaves the exit code alone; the messages
    /// are sent, and the next dispatch purges again.
    private func purge(store: SQLiteStore, period: RetentionPeriod, now: Date, logger: Logger) {
        do {
            let summary = try MessagePurge(store: store).run(
                olderThan: period, now: now, actor: actorOptions.by == nil ? "dispatch" : actorOptions.actor,
                dryRun: dryRun, auditWhenNone: false)
            logger.info(
                dryRun ? "retention: would purge finished messages" : "retention: purged finished messages",
                metadata: [
                    "purged": "\(summary.count.total)", "older_than": "\(period.text)",
                    "cutoff": "\(OutboxMessage.utcText(summary.cutoff))",
                ])
        } catch {
            logger.error(
                "retention: the purge failed; the next dispatch tries again",
                metadata: ["older_than": "\(period.text)", "error": "\(error)"])
        }
    }
}
