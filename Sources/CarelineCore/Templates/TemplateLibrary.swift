import Foundation

/// The templates of one folder (`Templates/`): finds a template by name and locale, with its partials from
/// `partials/`.
///
/// Locale fallback: `zh-CN` → `zh` → the file with no locale. Partials follow the same chain from the
/// template's locale.
public struct TemplateLibrary: Sendable {
    /// One template file in the folder.
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var locale: String?
        /// The path as shown to people: the folder as configured plus the file name.
        public var file: String
    }

    /// The folder, as configured (shown in messages).
    public let directory: String
    /// Every template file, sorted by name then locale.
    public let entries: [Entry]
    /// The `partials/` folder.
    public let partials: PartialFolder

    /// Scans a folder.
    ///
    /// - Throws: ``TemplateError`` with code `notFound` when the folder does not exist.
    public init(directory: String) throws(TemplateError) {
        self.directory = directory
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TemplateError(
                .notFound, file: directory, location: nil,
                message: "template folder not found; create it or set [paths] templates in careline.toml")
        }
        entries = Self.scan(directory)
        partials = PartialFolder(directory: (directory as NSString).appendingPathComponent("partials"))
    }

    static func scan(_ path: String) -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { fileName -> Entry? in
            guard let parsed = TemplateFileName(fileName) else { return nil }
            return Entry(
                name: parsed.name, locale: parsed.locale,
                file: (path as NSString).appendingPathComponent(fileName))
        }
        .sorted { ($0.name, $0.locale ?? "") < ($1.name, $1.locale ?? "") }
    }

    /// The distinct template names.
    public var names: [String] {
        var seen: Set<String> = []
        return entries.map(\.name).filter { seen.insert($0).inserted }
    }

    /// The file for `name` in `locale`, following the fallback chain.
    ///
    /// - Throws: ``TemplateError`` `notFound`, naming what exists instead.
    public func entry(name: String, locale: String?) throws(TemplateError) -> Entry {
        let candidates = entries.filter { $0.name == name }
        guard !candidates.isEmpty else {
            let hint = Suggestion.closest(to: name, in: names).map { " — did you mean \($0)?" } ?? ""
            throw TemplateError(
                .notFound, file: directory, location: nil,
                message: "no template named \"\(name)\"\(hint) (templates: \(names.joined(separator: ", ")))")
        }
        for wanted in TemplateFileName.fallbacks(for: locale) {
            if let found = candidates.first(where: { TemplateFileName.same($0.locale, wanted) }) {
                return found
            }
        }
        let available = candidates.map { $0.locale ?? "(no locale)" }.joined(separator: ", ")
        throw TemplateError(
            .notFound, file: directory, location: nil,
            message:
                "template \"\(name)\" has no variant for locale \(locale ?? "(none)") (it has: \(available)); "
                + "add \(name).\(locale ?? "LOCALE").mustache or a \(name).mustache fallback")
    }

    /// Loads and compiles `name` for `locale`.
    public func load(name: String, locale: String?) throws(TemplateError) -> MessageTemplate {
        try load(try entry(name: name, locale: locale))
    }

    /// Loads and compiles one entry, with its partials in the entry's locale.
    public func load(_ entry: Entry) throws(TemplateError) -> MessageTemplate {
        let text = try Self.read(entry.file)
        return try MessageTemplate(text: text, file: entry.file, locale: entry.locale) {
            (partial: String) throws(TemplateError) -> Template.PartialSource? in
            try partials.partial(named: partial, locale: entry.locale)
        }
    }

    /// Reads a UTF-8 text file.
    ///
    /// - Throws: ``TemplateError`` `notFound` or `data` (not UTF-8).
    public static func read(_ path: String) throws(TemplateError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TemplateError(
                .notFound, file: path, location: nil, message: "file not found or not readable")
        }
        if let bad = SourceLocation.firstInvalidUTF8(in: data) {
            throw TemplateError(
                .data, file: path, location: bad.location,
                message: SourceLocation.notUTF8Message(byte: bad.byte))
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A folder of partials: `<name>.<locale>.mustache` or `<name>.mustache`.
public struct PartialFolder: Sendable {
    public let directory: String
    public let entries: [TemplateLibrary.Entry]

    /// Scans `directory`; a folder that does not exist has no partials.
    public init(directory: String) {
        self.directory = directory
        self.entries =
            FileManager.default.fileExists(atPath: directory) ? TemplateLibrary.scan(directory) : []
    }

    /// The partial `name` for `locale`, following the fallback chain (`zh-CN` → `zh` → no locale).
    ///
    /// One final line break of the file is not part of the partial.
    public func partial(named name: String, locale: String?) throws(TemplateError) -> Template.PartialSource?
    {
        let candidates = entries.filter { $0.name == name }
        for wanted in TemplateFileName.fallbacks(for: locale) {
            if let found = candidates.first(where: { TemplateFileName.same($0.locale, wanted) }) {
                let text = try TemplateLibrary.read(found.file)
                return Template.PartialSource(
                    text: MessageTemplate.trimmingFinalLineBreak(text), file: found.file)
            }
        }
        return nil
    }
}
