import Foundation

/// Builds the data one message is rendered with.
///
/// The data is a group with `patient` (their fields), `clinic` (from configuration) and anything else given.
/// Derived here, in the template's language and for the send date:
/// - `patient.honorific`: 王女士 / Ms. Wang (the full name when the gender is unknown);
/// - `patient.honorific_warm`: 王阿姨 / 王叔叔 for zh patients aged 50+ on the send date, else the formal one.
/// Date members (`.date`, `.weekday`, `.relative`, `.iso`) are computed while rendering.
public enum MessageContext {
    /// The columns careline knows in a patients file; any other column is kept as a field too.
    public static let patientColumns = [
        "id", "name", "family_name", "phone", "gender", "birth_date", "timezone", "locale", "tags", "opt_out",
        "preferred_time",
    ]

    /// The fields careline derives for every patient with a name.
    public static let derivedPatientFields = ["honorific", "honorific_warm"]

    /// The clinic fields taken from configuration.
    public static let clinicFields = ["name", "phone", "signature"]

    /// Adds the derived fields and the clinic fields to `data`. Values already in `data` win.
    ///
    /// - Parameters:
    ///   - data: the message's data (a group with `patient`, …).
    ///   - clinic: `clinic.*` from configuration, or `nil` without a configuration file.
    ///   - language: the template's language.
    ///   - sendDate: the send date in the patient's zone (for ages).
    public static func make(
        data: TemplateValue, clinic: TemplateValue?, language: MessageLanguage, sendDate: LocalDate?
    ) -> TemplateValue {
        guard var members = data.objectValue else { return data }
        if let clinic {
            var merged = clinic.objectValue ?? [:]
            for (key, value) in members["clinic"]?.objectValue ?? [:] { merged[key] = value }
            members["clinic"] = .object(merged)
        }
        if let patient = members["patient"]?.objectValue {
            members["patient"] = .object(derivePatientFields(patient, language: language, sendDate: sendDate))
        }
        return .object(members)
    }

    /// The patient's fields plus `honorific` and `honorific_warm` (when they have a name).
    public static func derivePatientFields(
        _ patient: [String: TemplateValue], language: MessageLanguage, sendDate: LocalDate?
    ) -> [String: TemplateValue] {
        var patient = patient
        guard case .string(let rawName)? = patient["name"] else { return patient }
        let name = rawName.trimmedWhitespace()
        guard !name.isEmpty else { return patient }
        var familyName: String?
        if case .string(let given)? = patient["family_name"],
            !given.trimmedWhitespace().isEmpty
        {
            familyName = given.trimmedWhitespace()
        }
        let gender = patient["gender"]?.scalarText.flatMap(Gender.init(parsing:))
        var age: Int?
        if case .date(let birth)? = patient["birth_date"], let sendDate {
            age = birth.age(on: sendDate)
        }
        let hasFormal = patient["honorific"] != nil
        let hasWarm = patient["honorific_warm"] != nil
        switch (hasFormal, hasWarm) {
        case (false, false):
            let forms = Honorific.forms(
                name: name, familyName: familyName, gender: gender, age: age, language: language)
            patient["honorific"] = .string(forms.formal)
            patient["honorific_warm"] = .string(forms.warm)
        case (false, true):
            patient["honorific"] = .string(
                Honorific.formal(name: name, familyName: familyName, gender: gender, language: language))
        case (true, false):
            patient["honorific_warm"] = .string(
                Honorific.warm(
                    name: name, familyName: familyName, gender: gender, age: age, language: language))
        case (true, true):
            break
        }
        return patient
    }

    /// A patient's fields from one row of a patients CSV: every column by its header name; `tags` becomes a list
    /// (`;`-separated); ISO dates become dates.
    public static func patientFields(header: [String], row: [String]) -> [String: TemplateValue] {
        var fields: [String: TemplateValue] = [:]
        for (index, column) in header.enumerated() where index < row.count {
            let value = row[index]
            if column == "tags" {
                fields[column] = .array(
                    value.split(separator: ";").map { .string($0.trimmingCharacters(in: .whitespaces)) }
                        .filter { $0 != .string("") })
            } else {
                fields[column] = TemplateValue(text: value)
            }
        }
        return fields
    }

    /// The zone a patient's dates are taken in: their `timezone` field, else `fallback`, else UTC.
    public static func timeZone(of patient: TemplateValue?, fallback: TimeZone?) -> TimeZone {
        if let name = patient?["timezone"]?.scalarText, !name.isEmpty, let zone = TimeZone(identifier: name) {
            return zone
        }
        return fallback ?? TimeZone(identifier: "UTC")!
    }
}
