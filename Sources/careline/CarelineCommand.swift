import ArgumentParser

@main
struct CarelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careline",
        abstract: "Personal care messages for clinic patients.",
        subcommands: [])
}
