/// A TOML value.
///
/// Equality treats two NaN floats as equal so that a parsed document equals itself.
public enum TOMLValue: Sendable, Equatable {
    /// A string (basic, literal or multi-line; CRLF inside multi-line strings is read as LF).
    case string(String)
    /// A 64-bit signed integer.
    case integer(Int64)
    /// A double-precision float, including `inf` and `nan`.
    case float(Double)
    /// `true` or `false`.
    case boolean(Bool)
    /// An offset date-time, local date-time, local date or local time.
    case dateTime(TOMLDateTime)
    /// An array, static (`[…]`) or of tables (`[[…]]`); elements keep their positions.
    case array([TOMLNode])
    /// A table (from a header, dotted keys or an inline table).
    case table(TOMLTable)

    /// The type's name for messages: "string", "integer", "float", "boolean", "date", "time",
    /// "date-time", "array" or "table".
    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .dateTime(let dateTime):
            switch dateTime.kind {
            case .localDate: "date"
            case .localTime: "time"
            case .localDateTime, .offsetDateTime: "date-time"
            }
        case .array: "array"
        case .table: "table"
        }
    }

    /// The string, or `nil` for any other type.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The integer, or `nil` for any other type.
    public var integerValue: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }

    /// The float, or the integer converted to a double; `nil` for any other type.
    public var doubleValue: Double? {
        switch self {
        case .float(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// The boolean, or `nil` for any other type.
    public var boolValue: Bool? {
        if case .boolean(let value) = self { value } else { nil }
    }

    /// The date and/or time, or `nil` for any other type.
    public var dateTimeValue: TOMLDateTime? {
        if case .dateTime(let value) = self { value } else { nil }
    }

    /// The array's elements, or `nil` for any other type.
    public var arrayValue: [TOMLNode]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The table, or `nil` for any other type.
    public var tableValue: TOMLTable? {
        if case .table(let value) = self { value } else { nil }
    }

    /// Compares two values; NaN equals NaN, positions of nested nodes are compared too.
    ///
    /// - Parameters:
    ///   - lhs: A value.
    ///   - rhs: Another value.
    /// - Returns: Whether both are the same type and hold equal contents.
    public static func == (lhs: TOMLValue, rhs: TOMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.float(let a), .float(let b)): a == b || (a.isNaN && b.isNaN)
        case (.boolean(let a), .boolean(let b)): a == b
        case (.dateTime(let a), .dateTime(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.table(let a), .table(let b)): a == b
        default: false
        }
    }
}
