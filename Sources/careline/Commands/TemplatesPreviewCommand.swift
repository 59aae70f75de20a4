import ArgumentParser
import CarelineCore
import Foundation

struct TemplatesPreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Render a template for its sample data or for the rows of a patients CSV.",
        discussion: """
            Shows each body with its encoding, SMS parts and warnings; phones are masked. With --patients, each \
            row is rendered in the patient's locale (else the clinic's). --format json prints one object per line.
            """)

    @Argument(help: "The template name, e.g. recheck-reminder.")
    var name: String

    @Option(help: "A patients CSV (header = field names, patient.<column> in templates).")
    var patients: String?

    @Option(help: "The most rows to render.")
    var limit: Int?

    @Option(help: "text (for people) or json (one object per line).")
    var format: PreviewFormat = .text

    @OptionGroup var sendInstant: SendInstantOptions

    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Configuration.load(
                explicit: options.config, environment: ProcessInfo.processInfo.environment)
            let library = try TemplateLibrary(directory: configuration.templatesPath)
            let previewer = TemplatePreviewer(
                library: library, configuration: configuration, now: sendInstant.instant)
            var failures = 0
            let emit: (PreviewItem) -> Void = { item in
                if case .failure = item.result { failures += 1 }
                Output.line(format == .json ? item.jsonLine : item.text + "\n")
            }
            if let patients {
                try previewer.previewPatients(name: name, csvPath: patients, limit: limit, each: emit)
            } else {
                for item in try previewer.previewSamples(name: name).prefix(limit ?? .max) { emit(item) }
            }
            if failures > 0 {
                Failure.printError("\(failures) message(s) could not be rendered; see the errors above")
                throw ExitCode(Failure.dataError)
            }
        }
    }
}
