import ArgumentParser
import CarelineCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Counts per campaign and state, the next planned send, the batches.")

    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var options: ConfigOptions

    func run() throws {
        try Failure.run {
            let store = try Bootstrap.store(try Bootstrap.configuration(options))
            var status = try store.status()
            try store.forEachMessage(MessageFilter(state: .unknown), limit: 200) {
                status.unknownMessages.append($0)
            }
            Output.line(json ? status.json : status.text)
        }
    }
}
