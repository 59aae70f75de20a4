import ArgumentParser
import CarelineCore

struct SMSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms", abstract: "SMS text tools.", subcommands: [SMSAnalyzeCommand.self])
}

struct SMSAnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show a text's SMS encoding, length and number of parts.",
        discussion: "GSM-7: 160 septets in one part, 153 per part when split; UCS-2: 70 and 67 UTF-16 units.")

    @Argument(help: "The message text.")
    var text: String

    @Flag(help: "Print {\"encoding\",\"units\",\"segments\",\"non_gsm\"} as JSON.")
    var json = false

    func run() {
        let analysis = SMSAnalysis(analyzing: text)
        if json {
            Output.line(analysis.jsonLine)
        } else {
            Output.line(analysis.summary)
            if let explanation = analysis.explanation() { Output.line("hint: \(explanation)") }
        }
    }
}
