import Foundation

/// One patient, as imported from the clinic's export (`careline patients import`).
///
/// Known columns are parsed and validated (see ``PatientFileValidator``); every other column is kept as written
/// in ``extra`` and reaches templates as `patient.<column>`. A patient's ``description`` never shows the phone
/// number or other fields: only the id.
public struct Patient: Sendable, Equatable, CustomStringConvertible {
    /// The clinic's identifier, unique in the store.
    public var id: String
    public var name: String
    /// E.164, or `nil` when the file has no phone for this patient (such a patient cannot be messaged).
    public var phone: PhoneNumber?
    public var gender: Gender?
    public var birthDate: LocalDate?
    /// An IANA zone identifier that `TimeZone(identifier:)` knows, or `nil` (the clinic's zone applies).
    public var timeZone: String?
    /// A BCP 47 tag such as `zh-CN` or `en`, or `nil` (the clinic's default locale applies).
    public var locale: String?
    public var tags: [String]
    public var optOut: Bool
    /// The local time range the patient asked to be contacted in, or `nil`.
    public var preferredTime: TimeRange?
    /// Every other column by header name, trimmed; empty values are left out.
    public var extra: [String: String]

    /// The columns careline reads itself; every other column goes to ``extra``.
    public static let knownColumns: Set<String> = [
        "id", "name", "phone", "gender", "birth_date", "timezone", "locale", "tags", "opt_out",
        "preferred_time",
    ]

    public init(
        id: String, name: String, phone: PhoneNumber? = nil, gender: Gender? = nil,
        birthDate: LocalDate? = nil,
        timeZone: String? = nil, locale: String? = nil, tags: [String] = [], optOut: Bool = false,
        preferredTime: TimeRange? = nil, extra: [String: String] = [:]
    ) {
        self.id = id
        self.name = name
        self.phone = phone
        self.gender = gender
        self.birthDate = birthDate
        self.timeZone = timeZone
        self.locale = locale
        self.tags = tags
        self.optOut = optOut
        self.preferredTime = preferredTime
        self.extra = extra
    }

    /// The id only: never patient data.
    public var description: String { "patient \(id)" }

    /// The text of a column as a campaign's `[audience]` and `[trigger] field` see it: known columns in their
    /// normalized form (`gender` = `F`/`M`, `opt_out` = `true`/`false`, `tags` joined by `;`, `phone` in E.164),
    /// other columns as written; `nil` when empty or absent.
    public func value(of column: String) -> String? {
        let text: String?
        switch column {
        case "id": text = id
        case "name": text = name
        case "phone": text = phone?.e164
        case "gender": text = gender.map { $0 == .female ? "F" : "M" }
        case "birth_date": text = birthDate?.iso
        case "timezone": text = timeZone
        case "locale": text = locale
        case "tags": text = tags.joined(separator: ";")
        case "opt_out": text = optOut ? "true" : "false"
        case "preferred_time": text = preferredTime?.description
        default: text = extra[column]
        }
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// The fields a template sees under `patient.`: every non-empty column, ISO dates as dates (so `.date`,
    /// `.weekday` and `.relative` work), `tags` as a list. Derived fields are added when the message is rendered.
    public var templateFields: TemplateValue {
        var fields: [String: TemplateValue] = [:]
        for column in Self.knownColumns where column != "tags" {
            guard let text = value(of: column) else { continue }
            fields[column] = TemplateValue(text: text)
        }
        if !tags.isEmpty { fields["tags"] = .array(tags.map { .string($0) }) }
        for (column, text) in extra where !text.isEmpty {
            fields[column] = TemplateValue(text: text)
        }
        return .object(fields)
    }

    /// Every column in a fixed order, for comparing and storing: the known columns by name, then the others
    /// sorted by name. Two patients with the same canonical fields are the same row.
    public var canonicalFields: [(column: String, value: String)] {
        var result: [(String, String)] = []
        for column in [
            "id", "name", "phone", "gender", "birth_date", "timezone", "locale", "tags", "opt_out",
            "preferred_time",
        ] {
            result.append((column, value(of: column) ?? ""))
        }
        for column in extra.keys.sorted() { result.append((column, extra[column]!)) }
        return result
    }

    /// A 64-bit FNV-1a digest of ``canonicalFields`` in hex: an import leaves a row whose digest is unchanged
    /// alone. Not a security hash: it only tells whether a re-exported row differs from the stored one.
    public var contentDigest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for (column, value) in canonicalFields {
            for byte in column.utf8 { mix(byte) }
            mix(0x1f)
            for byte in value.utf8 { mix(byte) }
            mix(0x1e)
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
