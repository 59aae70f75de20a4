/// The recursive-descent TOML 1.0 parser behind ``TOML/parse(_:)``.
///
/// It reads the document as an array of Unicode scalars with an integer cursor, builds a mutable tree of
/// ``TableBox`` objects that remember how each table was created (the rules for redefining tables depend
/// on it), and freezes the tree into ``TOMLTable`` values at the end. Recursion only happens for nested
/// arrays and inline tables and is bounded by ``TOML/maximumDepth``.
struct TOMLParser {
    private let scalars: [Unicode.Scalar]
    private let lineStarts: [Int]
    private var index = 0
    private var sectionCount = 0

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var lineStarts = [0]
        for (offset, scalar) in scalars.enumerated() where scalar == "\n" {
            lineStarts.append(offset + 1)
        }
        self.scalars = scalars
        self.lineStarts = lineStarts
    }

    // MARK: - Document structure

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        let root = TableBox(kind: .header, location: SourceLocation(line: 1, column: 1), depth: 0)
        var section = root
        var sectionPath: [PathComponent] = []
        var sectionID = newSectionID()
        while index < scalars.count {
            skipWhitespace()
            guard let scalar = current else { break }
            switch scalar {
            case "#", "\n", "\r":
                try expectEndOfLine(after: "")
            case "[":
                (section, sectionPath) = try parseHeader(root: root)
                sectionID = newSectionID()
                try expectEndOfLine(after: "the table header")
            default:
                let path = try parseKeyValue(into: section, path: sectionPath, sectionID: sectionID)
                try expectEndOfLine(after: "the value of \(Self.quoted(path))")
            }
        }
        return root.freeze()
    }

    private mutating func newSectionID() -> Int {
        sectionCount += 1
        return sectionCount
    }

    /// Parses `[a.b]` or `[[a.b]]` and returns the table that following key/value pairs go into.
    private mutating func parseHeader(root: TableBox) throws(TOMLError) -> (TableBox, [PathComponent]) {
        let headerStart = index
        let headerLocation = location(of: headerStart)
        index += 1
        let isArray = current == "["
        if isArray { index += 1 }
        skipWhitespace()
        let keys = try parseKey()
        skipWhitespace()
        if isArray {
            guard current == "]", peek(1) == "]" else {
                throw error(at: index, "expected ']]' to close the array-of-tables header, found \(found())")
            }
            index += 2
        } else {
            guard current == "]" else {
                throw error(at: index, "expected ']' to close the table header, found \(found())")
            }
            index += 1
        }
        guard let last = keys.last else {
            throw error(at: headerStart, "expected a key in the table header")
        }

        var table = root
        var path: [PathComponent] = []
        for key in keys.dropLast() {
            path.append(.key(key.name))
            if let entry = table.entries[key.name] {
                switch entry.item {
                case .table(let box):
                    table = box
                case .tableArray(let array):
                    guard let element = array.elements.last else {
                        throw error(at: key.index, "internal error: empty array of tables")
                    }
                    path.append(.index(array.elements.count - 1))
                    table = element
                case .value(let value):
                    throw error(
                        at: key.index,
                        "cannot define table \(Self.quoted(keys.map { .key($0.name) })): \(Self.quoted(path))"
                            + " is already \(describe(value)) (defined at \(entry.keyLocation))")
                }
            } else {
                let box = try makeTable(.implicit, parent: table, key: key)
                table.insert(
                    key.name, Entry(keyLocation: key.location, location: key.location, item: .table(box)))
                table = box
            }
        }

        path.append(.key(last.name))
        if isArray {
            let element = try makeTable(.header, parent: table, key: last, location: headerLocation)
            if let entry = table.entries[last.name] {
                switch entry.item {
                case .tableArray(let array):
                    array.elements.append(element)
                    path.append(.index(array.elements.count - 1))
                case .value(.array):
                    throw error(
                        at: last.index,
                        "cannot append to array \(Self.quoted(path)) with [[…]]: it was defined as a static"
                            + " array at \(entry.keyLocation)")
                case .table:
                    throw error(
                        at: last.index,
                        "cannot define array of tables \(Self.quoted(path)): it is already a table"
                            + " (defined at \(entry.keyLocation))")
                case .value(let value):
                    throw error(
                        at: last.index,
                        "cannot define array of tables \(Self.quoted(path)): it is already \(describe(value))"
                            + " (defined at \(entry.keyLocation))")
                }
            } else {
                table.insert(
                    last.name,
                    Entry(
                        keyLocation: headerLocation, location: headerLocation,
                        item: .tableArray(TableArrayBox(element))))
                path.append(.index(0))
            }
            return (element, path)
        }

        if let entry = table.entries[last.name] {
            switch entry.item {
            case .table(let box):
                switch box.kind {
                case .implicit:
                    box.kind = .header
                    box.location = headerLocation
                    table.entries[last.name]?.keyLocation = headerLocation
                    table.entries[last.name]?.location = headerLocation
                    return (box, path)
                case .header:
                    throw error(
                        at: last.index,
                        "table \(Self.quoted(path)) is already defined at \(entry.keyLocation)")
                case .dotted:
                    throw error(
                        at: last.index,
                        "table \(Self.quoted(path)) is already defined by dotted keys at \(entry.keyLocation)"
                    )
                }
            case .tableArray:
                throw error(
                    at: last.index,
                    "cannot define table \(Self.quoted(path)): it is already an array of tables"
                        + " (defined at \(entry.keyLocation))")
            case .value(let value):
                throw error(
                    at: last.index,
                    "cannot define table \(Self.quoted(path)): it is already \(describe(value))"
                        + " (defined at \(entry.keyLocation))")
            }
        }
        let box = try makeTable(.header, parent: table, key: last, location: headerLocation)
        table.insert(
            last.name, Entry(keyLocation: headerLocation, location: headerLocation, item: .table(box)))
        return (box, path)
    }

    /// Parses `key = value` into `section` (dotted parts create tables below it) and returns the key's path.
    @discardableResult
    private mutating func parseKeyValue(
        into section: TableBox, path sectionPath: [PathComponent], sectionID: Int
    ) throws(TOMLError) -> [PathComponent] {
        let keys = try parseKey()
        var path = sectionPath
        skipWhitespace()
        guard current == "=" else {
            let keyPath = Self.quoted(path + keys.map { .key($0.name) })
            throw error(at: index, "expected '=' after key \(keyPath), found \(found())")
        }
        index += 1
        skipWhitespace()
        guard let last = keys.last else { throw error(at: index, "expected a key") }

        var table = section
        for key in keys.dropLast() {
            path.append(.key(key.name))
            if let entry = table.entries[key.name] {
                switch entry.item {
                case .table(let box):
                    switch box.kind {
                    case .implicit:
                        box.kind = .dotted(sectionID)
                    case .dotted(let id) where id == sectionID:
                        break
                    case .dotted:
                        throw error(
                            at: key.index,
                            "cannot add keys to table \(Self.quoted(path)) here: it was defined by dotted"
                                + " keys at \(entry.keyLocation) in another section")
                    case .header:
                        throw error(
                            at: key.index,
                            "cannot add keys to table \(Self.quoted(path)) with dotted keys: it is defined by"
                                + " a [table] header at \(entry.keyLocation)")
                    }
                    table = box
                case .tableArray:
                    throw error(
                        at: key.index,
                        "cannot add keys to \(Self.quoted(path)) with dotted keys: it is an array of tables"
                            + " (defined at \(entry.keyLocation))")
                case .value(let value):
                    throw error(
                        at: key.index,
                        "cannot add keys to \(Self.quoted(path)): it is already \(describe(value))"
                            + " (defined at \(entry.keyLocation))")
                }
            } else {
                let box = try makeTable(.dotted(sectionID), parent: table, key: key)
                table.insert(
                    key.name, Entry(keyLocation: key.location, location: key.location, item: .table(box)))
                table = box
            }
        }

        path.append(.key(last.name))
        if let entry = table.entries[last.name] {
            throw error(
                at: last.index, "duplicate key \(Self.quoted(path)) (first defined at \(entry.keyLocation))")
        }
        let valueStart = index
        let value = try parseValue(depth: table.depth + 1, path: path)
        let valueLocation = location(of: valueStart)
        table.insert(
            last.name, Entry(keyLocation: last.location, location: valueLocation, item: .value(value)))
        return path
    }

    private func makeTable(
        _ kind: TableBox.Kind, parent: TableBox, key: KeyPart, location: SourceLocation? = nil
    ) throws(TOMLError) -> TableBox {
        let depth = parent.depth + 1
        guard depth <= TOML.maximumDepth else {
            throw error(at: key.index, "tables are nested more than \(TOML.maximumDepth) levels deep")
        }
        return TableBox(kind: kind, location: location ?? key.location, depth: depth)
    }

    // MARK: - Keys

    private struct KeyPart {
        var name: String
        var index: Int
        var location: SourceLocation
    }

    /// Parses a simple or dotted key, allowing whitespace around the dots.
    private mutating func parseKey() throws(TOMLError) -> [KeyPart] {
        var parts: [KeyPart] = []
        while true {
            skipWhitespace()
            let start = index
            let name = try parseSimpleKey()
            parts.append(KeyPart(name: name, index: start, location: location(of: start)))
            guard parts.count <= TOML.maximumDepth else {
                throw error(at: start, "key has more than \(TOML.maximumDepth) dotted parts")
            }
            skipWhitespace()
            guard current == "." else { return parts }
            index += 1
        }
    }

    private mutating func parseSimpleKey() throws(TOMLError) -> String {
        guard let scalar = current else { throw error(at: index, "expected a key, found end of file") }
        switch scalar {
        case "\"":
            if peek(1) == "\"", peek(2) == "\"" {
                throw error(at: index, "a multi-line string cannot be used as a key")
            }
            return try parseBasicString(path: [])
        case "'":
            if peek(1) == "'", peek(2) == "'" {
                throw error(at: index, "a multi-line string cannot be used as a key")
            }
            return try parseLiteralString(path: [])
        default:
            let start = index
            while let next = current, Self.isBareKeyScalar(next) { index += 1 }
            guard index > start else {
                let hint =
                    "=.[]".unicodeScalars.contains(scalar) ? "" : " (bare keys may use A-Z a-z 0-9 - _)"
                throw error(at: index, "expected a key, found \(found())\(hint)")
            }
            return String(String.UnicodeScalarView(scalars[start..<index]))
        }
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int, path: [PathComponent]) throws(TOMLError) -> TOMLValue {
        guard depth <= TOML.maximumDepth else {
            throw error(
                at: index, "\(prefix(path))values are nested more than \(TOML.maximumDepth) levels deep")
        }
        guard let scalar = current else {
            throw error(at: index, "\(prefix(path))missing value, found end of file")
        }
        switch scalar {
        case "\"":
            if peek(1) == "\"", peek(2) == "\"" {
                return .string(try parseMultilineBasicString(path: path))
            }
            return .string(try parseBasicString(path: path))
        case "'":
            if peek(1) == "'", peek(2) == "'" {
                return .string(try parseMultilineLiteralString(path: path))
            }
            return .string(try parseLiteralString(path: path))
        case "[":
            return try parseArray(depth: depth, path: path)
        case "{":
            return try parseInlineTable(depth: depth, path: path)
        default:
            return try parseBareValue(path: path)
        }
    }

    private mutating func parseArray(depth: Int, path: [PathComponent]) throws(TOMLError) -> TOMLValue {
        let open = index
        index += 1
        var elements: [TOMLNode] = []
        while true {
            try skipWhitespaceCommentsAndNewlines()
            guard let scalar = current else { throw unterminated("array", opened: open, path: path) }
            if scalar == "]" {
                index += 1
                return .array(elements)
            }
            let start = index
            var elementPath = path
            elementPath.append(.index(elements.count))
            let value = try parseValue(depth: depth + 1, path: elementPath)
            let valueLocation = location(of: start)
            elements.append(TOMLNode(value: value, keyLocation: valueLocation, location: valueLocation))
            try skipWhitespaceCommentsAndNewlines()
            guard let next = current else { throw unterminated("array", opened: open, path: path) }
            if next == "," {
                index += 1
            } else if next == "]" {
                index += 1
                return .array(elements)
            } else {
                throw error(
                    at: index, "\(prefix(path))expected ',' or ']' after an array element, found \(found())")
            }
        }
    }

    private mutating func parseInlineTable(depth: Int, path: [PathComponent]) throws(TOMLError) -> TOMLValue {
        let open = index
        index += 1
        let box = TableBox(kind: .header, location: location(of: open), depth: depth)
        let sectionID = newSectionID()
        skipWhitespace()
        if current == "}" {
            index += 1
            return .table(box.freeze())
        }
        while true {
            try checkInlineTableContinues(opened: open, path: path)
            try parseKeyValue(into: box, path: path, sectionID: sectionID)
            skipWhitespace()
            try checkInlineTableContinues(opened: open, path: path)
            if current == "}" {
                index += 1
                return .table(box.freeze())
            }
            guard current == "," else {
                throw error(
                    at: index, "\(prefix(path))expected ',' or '}' in the inline table, found \(found())")
            }
            index += 1
            skipWhitespace()
            if current == "}" {
                throw error(at: index, "\(prefix(path))trailing comma is not allowed in an inline table")
            }
        }
    }

    private func checkInlineTableContinues(opened open: Int, path: [PathComponent]) throws(TOMLError) {
        switch current {
        case nil:
            throw unterminated("inline table", opened: open, path: path)
        case "\n", "\r":
            throw error(
                at: index,
                "\(prefix(path))inline table opened at \(location(of: open)) must be closed on the same line")
        case "#":
            throw error(at: index, "\(prefix(path))comments are not allowed inside an inline table")
        default:
            return
        }
    }

    // MARK: - Strings

    private mutating func parseBasicString(path: [PathComponent]) throws(TOMLError) -> String {
        let open = index
        index += 1
        var text = String.UnicodeScalarView()
        while true {
            guard let scalar = current else { throw unterminated("string", opened: open, path: path) }
            switch scalar {
            case "\"":
                index += 1
                return String(text)
            case "\\":
                try parseEscape(into: &text, path: path)
            case "\n", "\r":
                throw error(
                    at: open, "\(prefix(path))string is not closed on its line (use \"\"\" for several lines)"
                )
            default:
                try checkStringScalar(scalar, path: path)
                text.append(scalar)
                index += 1
            }
        }
    }

    private mutating func parseMultilineBasicString(path: [PathComponent]) throws(TOMLError) -> String {
        let open = index
        index += 3
        skipNewlineAfterOpeningDelimiter()
        var text = String.UnicodeScalarView()
        while true {
            guard let scalar = current else {
                throw unterminated("multi-line string", opened: open, path: path)
            }
            switch scalar {
            case "\"":
                if try closeMultilineString(delimiter: "\"", into: &text) { return String(text) }
            case "\\":
                if try !skipLineEndingBackslash() {
                    try parseEscape(into: &text, path: path)
                }
            case "\n", "\r":
                try consumeNewline()
                text.append("\n")
            default:
                try checkStringScalar(scalar, path: path)
                text.append(scalar)
                index += 1
            }
        }
    }

    private mutating func parseLiteralString(path: [PathComponent]) throws(TOMLError) -> String {
        let open = index
        index += 1
        let start = index
        while true {
            guard let scalar = current else { throw unterminated("string", opened: open, path: path) }
            switch scalar {
            case "'":
                let text = String(String.UnicodeScalarView(scalars[start..<index]))
                index += 1
                return text
            case "\n", "\r":
                throw error(
                    at: open, "\(prefix(path))string is not closed on its line (use ''' for several lines)")
            default:
                try checkStringScalar(scalar, path: path)
                index += 1
            }
        }
    }

    private mutating func parseMultilineLiteralString(path: [PathComponent]) throws(TOMLError) -> String {
        let open = index
        index += 3
        skipNewlineAfterOpeningDelimiter()
        var text = String.UnicodeScalarView()
        while true {
            guard let scalar = current else {
                throw unterminated("multi-line string", opened: open, path: path)
            }
            switch scalar {
            case "'":
                if try closeMultilineString(delimiter: "'", into: &text) { return String(text) }
            case "\n", "\r":
                try consumeNewline()
                text.append("\n")
            default:
                try checkStringScalar(scalar, path: path)
                text.append(scalar)
                index += 1
            }
        }
    }

    private mutating func skipNewlineAfterOpeningDelimiter() {
        if current == "\n" {
            index += 1
        } else if current == "\r", peek(1) == "\n" {
            index += 2
        }
    }

    /// At a run of quote delimiters inside a multi-line string: appends up to two that belong to the
    /// content and reports whether the string closed (three quotes end it; five is the longest run).
    private mutating func closeMultilineString(
        delimiter: Unicode.Scalar, into text: inout String.UnicodeScalarView
    ) throws(TOMLError) -> Bool {
        var run = 0
        while peek(run) == delimiter { run += 1 }
        if run < 3 {
            for _ in 0..<run { text.append(delimiter) }
            index += run
            return false
        }
        let extra = min(run - 3, 2)
        for _ in 0..<extra { text.append(delimiter) }
        index += extra + 3
        return true
    }

    /// Skips `\` + optional whitespace + newline + all following whitespace and newlines; returns
    /// `false` (consuming nothing) when the backslash does not end its line.
    private mutating func skipLineEndingBackslash() throws(TOMLError) -> Bool {
        var offset = 1
        while peek(offset) == " " || peek(offset) == "\t" { offset += 1 }
        let endsLine = peek(offset) == "\n" || (peek(offset) == "\r" && peek(offset + 1) == "\n")
        guard endsLine else { return false }
        index += offset
        while let scalar = current {
            switch scalar {
            case " ", "\t":
                index += 1
            case "\n", "\r":
                try consumeNewline()
            default:
                return true
            }
        }
        return true
    }

    private mutating func parseEscape(
        into text: inout String.UnicodeScalarView, path: [PathComponent]
    ) throws(TOMLError) {
        let start = index
        guard let code = peek(1) else { throw error(at: start, "\(prefix(path))unterminated string") }
        index += 2
        switch code {
        case "b": text.append("\u{08}")
        case "t": text.append("\t")
        case "n": text.append("\n")
        case "f": text.append("\u{0C}")
        case "r": text.append("\r")
        case "\"": text.append("\"")
        case "\\": text.append("\\")
        case "u", "U":
            let width = code == "u" ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<width {
                guard let digit = current.flatMap(Self.hexDigitValue) else {
                    throw error(
                        at: start, "\(prefix(path))escape \\\(code) needs exactly \(width) hexadecimal digits"
                    )
                }
                value = value &* 16 &+ digit
                index += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error(
                    at: start,
                    "\(prefix(path))escape \\\(code) is not a Unicode scalar value"
                        + " (surrogate or above 10FFFF)")
            }
            text.append(scalar)
        default:
            throw error(
                at: start,
                "\(prefix(path))invalid escape sequence \\\(printable(code))"
                    + " (allowed: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)")
        }
    }

    private func checkStringScalar(_ scalar: Unicode.Scalar, path: [PathComponent]) throws(TOMLError) {
        if Self.isControl(scalar) && scalar != "\t" {
            throw error(
                at: index,
                "\(prefix(path))control character \(Self.codePoint(scalar)) must be escaped in a string")
        }
    }

    // MARK: - Numbers, booleans, dates and times

    private mutating func parseBareValue(path: [PathComponent]) throws(TOMLError) -> TOMLValue {
        let start = index
        while let scalar = current, Self.isValueTokenScalar(scalar) { index += 1 }
        if index - start == 10, Self.isDate(scalars[start..<index]), current == " ",
            let next = peek(1), Self.isDigit(next)
        {
            index += 1
            while let scalar = current, Self.isValueTokenScalar(scalar) { index += 1 }
        }
        let token = Array(scalars[start..<index])
        guard let first = token.first else {
            throw error(at: start, "\(prefix(path))missing value, found \(found())")
        }
        let word = token.count <= 5 ? String(String.UnicodeScalarView(token)) : ""
        switch word {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan": return .float(.nan)
        case "-nan": return .float(-Double.nan)
        case "True", "TRUE", "False", "FALSE":
            throw error(at: start, "\(prefix(path))booleans are written in lower case: true or false")
        default:
            break
        }
        if token.contains(":") || (token.count >= 10 && Self.isDate(token[0..<10])) {
            return .dateTime(try parseDateTime(token, start: start, path: path))
        }
        var body = token[...]
        if first == "+" || first == "-" { body = body.dropFirst() }
        guard let lead = body.first, Self.isDigit(lead) else {
            throw error(at: start, "\(prefix(path))invalid value (strings must be written in quotes)")
        }
        return try parseNumber(token, start: start, path: path)
    }

    private func parseNumber(
        _ token: [Unicode.Scalar], start: Int, path: [PathComponent]
    ) throws(TOMLError) -> TOMLValue {
        var body = token[...]
        var negative = false
        var signed = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            signed = true
            body = body.dropFirst()
        }
        if body.count >= 2, body.first == "0", let marker = body.dropFirst().first,
            let radix = Self.radix(marker)
        {
            guard !signed else {
                throw error(
                    at: start, "\(prefix(path))hexadecimal, octal and binary integers cannot have a sign")
            }
            let digits = body.dropFirst(2)
            guard Self.isDigitGroup(digits, radix: radix) else {
                throw error(at: start, "\(prefix(path))invalid base-\(radix) integer")
            }
            guard let value = Self.integer(digits, radix: radix, negative: false) else {
                throw error(at: start, "\(prefix(path))integer does not fit in 64 bits")
            }
            return .integer(value)
        }

        let fractionStart = body.firstIndex(where: { $0 == "." || $0 == "e" || $0 == "E" }) ?? body.endIndex
        let integerPart = body[..<fractionStart]
        guard Self.isDigitGroup(integerPart, radix: 10) else {
            throw error(at: start, "\(prefix(path))invalid number")
        }
        if integerPart.count > 1, integerPart.first == "0" {
            throw error(at: start, "\(prefix(path))leading zeros are not allowed in numbers")
        }
        if fractionStart == body.endIndex {
            guard let value = Self.integer(integerPart, radix: 10, negative: negative) else {
                throw error(at: start, "\(prefix(path))integer does not fit in 64 bits")
            }
            return .integer(value)
        }

        var rest = body[fractionStart...]
        if rest.first == "." {
            rest = rest.dropFirst()
            let exponentStart = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) ?? rest.endIndex
            guard Self.isDigitGroup(rest[..<exponentStart], radix: 10) else {
                throw error(at: start, "\(prefix(path))invalid float: a digit must follow the '.'")
            }
            rest = rest[exponentStart...]
        }
        if let marker = rest.first, marker == "e" || marker == "E" {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == "+" || sign == "-" { rest = rest.dropFirst() }
            guard Self.isDigitGroup(rest, radix: 10) else {
                throw error(at: start, "\(prefix(path))invalid float exponent")
            }
        } else if !rest.isEmpty {
            throw error(at: start, "\(prefix(path))invalid float")
        }
        let text = String(String.UnicodeScalarView(token.filter { $0 != "_" }))
        guard let value = Double(text) else { throw error(at: start, "\(prefix(path))invalid float") }
        return .float(value)
    }

    private func parseDateTime(
        _ token: [Unicode.Scalar], start: Int, path: [PathComponent]
    ) throws(TOMLError) -> TOMLDateTime {
        func digits(_ offset: Int, _ count: Int) -> Int? {
            guard offset >= 0, count > 0, offset + count <= token.count else { return nil }
            var value = 0
            for scalar in token[offset..<(offset + count)] {
                guard Self.isDigit(scalar) else { return nil }
                value = value * 10 + Int(scalar.value - 48)
            }
            return value
        }
        func at(_ offset: Int) -> Unicode.Scalar? { offset < token.count ? token[offset] : nil }
        let pfx = prefix(path)
        let hint = " (to write text, put it in quotes)"

        var result = TOMLDateTime()
        var offset = 0
        var hasDate = false
        if token.count >= 10, Self.isDate(token[0..<10]),
            let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2)
        {
            guard (1...12).contains(month) else { throw error(at: start, "\(pfx)month must be 01 to 12") }
            guard day >= 1, day <= Self.daysIn(month: month, year: year) else {
                throw error(at: start, "\(pfx)day is out of range for the month")
            }
            result.year = year
            result.month = month
            result.day = day
            hasDate = true
            offset = 10
            if token.count == 10 { return result }
            guard let separator = at(10), separator == "T" || separator == "t" || separator == " " else {
                throw error(at: start, "\(pfx)invalid date-time: expected 'T' between date and time")
            }
            offset = 11
        }

        let timeStart = offset
        guard let hour = digits(timeStart, 2), at(timeStart + 2) == ":",
            let minute = digits(timeStart + 3, 2)
        else {
            throw error(
                at: start, "\(pfx)invalid \(hasDate ? "date-time" : "time"), expected HH:MM:SS\(hint)")
        }
        guard at(timeStart + 5) == ":", let second = digits(timeStart + 6, 2) else {
            let detail = token.count == timeStart + 5 ? ": seconds are required" : ", expected HH:MM:SS"
            throw error(at: start, "\(pfx)invalid \(hasDate ? "date-time" : "time")\(detail)\(hint)")
        }
        guard hour <= 23 else { throw error(at: start, "\(pfx)hour must be 00 to 23") }
        guard minute <= 59 else { throw error(at: start, "\(pfx)minute must be 00 to 59") }
        guard second <= 59 else { throw error(at: start, "\(pfx)second must be 00 to 59") }
        result.hour = hour
        result.minute = minute
        result.second = second
        result.nanosecond = 0
        offset = timeStart + 8

        if at(offset) == "." {
            offset += 1
            var nanosecond = 0
            var count = 0
            while let scalar = at(offset), Self.isDigit(scalar) {
                if count < 9 { nanosecond = nanosecond * 10 + Int(scalar.value - 48) }
                count += 1
                offset += 1
            }
            guard count > 0 else {
                throw error(at: start, "\(pfx)invalid time: a digit must follow the '.'")
            }
            for _ in min(count, 9)..<9 { nanosecond *= 10 }
            result.nanosecond = nanosecond
        }

        if let marker = at(offset) {
            guard hasDate else {
                throw error(at: start, "\(pfx)invalid local time: unexpected text after the seconds\(hint)")
            }
            if marker == "Z" || marker == "z" {
                result.offsetMinutes = 0
                offset += 1
            } else if marker == "+" || marker == "-" {
                guard let hours = digits(offset + 1, 2), at(offset + 3) == ":",
                    let minutes = digits(offset + 4, 2)
                else {
                    throw error(at: start, "\(pfx)invalid time zone offset, expected Z or ±HH:MM")
                }
                guard hours <= 23, minutes <= 59 else {
                    throw error(at: start, "\(pfx)time zone offset is out of range")
                }
                let magnitude = hours * 60 + minutes
                result.offsetMinutes = marker == "-" ? -magnitude : magnitude
                offset += 6
            } else {
                throw error(at: start, "\(pfx)invalid time zone offset, expected Z or ±HH:MM")
            }
        }
        guard offset == token.count else {
            throw error(at: start, "\(pfx)unexpected text after the date-time\(hint)")
        }
        return result
    }

    // MARK: - Whitespace, comments and newlines

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        let position = index + offset
        return position < scalars.count ? scalars[position] : nil
    }

    private mutating func skipWhitespace() {
        while let scalar = current, scalar == " " || scalar == "\t" { index += 1 }
    }

    /// Consumes `\n` or `\r\n`; a lone `\r` is an error.
    private mutating func consumeNewline() throws(TOMLError) {
        if current == "\n" {
            index += 1
        } else if current == "\r", peek(1) == "\n" {
            index += 2
        } else {
            throw error(at: index, "carriage return must be followed by a line feed")
        }
    }

    private mutating func skipComment() throws(TOMLError) {
        index += 1
        while let scalar = current {
            if scalar == "\n" || (scalar == "\r" && peek(1) == "\n") { return }
            if scalar == "\r" { throw error(at: index, "carriage return must be followed by a line feed") }
            if Self.isControl(scalar) && scalar != "\t" {
                throw error(
                    at: index, "control character \(Self.codePoint(scalar)) is not allowed in a comment")
            }
            index += 1
        }
    }

    private mutating func skipWhitespaceCommentsAndNewlines() throws(TOMLError) {
        while let scalar = current {
            switch scalar {
            case " ", "\t":
                index += 1
            case "\n", "\r":
                try consumeNewline()
            case "#":
                try skipComment()
            default:
                return
            }
        }
    }

    /// Requires optional whitespace, an optional comment and then a newline or the end of the file.
    private mutating func expectEndOfLine(after what: @autoclosure () -> String) throws(TOMLError) {
        skipWhitespace()
        if current == "#" { try skipComment() }
        guard current != nil else { return }
        if current == "\n" || current == "\r" {
            try consumeNewline()
            return
        }
        let description = what()
        let context = description.isEmpty ? "" : " after \(description)"
        throw error(at: index, "expected a new line\(context), found \(found())")
    }

    // MARK: - Errors and positions

    private func location(of position: Int) -> SourceLocation {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= position {
                low = middle
            } else {
                high = middle - 1
            }
        }
        return SourceLocation(line: low + 1, column: position - lineStarts[low] + 1)
    }

    private func error(at position: Int, _ message: String) -> TOMLError {
        TOMLError(location: location(of: position), message: message)
    }

    private func unterminated(_ what: String, opened open: Int, path: [PathComponent]) -> TOMLError {
        error(at: index, "\(prefix(path))\(what) opened at \(location(of: open)) is not closed")
    }

    /// Describes the scalar at the cursor for "found …" in messages.
    private func found() -> String {
        guard let scalar = current else { return "end of file" }
        switch scalar {
        case "\n", "\r": return "end of line"
        default:
            if scalar.value > 0x7E { return "'\(scalar)' (\(Self.codePoint(scalar)))" }
            return "'\(printable(scalar))'"
        }
    }

    private func printable(_ scalar: Unicode.Scalar) -> String {
        Self.isControl(scalar) ? Self.codePoint(scalar) : String(scalar)
    }

    private func prefix(_ path: [PathComponent]) -> String {
        path.isEmpty ? "" : Self.render(path) + ": "
    }

    private static func quoted(_ path: [PathComponent]) -> String {
        "\"" + render(path) + "\""
    }

    /// A key path for messages, e.g. `window.hours[1]`; long paths keep their first two and last four keys.
    private static func render(_ path: [PathComponent]) -> String {
        var keyCount = 0
        for component in path {
            if case .key = component { keyCount += 1 }
        }
        var text = ""
        var keyNumber = 0
        var elided = false
        for component in path {
            switch component {
            case .key(let key):
                keyNumber += 1
                if keyCount > 8 && keyNumber > 2 && keyNumber <= keyCount - 4 {
                    if !elided { text += ".…" }
                    elided = true
                    continue
                }
                text += (text.isEmpty ? "" : ".") + displayKey(key)
            case .index(let position):
                if keyCount > 8 && keyNumber > 2 && keyNumber <= keyCount - 4 { continue }
                text += "[\(position)]"
            }
        }
        return text
    }

    private func describe(_ value: TOMLValue) -> String {
        switch value {
        case .table: "an inline table, which cannot be extended"
        case .array: "an array"
        case .integer: "an integer"
        default: "a \(value.typeName)"
        }
    }

    /// A key as written in a path: bare when possible, otherwise quoted with escapes.
    private static func displayKey(_ key: String) -> String {
        let limit = 40
        let scalars = key.unicodeScalars
        if !key.isEmpty, scalars.count <= limit, scalars.allSatisfy(Self.isBareKeyScalar) { return key }
        var text = "'"
        for scalar in scalars.prefix(limit) {
            text += Self.isControl(scalar) || scalar == "'" ? Self.codePoint(scalar) : String(scalar)
        }
        return text + (scalars.count > limit ? "…'" : "'")
    }

    // MARK: - Character classes

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    private static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 48 && scalar.value <= 57
    }

    private static func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "-", "_": true
        default: false
        }
    }

    private static func isValueTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "-", "_", "+", ".", ":": true
        default: false
        }
    }

    /// Whether ten scalars have the shape `DDDD-DD-DD`.
    private static func isDate(_ scalars: ArraySlice<Unicode.Scalar>) -> Bool {
        guard scalars.count == 10 else { return false }
        for (offset, scalar) in scalars.enumerated() {
            let ok = offset == 4 || offset == 7 ? scalar == "-" : isDigit(scalar)
            if !ok { return false }
        }
        return true
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }

    private static func hexDigitValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 48
        case "a"..."f": scalar.value - 87
        case "A"..."F": scalar.value - 55
        default: nil
        }
    }

    private static func radix(_ marker: Unicode.Scalar) -> UInt32? {
        switch marker {
        case "x": 16
        case "o": 8
        case "b": 2
        default: nil
        }
    }

    /// Digits of `radix` with single underscores only between digits.
    private static func isDigitGroup(_ scalars: ArraySlice<Unicode.Scalar>, radix: UInt32) -> Bool {
        guard let first = scalars.first, let last = scalars.last, first != "_", last != "_" else {
            return false
        }
        var previousWasUnderscore = false
        for scalar in scalars {
            if scalar == "_" {
                if previousWasUnderscore { return false }
                previousWasUnderscore = true
            } else {
                guard let digit = hexDigitValue(scalar), digit < radix else { return false }
                previousWasUnderscore = false
            }
        }
        return true
    }

    /// The value of validated digits, or `nil` when it does not fit in `Int64`.
    private static func integer(
        _ scalars: ArraySlice<Unicode.Scalar>, radix: UInt32, negative: Bool
    ) -> Int64? {
        var magnitude: UInt64 = 0
        for scalar in scalars where scalar != "_" {
            guard let digit = hexDigitValue(scalar) else { return nil }
            let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: UInt64(radix))
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(digit))
            if overflow || carry { return nil }
            magnitude = sum
        }
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }
}

// MARK: - Mutable tree used while parsing

extension TOMLParser {
    /// A table under construction, remembering how it was created.
    fileprivate final class TableBox {
        /// How a table came to exist; decides whether a later header or dotted key may extend it.
        enum Kind: Equatable {
            /// Created as a parent of a `[a.b]` header; a later `[a]` may still define it.
            case implicit
            /// Defined by a `[header]` (or the root, an array-of-tables element, an inline table).
            case header
            /// Created by dotted keys in the given section; only that section may add to it.
            case dotted(Int)
        }

        var kind: Kind
        var location: SourceLocation
        let depth: Int
        var order: [String] = []
        var entries: [String: Entry] = [:]

        init(kind: Kind, location: SourceLocation, depth: Int) {
            self.kind = kind
            self.location = location
            self.depth = depth
        }

        func insert(_ key: String, _ entry: Entry) {
            if entries.updateValue(entry, forKey: key) == nil { order.append(key) }
        }

        /// Converts this table and everything below it into immutable values.
        func freeze() -> TOMLTable {
            var frozen: [(key: String, node: TOMLNode)] = []
            frozen.reserveCapacity(order.count)
            for key in order {
                guard let entry = entries[key] else { continue }
                let value: TOMLValue
                switch entry.item {
                case .value(let plain):
                    value = plain
                case .table(let box):
                    value = .table(box.freeze())
                case .tableArray(let array):
                    value = .array(
                        array.elements.map { box in
                            let table = box.freeze()
                            return TOMLNode(
                                value: .table(table), keyLocation: box.location, location: box.location)
                        })
                }
                let node = TOMLNode(value: value, keyLocation: entry.keyLocation, location: entry.location)
                frozen.append((key: key, node: node))
            }
            return TOMLTable(location: location, entries: frozen)
        }
    }

    /// The elements of an array of tables, shared so that appending does not copy the array.
    fileprivate final class TableArrayBox {
        var elements: [TableBox]

        init(_ first: TableBox) {
            elements = [first]
        }
    }

    /// One step of a key path, kept unrendered until a message needs it.
    fileprivate enum PathComponent {
        /// A key of a table.
        case key(String)
        /// A position in an array (static or of tables).
        case index(Int)
    }

    /// One key of a ``TableBox``.
    fileprivate struct Entry {
        /// The contents of a key while parsing.
        enum Item {
            /// A finished value: scalar, static array or inline table (all immutable).
            case value(TOMLValue)
            /// A table that headers or dotted keys may still extend.
            case table(TableBox)
            /// An array of tables created by `[[header]]`; never empty.
            case tableArray(TableArrayBox)
        }

        var keyLocation: SourceLocation
        var location: SourceLocation
        var item: Item
    }
}
