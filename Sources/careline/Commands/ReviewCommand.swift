import ArgumentParser
import CarelineCore
import Foundation

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Everything a reviewer needs about a batch before it may be sent.",
        discussion: """
            Counts (pending, by state, left out by reason), messages per day and per hour of the patients' local \
            time, SMS parts and the estimated cost per sender (price_per_segment and currency in careline.toml), \
            the longest bodies, every body that needs UCS-2 with the character that forced it, and the rendered \
            messages themselves (all of a small batch, else a sample spread over it). Phones are masked. \
            --format html writes one self-contained page (no network) to read in a browser.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, html
    }

    @Argument(help: "The batch id (careline status lists them).")
    var batch: Int64

    @Option(help: "text, json or html.")
    var format: Format = .text

    @Option(help: "Write to this file (created readable by you only) instead of standard output.")
    var out: String?

    @Option(
        help:
            "Show this many messages in full, spread over the batch (default: all of a small batch, else 20)."
    )
    var sample: Int?

    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if let sample, sample < 0 { throw ValidationError("--sample must be 0 or more") }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let store = try Bootstrap.existingStore(configuration)
            guard
                let report = try ReviewBuilder(store: store, configuration: configuration, now: Date())
                    .report(batchID: batch, sample: sample)
            else {
                throw ApprovalError(
                    .noSuchBatch, "there is no batch \(batch); careline status lists the batches")
            }
            let text: String
            switch format {
            case .text: text = report.text
            case .json: text = report.json
            case .html: text = report.html
            }
            guard let out else {
                Output.line(text)
                return
            }
            // Bodies are health data: the file is the reviewer's alone from its first byte.
            if let problem = PrivateFile.replace(out, with: Array((text + "\n").utf8)) {
                throw FileError(
                    file: out,
                    message: ": cannot be written (\(problem)); check the folder exists and is writable",
                    isMissing: false)
            }
            Output.line(
                "wrote \(out): batch \(batch), \(report.pending) pending messages, \(report.segments) parts")
        }
    }
}
