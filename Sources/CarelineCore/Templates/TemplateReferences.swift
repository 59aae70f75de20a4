/// A field name a template uses, with where it is and the sections around it.
public struct FieldReference: Sendable, Hashable {
    public var name: FieldName
    /// The names of the enclosing sections, outermost first (a name inside may be relative to them).
    public var sections: [FieldName]
    /// Whether it is a section or inverted section name (optional text) rather than an interpolation.
    public var isSection: Bool
    public var file: String
    public var location: SourceLocation
}

extension Template {
    /// Every field name used by the template and the partials it reaches (each partial once).
    public var fieldReferences: [FieldReference] {
        var references: [FieldReference] = []
        var visited: Set<String> = []
        func walk(_ nodes: [TemplateNode], file: String, sections: [FieldName]) {
            for node in nodes {
                switch node {
                case .text:
                    break
                case .variable(let name, _, let location):
                    references.append(
                        FieldReference(
                            name: name, sections: sections, isSection: false, file: file, location: location))
                case .section(let name, _, let children, let location):
                    references.append(
                        FieldReference(
                            name: name, sections: sections, isSection: true, file: file, location: location))
                    walk(children, file: file, sections: sections + [name])
                case .partial(let partial, _, _):
                    guard visited.insert(partial).inserted, let nodes = partials[partial] else { continue }
                    walk(nodes, file: partialFiles[partial] ?? file, sections: sections)
                }
            }
        }
        walk(nodes, file: file, sections: [])
        return references
    }

    /// A chain of partials that includes itself (`a → b → a`), or `nil`. Care messages must not recurse.
    public var partialCycle: (chain: [String], file: String, location: SourceLocation)? {
        var onPath: [String] = []
        var done: Set<String> = []
        func visit(_ nodes: [TemplateNode], file: String) -> (
            chain: [String], file: String, location: SourceLocation
        )? {
            for node in nodes {
                switch node {
                case .partial(let name, _, let location):
                    if let start = onPath.firstIndex(of: name) {
                        return (Array(onPath[start...]) + [name], file, location)
                    }
                    guard !done.contains(name), let children = partials[name] else { continue }
                    onPath.append(name)
                    if let found = visit(children, file: partialFiles[name] ?? file) { return found }
                    onPath.removeLast()
                    done.insert(name)
                case .section(_, _, let children, _):
                    if let found = visit(children, file: file) { return found }
                case .text, .variable:
                    break
                }
            }
            return nil
        }
        return visit(nodes, file: file)
    }
}
