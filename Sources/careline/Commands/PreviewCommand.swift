import ArgumentParser
import CarelineCore
import Foundation

struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Show planned messages: text grouped by day, or one JSON object per line.",
        discussion: """
            JSON fields: id, campaign, step, patient_id, to (masked), senders, send_at (UTC), send_at_local (with \
            offset), body, encoding, segments, state.
            """)

    @Option(help: "Only this campaign.") var campaign: String?
    @Option(help: "Only this batch.") var batch: Int64?
    @Option(help: "Only this state (queued, sending, sent, retry, failed, unknown, expired, cancelled).")
    var state: MessageState?
    @Option(help: "The most messages to show.") var limit: Int?
    @Option(help: "text or json.") var format: PreviewFormat = .text
    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let store = try Bootstrap.store(configuration)
            var day: String?
            var count = 0
            try store.forEachMessage(
                MessageFilter(campaign: campaign, batchID: batch, state: state), limit: limit
            ) {
                message in
                count += 1
                if format == .json {
                    Output.line(message.previewJSON)
                    return
                }
                let local = message.localDate.iso
                if local != day {
                    day = local
                    Output.line("\n\(local) (\(Weekday(of: message.localDate)))")
                }
                Output.line(message.previewText)
            }
            if format == .text { Output.line(count == 0 ? "No messages match." : "\n\(count) messages") }
        }
    }
}

extension MessageState: ExpressibleByArgument {}
