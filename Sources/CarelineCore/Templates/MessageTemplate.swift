import Foundation

/// A template file, loaded: its name and locale, its front matter and its compiled body.
public struct MessageTemplate: Sendable {
    /// The name shared by all locales (`recheck-reminder`).
    public var name: String
    /// The file's locale (`zh-CN`), or `nil` for the locale-less fallback.
    public var locale: String?
    /// The file as shown in messages (the path as configured, not resolved).
    public var file: String
    public var frontMatter: FrontMatter
    /// The compiled body, with every partial it uses.
    public var template: Template
    /// The line on which the body starts (after the front matter).
    public var bodyFirstLine: Int
    /// The number of lines of the body.
    public var bodyLineCount: Int

    /// The language of derived texts: from the file's locale.
    public var language: MessageLanguage { MessageLanguage(locale: locale) }

    /// Parses a template file's text.
    ///
    /// - Parameters:
    ///   - text: the whole file.
    ///   - file: the path shown in errors.
    ///   - locale: overrides the locale taken from the file name.
    ///   - requirePartials: a missing partial is an error (care mode) or renders empty (spec mode).
    ///   - partial: finds a partial's text by name, given this template's locale.
    /// - Throws: ``TemplateError`` for front matter, syntax and partial problems.
    public init(
        text: String, file: String, locale: String?, requirePartials: Bool = true,
        partial: (String) throws(TemplateError) -> Template.PartialSource?
    ) throws(TemplateError) {
        let fileName = TemplateFileName((file as NSString).lastPathComponent)
        self.name = fileName?.name ?? (file as NSString).lastPathComponent
        self.locale = locale ?? fileName?.locale
        self.file = file
        let parts = try Self.split(text, file: file)
        self.frontMatter = parts.frontMatter
        self.bodyFirstLine = parts.bodyFirstLine
        self.bodyLineCount = parts.body.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        self.template = try Template(
            source: parts.body, file: file, firstLine: parts.bodyFirstLine, requirePartials: requirePartials,
            partial: partial)
    }

    /// Splits `+++` front matter from the body. One final line break of the file is not part of the body, so
    /// a file saved with a trailing newline does not send one.
    static func split(_ text: String, file: String) throws(TemplateError) -> (
        frontMatter: FrontMatter, body: String, bodyFirstLine: Int
    ) {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let body: String
        var frontMatter = FrontMatter()
        var firstLine = 1
        // Split on LF bytes: with CRLF files "\r\n" is one Character and a Character split would miss it.
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(Substring($0)) }
        if let first = lines.first, first.trimmingCharacters(in: .whitespacesAndNewlines) == "+++" {
            guard
                let closing = lines.indices.dropFirst().first(where: {
                    lines[$0].trimmingCharacters(in: .whitespacesAndNewlines) == "+++"
                })
            else {
                throw TemplateError(
                    .frontMatter, file: file, location: SourceLocation(line: 1, column: 1),
                    message: "front matter opened with +++ is never closed; add a line with +++ after it")
            }
            // A CRLF file leaves "\r" at each line end; TOML gets plain LF lines.
            let toml = lines[1..<closing].map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
                .joined(separator: "\n")
            let table: TOMLTable
            do throws(TOMLError) {
                table = try TOML.parse(toml)
            } catch {
                var location = error.location
                location.line += 1
                throw TemplateError(
                    .frontMatter, file: file, location: location, message: "front matter: \(error.message)")
            }
            frontMatter = try FrontMatter(table: table, file: file, lineOffset: 1)
            body = lines[(closing + 1)...].joined(separator: "\n")
            firstLine = closing + 2
        } else {
            body = text
        }
        return (frontMatter, trimmingFinalLineBreak(body), firstLine)
    }

    static func trimmingFinalLineBreak(_ text: String) -> String {
        var scalars = text.unicodeScalars[...]
        if scalars.last == "\n" {
            scalars = scalars.dropLast()
            if scalars.last == "\r" { scalars = scalars.dropLast() }
        }
        return String(scalars)
    }
}
