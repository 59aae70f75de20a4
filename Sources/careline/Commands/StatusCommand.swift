import ArgumentParser
import CarelineCore
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Counts per campaign and state, the next planned send, the batches.")

    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var options: ConfigOptions

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let store = try Bootstrap.store(configuration)
            var status = try store.status()
            try store.forEachMessage(MessageFilter(state: .unknown), limit: 200) {
                status.unknownMessages.append($0)
            }
            // Which batches wait for approval and since when, or hold messages changed since it.
            let review = ReviewBuilder(store: store, configuration: configuration, now: Date())
            for batch in status.batches.prefix(json ? Int.max : 10) {
                status.approvals[batch.id] = try review.approval(of: batch)
            }
            Output.line(json ? status.json : status.text)
        }
    }
}
