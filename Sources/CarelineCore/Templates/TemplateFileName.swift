/// The parts of a template file name: `<name>.<locale>.mustache` or `<name>.mustache`.
public struct TemplateFileName: Sendable, Hashable {
    public var name: String
    public var locale: String?

    /// Splits a file name; `nil` when it does not end in `.mustache` or has no name.
    public init?(_ fileName: String) {
        guard fileName.hasSuffix(".mustache") else { return nil }
        let stem = String(fileName.dropLast(".mustache".count))
        if let dot = stem.lastIndex(of: "."), Self.isLocale(stem[stem.index(after: dot)...]) {
            name = String(stem[..<dot])
            locale = String(stem[stem.index(after: dot)...])
        } else {
            name = stem
            locale = nil
        }
        if name.isEmpty { return nil }
    }

    /// A BCP 47-like tag: a 2-3 letter language, then letter/digit subtags joined by `-` or `_`.
    static func isLocale(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "_", omittingEmptySubsequences: false) }
        guard let language = parts.first, (2...3).contains(language.count),
            language.allSatisfy({ $0.isASCII && $0.isLetter })
        else { return false }
        return parts.dropFirst().allSatisfy { part in
            (2...8).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }

    /// The locales to try for `locale`, most specific first, ending with `nil` (no locale):
    /// `zh-CN` → `zh-CN`, `zh`, none.
    public static func fallbacks(for locale: String?) -> [String?] {
        guard let locale, !locale.isEmpty else { return [nil] }
        var parts = locale.replacingOccurrences(of: "_", with: "-").split(separator: "-").map(String.init)
        var chain: [String?] = []
        while !parts.isEmpty {
            chain.append(parts.joined(separator: "-"))
            parts.removeLast()
        }
        chain.append(nil)
        return chain
    }

    /// Whether two locale tags name the same locale (`zh_CN` = `zh-cn` = `zh-CN`).
    static func same(_ a: String?, _ b: String?) -> Bool {
        func key(_ text: String?) -> String? { text?.lowercased().replacingOccurrences(of: "_", with: "-") }
        return key(a) == key(b)
    }
}
