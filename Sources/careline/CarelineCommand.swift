import ArgumentParser

@main
struct CarelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careline",
        abstract: "Personal care messages for clinic patients: recheck reminders, care notes, follow-ups.",
        discussion: """
            Exit codes (sysexits): 0 ok, 64 usage, 65 bad data (template, data file, patients file), \
            66 input file not found, 69 unavailable, 70 internal error, 75 temporary failure, 78 configuration.
            """,
        subcommands: [RenderCommand.self, SMSCommand.self, TemplatesCommand.self])
}

/// Options every command that reads `careline.toml` shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file (default: $CARELINE_CONFIG, else ./careline.toml).")
    var config: String?
}
