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

    @OptionGroup var sendInstant: SendInstantOptions

    @OptionGroup var options: ConfigOptions

    func run() throws {
        try Failure.run {
            let configuration = try Configuration.load(
                explicit: options.config, environment: ProcessInfo.processInfo.environment)
            let library = try TemplateLibrary(directory: directory ?? configuration.templatesPath)
            let checker = TemplateChecker(
                configuration: configuration, now: sendInstant.instant)
            let report = checker.check(library)
            for diagnostic in report.diagnostics { Output.line(diagnostic.description) }
            Output.line(
                "checked \(report.templatesChecked) templates and \(report.partialsChecked) partials in "
                    + "\(library.directory): \(report.errorCount) errors, \(report.warningCount) warnings")
            if report.errorCount > 0 { throw ExitCode(Failure.dataError) }
        }
    }
}
