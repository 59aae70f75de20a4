/// The `clinic.*` fields templates see, with per-language overrides (`[clinic.en] name = "Mingde Eye Clinic"`),
/// so an English message does not carry a Chinese clinic name.
public struct ClinicFields: Sendable, Equatable {
    /// `name`, `phone`, `signature` from `[clinic]`.
    public var base: [String: String]
    /// Overrides from `[clinic.zh]` / `[clinic.en]`.
    public var byLanguage: [MessageLanguage: [String: String]]

    public init(base: [String: String], byLanguage: [MessageLanguage: [String: String]] = [:]) {
        self.base = base
        self.byLanguage = byLanguage
    }

    /// The fields for a template's language.
    public func value(for language: MessageLanguage) -> TemplateValue {
        var fields = base
        for (key, value) in byLanguage[language] ?? [:] { fields[key] = value }
        return .object(fields.mapValues { .string($0) })
    }

    /// One field for a language.
    public func field(_ key: String, for language: MessageLanguage) -> String? {
        byLanguage[language]?[key] ?? base[key]
    }
}
