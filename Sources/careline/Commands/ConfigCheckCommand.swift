import ArgumentParser
import CarelineCore
import CarelineCurl
import Foundation

struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Validate careline.toml and check what it names: templates, campaigns, store, senders, secrets.",
        discussion: """
            Loads careline.toml as every command does (--config, $CARELINE_CONFIG, ./careline.toml), so every key \
            is validated, then prints one line per check: ok, warning or error, and what to do. Secrets are \
            resolved but never shown. --probe also contacts each webhook (HEAD) and Twilio sender (reads the \
            account with its credentials); no message is sent. Exit 0 without errors, 78 when the configuration \
            is invalid or a secret cannot be resolved, 65 when a template has an error, 69 when a probe fails.
            """)

    @Flag(help: "Also contact each HTTP sender (no message is sent): reachable? credentials accepted?")
    var probe = false

    @Flag(help: "Print {\"ok\":bool,\"checks\":[{\"name\",\"status\",\"message\"}]} on one line.")
    var json = false

    @OptionGroup var options: ConfigOptions

    func run() throws {
        LogSetup.bootstrap(level: options.level)
        let environment = Bootstrap.environment
        var checks: [CheckResult]
        do throws(ConfigurationError) {
            let configuration = try Configuration.load(explicit: options.config, environment: environment)
            let facts = ConfigCheckFacts.gather(
                configuration: configuration, environment: environment, now: Date())
            checks = ConfigCheck(configuration: configuration, facts: facts).run()
            if probe { checks += SenderProbe().probe(configuration, environment: environment) }
        } catch {
            checks = [ConfigCheck.loadFailure(error)]
        }
        let report = CheckReport(checks: checks)
        Output.line(json ? report.json : report.text)
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
