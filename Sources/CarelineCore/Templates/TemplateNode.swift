/// A field name as written in a tag: `patient.name`, or `.` for the current item.
public struct FieldName: Sendable, Hashable, CustomStringConvertible {
    /// The name as written (trimmed).
    public let text: String
    /// The dotted parts; empty for the implicit iterator `.`.
    public let parts: [String]

    init(_ text: String) {
        self.text = text
        self.parts =
            text == "." ? [] : text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    public var description: String { text }
}

/// One piece of a parsed template.
indirect enum TemplateNode: Sendable {
    /// Literal text, printed as it is.
    case text(String)
    /// `{{name}}` (escaped) or `{{{name}}}` / `{{&name}}` (raw).
    case variable(FieldName, escaped: Bool, at: SourceLocation)
    /// `{{#name}}…{{/name}}` or, inverted, `{{^name}}…{{/name}}`.
    case section(FieldName, inverted: Bool, children: [TemplateNode], at: SourceLocation)
    /// `{{>name}}`; `indent` is the whitespace before a standalone partial tag.
    case partial(String, indent: String, at: SourceLocation)
}
