import Foundation

/// One previewed message: who it is for, which file rendered it, and the result.
public struct PreviewItem: Sendable {
    /// `sample`, or `patients.csv:12` for a row of a patients file.
    public var source: String
    public var patientID: String?
    /// The phone, masked (`+86138****8000`); never the full number.
    public var maskedPhone: String?
    /// The template file used (after locale fallback).
    public var file: String
    public var locale: String?
    /// The send date the message was rendered for, in the patient's zone.
    public var sendDate: LocalDate
    public var result: Result<RenderedMessage, TemplateError>
    /// Problems with the row that do not stop the render (e.g. an invalid phone number).
    public var notes: [String]
}

/// Renders a template for its sample data or for the rows of a patients CSV.
public struct TemplatePreviewer: Sendable {
    public var library: TemplateLibrary
    public var clinic: ClinicFields?
    public var policy: MessagePolicy
    public var fallbackZone: TimeZone?
    public var defaultLocale: String
    public var region: String?
    /// The instant messages are rendered for (relative dates, ages).
    public var now: Date

    public init(library: TemplateLibrary, configuration: Configuration, now: Date) {
        self.library = library
        self.clinic = configuration.clinicFields
        self.policy = MessagePolicy(configuration)
        self.fallbackZone = configuration.clinic.timeZone
        self.defaultLocale = configuration.clinic.defaultLocale
        self.region = configuration.clinic.region
        self.now = now
    }

    /// Renders every locale variant of `name` for its own sample data.
    ///
    /// - Throws: ``TemplateError`` `notFound` when there is no template of that name.
    public func previewSamples(name: String) throws(TemplateError) -> [PreviewItem] {
        let entries = library.entries.filter { $0.name == name }
        if entries.isEmpty { _ = try library.entry(name: name, locale: nil) }
        return entries.map { entry in
            let zoneFallback = fallbackZone
            var sendDate = LocalDate(now, in: zoneFallback ?? TimeZone(identifier: "UTC")!)
            let result: Result<RenderedMessage, TemplateError>
            do throws(TemplateError) {
                let template = try library.load(entry)
                let patient = template.frontMatter.sample["patient"]
                sendDate = LocalDate(now, in: MessageContext.timeZone(of: patient, fallback: zoneFallback))
                result = .success(
                    try template.renderMessage(
                        data: template.frontMatter.sample, clinic: clinic, sendDate: sendDate, policy: policy)
                )
            } catch {
                result = .failure(error)
            }
            return PreviewItem(
                source: "sample", patientID: nil, maskedPhone: nil, file: entry.file, locale: entry.locale,
                sendDate: sendDate, result: result, notes: [])
        }
    }

    /// Renders `name` for the rows of a patients CSV (header = field names; `patient.<column>` in templates),
    /// each in the patient's `locale` (else the clinic's), streaming.
    ///
    /// - Parameters:
    ///   - limit: the most rows to render.
    ///   - each: called with each item in file order.
    /// - Throws: ``TemplateError`` `notFound` or `data` when the template or the file cannot be read, or the CSV
    ///   is malformed.
    public func previewPatients(
        name: String, csvPath: String, limit: Int?, each: (PreviewItem) -> Void
    ) throws(TemplateError) {
        if !library.names.contains(name) { _ = try library.entry(name: name, locale: nil) }
        let reader: CSVReader
        do {
            reader = try CSVReader(url: URL(fileURLWithPath: csvPath))
        } catch {
            throw TemplateError(.notFound, file: csvPath, location: nil, message: error.message)
        }
        func csvError(_ error: CSVError) -> TemplateError {
            TemplateError(
                .data, file: csvPath, location: SourceLocation(line: error.line, column: error.column),
                message: error.message)
        }
        let header: [String]
        do {
            guard let first = try reader.next() else {
                throw TemplateError(
                    .data, file: csvPath, location: nil, message: "the file is empty; it needs a header row")
            }
            header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            var seen: [String: Int] = [:]
            for (index, column) in header.enumerated() {
                let location = first.location(ofField: index)
                if column.isEmpty {
                    throw TemplateError(
                        .data, file: csvPath, location: location,
                        message: "header column \(index + 1) has no name")
                }
                if let earlier = seen[column] {
                    throw TemplateError(
                        .data, file: csvPath, location: location,
                        message:
                            "column \"\(column)\" appears twice in the header (also column \(earlier)); rename one"
                    )
                }
                seen[column] = index + 1
            }
        } catch let error as CSVError {
            throw csvError(error)
        } catch let error as TemplateError {
            throw error
        } catch {
            throw TemplateError(.data, file: csvPath, location: nil, message: "\(error)")
        }

        var cache: [String: Result<MessageTemplate, TemplateError>] = [:]
        var count = 0
        while limit.map({ count < $0 }) ?? true {
            let record: CSVRecord
            do {
                guard let next = try reader.next() else { break }
                record = next
            } catch {
                throw csvError(error)
            }
            if record.fields.count == 1, record.fields[0].isEmpty { continue }
            count += 1
            each(item(for: record, header: header, csvPath: csvPath, name: name, cache: &cache))
        }
    }

    private func item(
        for record: CSVRecord, header: [String], csvPath: String, name: String,
        cache: inout [String: Result<MessageTemplate, TemplateError>]
    ) -> PreviewItem {
        let source = "\(csvPath):\(record.line)"
        let fields = MessageContext.patientFields(header: header, row: record.fields)
        let patient = TemplateValue.object(fields)
        let zone = MessageContext.timeZone(of: patient, fallback: fallbackZone)
        let sendDate = LocalDate(now, in: zone)
        var notes: [String] = []
        var masked: String?
        if let phone = fields["phone"]?.scalarText, !phone.isEmpty {
            do throws(PhoneNumberError) {
                masked = try PhoneNumber(parsing: phone, defaultRegion: region).masked
            } catch {
                masked = PhoneNumber.mask(phone)
                notes.append("phone: \(error.message)")
            }
        }
        if let zoneName = fields["timezone"]?.scalarText, !zoneName.isEmpty,
            TimeZone(identifier: zoneName) == nil
        {
            notes.append("timezone: unknown zone \"\(zoneName)\"; dates are taken in \(zone.identifier)")
        }
        var locale = fields["locale"]?.scalarText ?? ""
        if locale.isEmpty { locale = defaultLocale }
        var file = library.directory
        let result: Result<RenderedMessage, TemplateError>
        if record.fields.count != header.count {
            result = .failure(
                TemplateError(
                    .data, file: csvPath, location: SourceLocation(line: record.line, column: 1),
                    message: "row has \(record.fields.count) fields but the header has \(header.count); "
                        + "check for a missing or extra comma or an unquoted comma inside a value"))
        } else {
            do throws(TemplateError) {
                let entry = try library.entry(name: name, locale: locale)
                file = entry.file
                if cache[entry.file] == nil {
                    cache[entry.file] = Result { () throws(TemplateError) -> MessageTemplate in
                        try library.load(entry)
                    }
                }
                let template = try cache[entry.file]!.get()
                result = .success(
                    try template.renderMessage(
                        data: .object(["patient": patient]), clinic: clinic, sendDate: sendDate,
                        policy: policy))
            } catch {
                result = .failure(error)
            }
        }
        return PreviewItem(
            source: source, patientID: fields["id"]?.scalarText, maskedPhone: masked, file: file,
            locale: locale,
            sendDate: sendDate, result: result, notes: notes)
    }
}
