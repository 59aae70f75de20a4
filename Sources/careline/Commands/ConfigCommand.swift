import ArgumentParser

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check careline.toml and what it points to.",
        subcommands: [ConfigCheckCommand.self])
}
