import ArgumentParser
import CarelineCore
import Foundation

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render one template file with one JSON data file; prints exactly the rendered text.",
        discussion: """
            Care-message mode (default): no HTML escaping, and a missing, null or empty field is an error \
            (exit 65, naming the field and FILE:line:column). Spec mode: --escape html --lenient.
            """)

    @Argument(help: "The template file (front matter allowed).")
    var templateFile: String

    @Option(help: "A JSON file with the data, e.g. {\"patient\": {\"name\": \"王芳\", \"gender\": \"F\"}}.")
    var data: String

    @Option(help: "The folder of partials (default: partials/ beside the template).")
    var partials: String?

    @Option(help: "html escapes & < > \" in {{x}}; none (default) prints values as they are.")
    var escape: RenderOptions.Escaping = .none

    @Flag(help: "Missing fields print nothing instead of failing.")
    var lenient = false

    @Option(help: "The locale of derived texts (default: from the file name, e.g. x.zh-CN.mustache).")
    var locale: String?

    @OptionGroup var sendInstant: SendInstantOptions

    @OptionGroup var options: ConfigOptions

    func run() throws {
        try Failure.run {
            let configuration = try Configuration.load(
                explicit: options.config, environment: ProcessInfo.processInfo.environment)
            guard let json = FileManager.default.contents(atPath: data) else {
                throw TemplateError(
                    .notFound, file: data, location: nil, message: "data file not found or not readable")
            }
            let renderer = TemplateFileRenderer(
                templatePath: templateFile, partialsDirectory: partials, escaping: escape, lenient: lenient,
                locale: locale, clinic: configuration.clinicFields,
                fallbackZone: configuration.clinic.timeZone)
            let text = try renderer.render(
                data: try TemplateValue.parseJSON(json, file: data),
                now: sendInstant.instant)
            Output.write(text)
        }
    }
}

extension RenderOptions.Escaping: ExpressibleByArgument {}
