/// The TOML block between two `+++` lines at the top of a template file.
///
/// ```
/// +++
/// description = "Recheck reminder after cataract surgery"
/// kind = "reminder"
/// max_segments = 2
/// [sample.patient]
/// name = "王芳"
/// recheck_date = 2026-12-03
/// +++
/// ```
public struct FrontMatter: Sendable, Equatable {
    /// A line for people choosing a template.
    public var description: String?
    /// What the message is for.
    public var kind: MessageKind
    /// The most SMS parts one rendered message may take (default 3).
    public var maxSegments: Int
    /// Sample field values, used by `templates check` and `templates preview`.
    public var sample: TemplateValue
    /// Where `sample` was written, for errors about it.
    public var sampleLocation: SourceLocation?

    public init(
        description: String? = nil, kind: MessageKind = .reminder, maxSegments: Int = 3,
        sample: TemplateValue = .object([:]), sampleLocation: SourceLocation? = nil
    ) {
        self.description = description
        self.kind = kind
        self.maxSegments = maxSegments
        self.sample = sample
        self.sampleLocation = sampleLocation
    }

    static let keys = ["description", "kind", "max_segments", "sample"]

    /// Reads front matter from parsed TOML.
    ///
    /// - Throws: ``TemplateError`` with code `frontMatter` naming the key and its line.
    init(table: TOMLTable, file: String, lineOffset: Int) throws(TemplateError) {
        func fail(_ node: TOMLNode, _ key: String, _ message: String) -> TemplateError {
            var location = node.location
            location.line += lineOffset
            return TemplateError(.frontMatter, file: file, location: location, message: "\(key): \(message)")
        }
        self.init()
        for (key, node) in table.entries {
            switch key {
            case "description":
                guard case .string(let text) = node.value else {
                    throw fail(node, key, "must be a string, not a \(node.value.typeName)")
                }
                description = text
            case "kind":
                guard case .string(let text) = node.value, let kind = MessageKind(rawValue: text) else {
                    let allowed = MessageKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                    throw fail(node, key, "must be one of \(allowed)")
                }
                self.kind = kind
            case "max_segments":
                guard case .integer(let count) = node.value, (1...10).contains(count) else {
                    throw fail(node, key, "must be a whole number from 1 to 10")
                }
                maxSegments = Int(count)
            case "sample":
                guard case .table = node.value else {
                    throw fail(node, key, "must be a table of field values, e.g. [sample.patient]")
                }
                sample = TemplateValue(toml: node.value)
                var location = node.keyLocation
                location.line += lineOffset
                sampleLocation = location
            default:
                var location = node.keyLocation
                location.line += lineOffset
                let hint = Suggestion.closest(to: key, in: Self.keys).map { " — did you mean \($0)?" } ?? ""
                throw TemplateError(
                    .frontMatter, file: file, location: location,
                    message:
                        "unknown front matter key \"\(key)\"\(hint) (known: \(Self.keys.joined(separator: ", ")))"
                )
            }
        }
    }
}

extension TemplateValue {
    /// Converts a TOML value: local dates become dates, tables become groups.
    init(toml value: TOMLValue) {
        switch value {
        case .string(let text): self = TemplateValue(text: text)
        case .integer(let number): self = .integer(Int(number))
        case .float(let number): self = .double(number)
        case .boolean(let flag): self = .bool(flag)
        case .dateTime(let stamp):
            if stamp.hour == nil, let year = stamp.year, let month = stamp.month, let day = stamp.day,
                let date = LocalDate(year: year, month: month, day: day)
            {
                self = .date(date)
            } else {
                self = .string(stamp.description)
            }
        case .array(let items): self = .array(items.map { TemplateValue(toml: $0.value) })
        case .table(let table):
            var members: [String: TemplateValue] = [:]
            for (key, node) in table.entries { members[key] = TemplateValue(toml: node.value) }
            self = .object(members)
        }
    }
}
