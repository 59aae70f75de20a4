import Foundation

/// Renders a message again from its campaign's template and the patient's current record, for a new local
/// date: what `careline queue` would have rendered had it planned that date.
public final class TemplateRerenderer: MessageRerendering, @unchecked Sendable {
    let library: TemplateLibrary
    let configuration: Configuration
    let patients: any PatientStore
    private let policy: MessagePolicy
    private var templates: [String: MessageTemplate] = [:]

    /// - Parameters:
    ///   - library: The templates folder.
    ///   - configuration: The clinic's fields, default locale and policy.
    ///   - patients: Where the patient is read.
    public init(library: TemplateLibrary, configuration: Configuration, patients: any PatientStore) {
        self.library = library
        self.configuration = configuration
        self.patients = patients
        self.policy = MessagePolicy(configuration)
    }

    /// The body for `localDate`, or `nil` when the patient is gone.
    ///
    /// - Throws: ``TemplateError`` when the template is gone or no longer renders (a missing field).
    public func rerender(_ message: OutboxMessage, campaign: Campaign, on localDate: LocalDate) throws
        -> RenderedMessage?
    {
        guard let patient = try patients.patient(id: message.patientID) else { return nil }
        let locale = (patient.locale?.isEmpty ?? true) ? configuration.clinic.defaultLocale : patient.locale!
        let key = "\(campaign.template)|\(locale)"
        let template: MessageTemplate
        if let cached = templates[key] {
            template = cached
        } else {
            template = try library.load(name: campaign.template, locale: locale)
            templates[key] = template
        }
        return try template.renderMessage(
            data: .object(["patient": patient.templateFields]), clinic: configuration.clinicFields,
            sendDate: localDate, policy: policy)
    }
}
