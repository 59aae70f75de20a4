/// A TOML table: keys in document order, each with its value and positions.
public struct TOMLTable: Sendable, Equatable {
    /// Where the table was opened: its `[header]`, the `{` of an inline table, the first key of a table
    /// created by dotted keys, or 1:1 for the document root.
    public var location: SourceLocation
    /// The keys in document order.
    public private(set) var keys: [String]
    private var nodes: [String: TOMLNode]

    /// Creates a table; when a key repeats, the later node replaces the earlier one in place.
    ///
    /// - Parameters:
    ///   - location: Where the table was opened.
    ///   - entries: The keys and nodes in document order.
    public init(
        location: SourceLocation = SourceLocation(line: 1, column: 1),
        entries: [(key: String, node: TOMLNode)] = []
    ) {
        self.location = location
        self.keys = []
        self.nodes = [:]
        for entry in entries {
            if nodes.updateValue(entry.node, forKey: entry.key) == nil {
                keys.append(entry.key)
            }
        }
    }

    /// The node stored under `key`, or `nil` when the table has no such key.
    public subscript(key: String) -> TOMLNode? { nodes[key] }

    /// The keys and nodes in document order.
    public var entries: [(key: String, node: TOMLNode)] {
        keys.compactMap { key in nodes[key].map { (key: key, node: $0) } }
    }

    /// Whether the table has no keys.
    public var isEmpty: Bool { keys.isEmpty }

    /// The number of keys.
    public var count: Int { keys.count }

    /// The node at a path of keys through nested tables, e.g. `["senders", "sms", "kind"]`.
    ///
    /// - Parameter path: Keys to follow; an empty path yields `nil`.
    /// - Returns: The node, or `nil` when a key is missing or an intermediate value is not a table.
    public func node(at path: [String]) -> TOMLNode? {
        guard let first = path.first, var node = nodes[first] else { return nil }
        for key in path.dropFirst() {
            guard case .table(let table) = node.value, let next = table.nodes[key] else { return nil }
            node = next
        }
        return node
    }
}
