import ArgumentParser
import CarelineCore
import Foundation

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract:
            "The append-only audit trail: imports, queues, approvals, rejections, cancels, opt-outs, dispatches.",
        discussion: "No bodies and no full phone numbers are ever written to it.")

    @Option(help: "Only the entries about this batch.")
    var batch: Int64?

    @Option(
        help: "Only entries at or after this date (YYYY-MM-DD, in the clinic's zone) or ISO 8601 instant.")
    var since: String?

    @Flag(help: "One JSON object per line: {\"at\",\"actor\",\"action\",\"subject\",\"detail\"}.")
    var json = false

    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if let since, Timestamp.parse(since) == nil, LocalDate(iso: since) == nil {
            throw ValidationError("--since \(since) is neither a date (2026-12-01) nor an ISO 8601 instant")
        }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let store = try Bootstrap.existingStore(configuration)
            var start: Date?
            if let since {
                if let instant = Timestamp.parse(since) {
                    start = instant
                } else if let date = LocalDate(iso: since) {
                    let zone = configuration.clinic.timeZone ?? TimeZone(identifier: "UTC")!
                    start = LocalTimeResolution.instant(date, LocalTime(hour: 0, minute: 0)!, in: zone)
                }
            }
            var entries = try store.auditEntries(since: start)
            if let batch { entries = entries.filter { $0.subject == "batch \(batch)" } }
            for entry in entries {
                if json {
                    var line = JSONLine()
                    line.add("at", OutboxMessage.utcText(entry.at))
                    line.add("actor", entry.actor)
                    line.add("action", entry.action)
                    line.add("subject", entry.subject)
                    line.add("detail", entry.detail)
                    Output.line(line.string)
                } else {
                    Output.line(
                        "\(OutboxMessage.utcText(entry.at))  \(entry.action)  \(entry.subject ?? "-")  by \(entry.actor)  "
                            + entry.detail)
                }
            }
            if !json && entries.isEmpty { Output.line("no audit entries") }
        }
    }
}
