/// The field names a template may use: sample data, patient columns, derived and clinic fields.
public struct FieldCatalog: Sendable {
    /// Every known full dotted name (`patient`, `patient.name`, …).
    public private(set) var names: Set<String> = []

    /// The date members any date-valued field offers.
    public static let dateMembers = ["date", "weekday", "relative", "iso"]

    /// A catalog from sample data plus the standard patient columns, derived fields and clinic fields.
    ///
    /// - Parameter extraPatientColumns: columns of a patients file (e.g. its header).
    public init(sample: TemplateValue, extraPatientColumns: [String] = []) {
        add(sample, prefix: "")
        names.insert("patient")
        names.insert("clinic")
        for column in MessageContext.patientColumns + MessageContext.derivedPatientFields
            + extraPatientColumns
        {
            names.insert("patient.\(column)")
        }
        for field in MessageContext.clinicFields { names.insert("clinic.\(field)") }
    }

    private mutating func add(_ value: TemplateValue, prefix: String) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                let name = prefix.isEmpty ? key : "\(prefix).\(key)"
                names.insert(name)
                add(member, prefix: name)
            }
        case .array(let items):
            for item in items { add(item, prefix: prefix) }
        case .date:
            for member in Self.dateMembers { names.insert("\(prefix).\(member)") }
        default:
            break
        }
    }

    /// Whether `reference` names a known field, directly or relative to an enclosing section.
    public func contains(_ reference: FieldReference) -> Bool {
        if reference.name.parts.isEmpty { return true }
        for candidate in candidates(for: reference) where contains(candidate) { return true }
        return false
    }

    /// Whether a full dotted name is known (a date member of a known patient column counts).
    public func contains(_ name: String) -> Bool {
        if names.contains(name) { return true }
        // Columns of a patients file may hold dates; their members are checked when rendering.
        if let dot = name.lastIndex(of: "."),
            Self.dateMembers.contains(String(name[name.index(after: dot)...]))
        {
            let owner = String(name[..<dot])
            return owner.hasPrefix("patient.") && names.contains(owner)
        }
        return false
    }

    /// The closest known name, for "did you mean".
    public func suggestion(for reference: FieldReference) -> String? {
        Suggestion.closest(to: reference.name.text, in: names)
    }

    private func candidates(for reference: FieldReference) -> [String] {
        var result = [reference.name.text]
        var prefix = ""
        for section in reference.sections where !section.parts.isEmpty {
            prefix = prefix.isEmpty ? section.text : "\(prefix).\(section.text)"
            result.append("\(section.text).\(reference.name.text)")
            result.append("\(prefix).\(reference.name.text)")
        }
        return result
    }
}
