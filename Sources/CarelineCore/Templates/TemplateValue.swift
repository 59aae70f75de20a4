import Foundation

/// A value a template can show: the data of one message (patient fields, clinic fields, derived fields).
///
/// Strings that hold an ISO date (`YYYY-MM-DD`) become ``date(_:)`` values, which print as ISO and offer the
/// derived members `.date`, `.weekday`, `.relative` and `.iso`.
///
/// Not `indirect`: lists and groups already hold their members in heap storage, so the enum does not need a
/// box of its own, and making a value (every derived field of every message) allocates nothing.
public enum TemplateValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case double(Double)
    case string(String)
    case date(LocalDate)
    case array([TemplateValue])
    case object([String: TemplateValue])

    /// A string value, turned into a date when it is exactly an ISO date.
    public init(text: String) {
        if text.utf8.count == 10, let date = LocalDate(iso: text) {
            self = .date(date)
        } else {
            self = .string(text)
        }
    }

    /// The members of an object value, or `nil`.
    public var objectValue: [String: TemplateValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The text of a scalar value as it is printed (`nil` for null, lists and groups).
    public var scalarText: String? {
        switch self {
        case .string(let text): return text
        case .integer(let value): return String(value)
        case .double(let value): return Self.format(value)
        case .bool(let value): return value ? "true" : "false"
        case .date(let date): return date.iso
        case .null, .array, .object: return nil
        }
    }

    /// Whether a section over this value renders (Mustache truthiness; an empty string is falsy).
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let value): return value
        case .string(let text): return !text.isEmpty
        case .array(let items): return !items.isEmpty
        case .integer, .double, .date, .object: return true
        }
    }

    /// The member `key` of an object value.
    public subscript(key: String) -> TemplateValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// A copy with `value` stored at a dotted path, creating groups on the way.
    public func setting(_ value: TemplateValue, at path: some Collection<Substring>) -> TemplateValue {
        guard let first = path.first else { return value }
        var members = objectValue ?? [:]
        let child = members[String(first)] ?? .object([:])
        members[String(first)] = child.setting(value, at: path.dropFirst())
        return .object(members)
    }

    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            return String(Int(value))
        }
        return String(value)
    }
}

extension TemplateValue: Decodable {
    /// Decodes JSON data, keeping booleans, integers and decimals apart (`85` prints `85`, `1.210` prints `1.21`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = TemplateValue(text: value)
        } else if let value = try? container.decode([TemplateValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: TemplateValue].self))
        }
    }

    /// Parses JSON text into a value.
    ///
    /// - Throws: ``TemplateError`` with code `data` naming `file` when the text is not valid JSON.
    public static func parseJSON(_ data: Data, file: String) throws(TemplateError) -> TemplateValue {
        do {
            return try JSONDecoder().decode(TemplateValue.self, from: data)
        } catch {
            let reason: String
            switch error as? DecodingError {
            case .dataCorrupted(let context)?:
                reason =
                    (context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription
            default:
                reason = "\(error)"
            }
            throw TemplateError(
                .data, file: file, location: jsonErrorLocation(data),
                message: "not valid JSON (\(reason)); the data file must be one JSON object")
        }
    }

    /// Where JSON text stops being valid, as Foundation's parser reports it ("around character 10" on Linux,
    /// "around line 2, column 3" on Darwin), or `nil` when it names no position. `JSONDecoder`'s own error
    /// names none, so a data file with single quotes would otherwise be reported without a line.
    static func jsonErrorLocation(_ data: Data) -> SourceLocation? {
        let detail: String
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            guard let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String else {
                return nil
            }
            detail = text
        }
        func number(after marker: String, in text: Substring) -> Int? {
            guard let range = text.range(of: marker) else { return nil }
            return Int(text[range.upperBound...].prefix { $0.isASCII && $0.isNumber })
        }
        let text = detail[...]
        if let line = number(after: "line ", in: text), let column = number(after: "column ", in: text) {
            return SourceLocation(line: line, column: column)
        }
        guard let offset = number(after: "character ", in: text), offset <= data.count else { return nil }
        var location = SourceLocation(line: 1, column: 1)
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                location = SourceLocation(line: location.line + 1, column: 1)
            } else if byte & 0xC0 != 0x80 {
                location.column += 1
            }
        }
        return location
    }
}

extension TemplateValue: Encodable {
    /// Encodes the value as JSON (dates as ISO strings).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .date(let value): try container.encode(value.iso)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
