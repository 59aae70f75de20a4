import ArgumentParser
import CarelineCore
import Foundation

struct TemplatesCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Lint every template: syntax, partials, unknown fields, sample render, SMS parts, policy.",
        discussion: "Reports every problem as FILE:line:column: message; exits 65 when there is any error.")

    @Argument(help: "The templates folder (default: [paths] templates from careline.toml, else Templates).")
    var directory: String?

    @Option(help: "Render the samples as if sent at this ISO 8601 instant (default: now).")
    var now: String?

    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if let now, Timestamp.parse(now) == nil {
            throw ValidationError(
                "--now \(now) is not an ISO 8601 instant; write e.g. 2026-12-01T19:30:00+08:00")
        }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Configuration.load(
                explicit: options.config, environment: ProcessInfo.processInfo.environment)
            let library = try TemplateLibrary(directory: directory ?? configuration.templatesPath)
            let checker = TemplateChecker(
                configuration: configuration, now: now.flatMap(Timestamp.parse) ?? Date())
            let report = checker.check(library)
            for diagnostic in report.diagnostics { Output.line(diagnostic.description) }
            Output.line(
                "checked \(report.templatesChecked) templates and \(report.partialsChecked) partials in "
                    + "\(library.directory): \(report.errorCount) errors, \(report.warningCount) warnings")
            if report.errorCount > 0 { throw ExitCode(Failure.dataError) }
        }
    }
}
