import Foundation

/// What `careline render` does: one template file, one data file, exactly the rendered text.
public struct TemplateFileRenderer: Sendable {
    public var templatePath: String
    /// The folder of partials; default: `partials/` beside the template file.
    public var partialsDirectory: String?
    public var escaping: RenderOptions.Escaping
    /// Lenient: missing fields print nothing and missing partials render empty (with HTML escaping: spec mode).
    public var lenient: Bool
    /// Overrides the locale taken from the file name.
    public var locale: String?
    /// `clinic.*` fields, when a configuration file exists.
    public var clinic: ClinicFields?
    /// The zone dates are taken in when the patient has no `timezone` (the clinic's; else UTC).
    public var fallbackZone: TimeZone?

    public init(
        templatePath: String, partialsDirectory: String? = nil, escaping: RenderOptions.Escaping = .none,
        lenient: Bool = false, locale: String? = nil, clinic: ClinicFields? = nil,
        fallbackZone: TimeZone? = nil
    ) {
        self.templatePath = templatePath
        self.partialsDirectory = partialsDirectory
        self.escaping = escaping
        self.lenient = lenient
        self.locale = locale
        self.clinic = clinic
        self.fallbackZone = fallbackZone
    }

    /// Renders the template for `data` as sent at `now`.
    ///
    /// - Throws: ``TemplateError``: `notFound` for a missing file, `syntax`/`frontMatter`/`unknownPartial` for a
    ///   bad template, `missingField` (strict) naming the field and `file:line:column`.
    public func render(data: TemplateValue, now: Date) throws(TemplateError) -> String {
        let text = try TemplateLibrary.read(templatePath)
        let folder =
            partialsDirectory
            ?? ((templatePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(
                "partials")
        let partials = PartialFolder(directory: folder)
        let template = try MessageTemplate(
            text: text, file: templatePath, locale: locale, requirePartials: !lenient
        ) {
            (name: String) throws(TemplateError) -> Template.PartialSource? in
            try partials.partial(
                named: name,
                locale: locale ?? TemplateFileName((templatePath as NSString).lastPathComponent)?.locale)
        }
        let zone = MessageContext.timeZone(of: data["patient"], fallback: fallbackZone)
        let sendDate = LocalDate(now, in: zone)
        let context = MessageContext.make(
            data: data, clinic: clinic?.value(for: template.language), language: template.language,
            sendDate: sendDate)
        let options = RenderOptions(
            escaping: escaping, strict: !lenient, language: template.language, today: sendDate)
        return try template.template.render(context, options: options)
    }
}
