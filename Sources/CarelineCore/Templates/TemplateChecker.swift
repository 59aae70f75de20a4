import Foundation

/// A problem found by `templates check`.
public struct TemplateDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var severity: Severity
    public var error: TemplateError

    /// `file:line:column: message`, with `warning: ` before the message of a warning.
    public var description: String {
        guard severity == .warning else { return error.description }
        var copy = error
        copy.message = "warning: " + copy.message
        return copy.description
    }
}

/// The result of checking a folder of templates.
public struct TemplateCheckReport: Sendable {
    /// Every problem, in file order.
    public var diagnostics: [TemplateDiagnostic]
    /// How many template files were checked.
    public var templatesChecked: Int
    /// How many partial files were checked.
    public var partialsChecked: Int
    /// The sample messages of the templates that rendered, by file.
    public var samples: [(file: String, message: RenderedMessage)]

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
}

/// Lints every template of a folder: syntax, partials, unknown fields, the sample render, SMS parts and policy.
public struct TemplateChecker: Sendable {
    public var clinic: ClinicFields?
    public var policy: MessagePolicy
    public var fallbackZone: TimeZone?
    /// The instant the sample messages are rendered for.
    public var now: Date

    public init(configuration: Configuration, now: Date) {
        self.clinic = configuration.clinicFields
        self.policy = MessagePolicy(configuration)
        self.fallbackZone = configuration.clinic.timeZone
        self.now = now
    }

    /// Checks every template and partial file of `library`, reporting all problems.
    public func check(_ library: TemplateLibrary) -> TemplateCheckReport {
        var report = TemplateCheckReport(
            diagnostics: [], templatesChecked: 0, partialsChecked: 0, samples: [])
        for entry in library.partials.entries {
            report.partialsChecked += 1
            do throws(TemplateError) {
                _ = try Template(
                    source: MessageTemplate.trimmingFinalLineBreak(try TemplateLibrary.read(entry.file)),
                    file: entry.file, requirePartials: true
                ) { (name: String) throws(TemplateError) -> Template.PartialSource? in
                    try library.partials.partial(named: name, locale: entry.locale)
                }
            } catch {
                report.diagnostics.append(TemplateDiagnostic(severity: .error, error: error))
            }
        }
        var seen: [String: String] = [:]
        for entry in library.entries {
            report.templatesChecked += 1
            let key =
                "\(entry.name)|\(entry.locale?.lowercased().replacingOccurrences(of: "_", with: "-") ?? "")"
            if let other = seen[key] {
                report.diagnostics.append(
                    TemplateDiagnostic(
                        severity: .warning,
                        error: TemplateError(
                            .notFound, file: entry.file, location: nil,
                            message:
                                "same name and locale as \(other); only one of them is used — remove the other"
                        )))
            }
            seen[key] = entry.file
            let (diagnostics, sample) = check(entry, in: library)
            report.diagnostics += diagnostics
            if let sample { report.samples.append((entry.file, sample)) }
        }
        return report
    }

    /// Checks one template file.
    public func check(_ entry: TemplateLibrary.Entry, in library: TemplateLibrary) -> (
        [TemplateDiagnostic], RenderedMessage?
    ) {
        let template: MessageTemplate
        do throws(TemplateError) {
            template = try library.load(entry)
        } catch {
            return ([TemplateDiagnostic(severity: .error, error: error)], nil)
        }
        var diagnostics: [TemplateDiagnostic] = []
        func fail(_ error: TemplateError) {
            diagnostics.append(TemplateDiagnostic(severity: .error, error: error))
        }

        if let cycle = template.template.partialCycle {
            fail(
                TemplateError(
                    .partialRecursion, file: cycle.file, location: cycle.location,
                    message:
                        "partials include each other: \(cycle.chain.joined(separator: " → ")); a care message "
                        + "must not recurse — remove one of the includes"))
        }
        let catalog = FieldCatalog(sample: template.frontMatter.sample)
        var reported: Set<String> = []
        for reference in template.template.fieldReferences where !catalog.contains(reference) {
            guard reported.insert("\(reference.file)|\(reference.location)").inserted else { continue }
            let hint = catalog.suggestion(for: reference).map { " — did you mean \($0)?" } ?? ""
            let kind = reference.isSection ? "{{#\(reference.name)}}" : "{{\(reference.name)}}"
            fail(
                TemplateError(
                    .unknownField, file: reference.file, location: reference.location,
                    message:
                        "unknown field \(kind)\(hint) (not in the sample data, the patient columns or the "
                        + "derived fields; add it to [sample] if it is a real field)"))
        }
        guard diagnostics.isEmpty else { return (diagnostics, nil) }

        guard case .object(let sample) = template.frontMatter.sample, !sample.isEmpty else {
            fail(
                TemplateError(
                    .frontMatter, file: template.file, location: SourceLocation(line: 1, column: 1),
                    message:
                        "no sample data: add a [sample.patient] table to the front matter so the message "
                        + "can be checked and previewed"))
            return (diagnostics, nil)
        }
        let zone = MessageContext.timeZone(of: sample["patient"], fallback: fallbackZone)
        let sendDate = LocalDate(now, in: zone)
        do throws(TemplateError) {
            let message = try template.renderMessage(
                data: template.frontMatter.sample, clinic: clinic, sendDate: sendDate, policy: policy)
            for warning in message.warnings {
                diagnostics.append(
                    TemplateDiagnostic(
                        severity: .warning,
                        error: TemplateError(
                            .policy, file: template.file,
                            location: SourceLocation(line: template.bodyFirstLine, column: 1),
                            message: "sample message: \(warning)")))
            }
            return (diagnostics, message)
        } catch {
            var error = error
            if error.code == .missingField, clinic == nil, error.message.contains("{{clinic.") {
                error.message += " (clinic fields come from [clinic] in careline.toml, which was not found)"
            }
            fail(error)
            return (diagnostics, nil)
        }
    }
}
