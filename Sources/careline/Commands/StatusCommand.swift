import ArgumentParser
import CarelineCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Counts per campaign and state, the next planned send, the batches.")

    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var options: ConfigOptions

    func run() throws {
        try Failure.run {
            let status = try Bootstrap.store(try Bootstrap.configuration(options)).status()
            Output.line(json ? status.json : status.text)
        }
    }
}
