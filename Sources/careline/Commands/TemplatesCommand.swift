import ArgumentParser

struct TemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates", abstract: "Check and preview message templates.",
        subcommands: [TemplatesCheckCommand.self, TemplatesPreviewCommand.self])
}

enum PreviewFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
