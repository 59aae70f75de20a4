/// The language a message template is written in; it decides the words of derived fields.
public enum MessageLanguage: String, Sendable, Hashable, CaseIterable {
    /// Chinese (simplified texts, also used for `zh-TW` / `zh-HK`).
    case zh
    /// English, the fallback for every other locale.
    case en

    /// Reads a locale tag: `zh`, `zh-CN`, `zh_TW`, `zh-Hans-CN` (any case, trimmed) give `.zh`;
    /// anything else, including `nil` and the empty string, gives `.en`.
    /// - Parameter locale: a BCP 47 or POSIX locale tag.
    public init(locale: String?) {
        let tag = locale.map { NameText.normalized($0).lowercased() } ?? ""
        self = tag == "zh" || tag.hasPrefix("zh-") || tag.hasPrefix("zh_") ? .zh : .en
    }
}

/// A patient's gender as far as forms of address need it; "unknown" is `nil` (an optional `Gender`).
public enum Gender: String, Sendable, Hashable, CaseIterable {
    /// Addressed as 女士 / 阿姨 / Ms.
    case female
    /// Addressed as 先生 / 叔叔 / Mr.
    case male

    /// Parses `F`, `female`, `女` / `M`, `male`, `男` (case-insensitive, surrounding whitespace ignored).
    ///
    /// Returns `nil` (unknown) for anything else, including the empty string.
    /// - Parameter text: the gender column of a patient record.
    public init?(parsing text: String) {
        switch NameText.normalized(text).lowercased() {
        case "f", "female", "女": self = .female
        case "m", "male", "男": self = .male
        default: return nil
        }
    }
}

/// Forms of address for a patient (`patient.honorific`, `patient.honorific_warm`).
///
/// Rules:
/// - Names are trimmed and runs of whitespace inside them count as one space. An empty name gives `""`
///   (the renderer treats that as a missing field), even when a family name is given.
/// - A given, non-blank `familyName` always wins over the one derived from the name.
/// - Which family-name rule applies depends on the script of the name, not on the template language:
///   a name whose first letter is Chinese, Japanese or Korean uses the East Asian rule (family name first),
///   any other name the Western rule (family name last). So a zh template gets `Smith先生` and an en
///   template `Ms. 王`.
/// - East Asian rule: the first character, or the first two when they are a known compound surname
///   (`compoundSurnames`, simplified and traditional forms) *and* at least one character follows them:
///   `东方明` → 东方, but `王东方` → 王 and the two-character name `单于` → 单 (a compound surname needs a
///   given name after it). Whitespace inside the name is ignored for this. Korean compound surnames in
///   Hangul (`남궁`, `황보`, …) count too. Japanese names (mostly two-character family names such as
///   `山田`) cannot be told apart from Chinese ones: pass `familyName` for them.
/// - Names with a separating dot (`·`, `・`, `•`, `‧`, `･`, and `.`/`．` between East Asian characters), as in
///   transliterated minority or foreign names like `阿卜杜拉·买买提`, have no family name that can be
///   guessed safely (in Uyghur names the second part is the father's name). Their honorific uses the full
///   name: `阿卜杜拉·买买提先生` / `Mr. 阿卜杜拉·买买提`, and the warm form falls back to it.
/// - Western rule: the last word plus the lower-case particles right before it (`van`, `von`, `de`, `da`,
///   `del`, `der`, `di`, `du`, `la`, `le`): `Maria de la Cruz` → `de la Cruz`. Trailing suffixes
///   (`Jr.`, `Sr.`, `II`, `III`, `IV`, `MD`, `PhD`, `Esq.`) are skipped, and `Family, Given` (a comma not
///   followed by a suffix) gives the part before the comma. Capitalised particles (`Martin Van Buren`) are
///   not kept: pass `familyName` for such cases, and for family-first names written in Latin letters
///   (`Wang Fang`, `Nguyen Van An`).
/// - Unknown gender gives the full name in every language; the warm zh form additionally needs an age.
public enum Honorific {
    /// The family name in a full name, or `nil` for an empty name or a dot-separated name.
    ///
    /// See the type documentation for the rules.
    /// - Parameters:
    ///   - fullName: the patient's name as recorded.
    ///   - language: the template language; only used when the name contains no letters at all.
    /// - Returns: the family name, e.g. `王`, `欧阳`, `Smith`, `van Dyke`.
    public static func familyName(of fullName: String, language: MessageLanguage) -> String? {
        NameText.withBytes(of: fullName) { name in
            let range = name.trimmed(name.all)
            guard !range.isEmpty else { return nil }
            let eastAsian = name.firstLetter(in: range).map(NameText.isEastAsian) ?? (language == .zh)
            return eastAsian ? name.eastAsianFamilyName(in: range) : name.westernFamilyName(in: range)
        }
    }

    /// The formal form of address (`patient.honorific`).
    ///
    /// zh: family name + 先生 / 女士 (`王女士`); en: `Mr. Wang` / `Ms. Wang`; unknown gender: the full name.
    /// - Parameters:
    ///   - name: the patient's full name.
    ///   - familyName: the `family_name` field; `nil` or blank means "derive it from `name`".
    ///   - gender: the parsed gender, `nil` when unknown.
    ///   - language: the template language.
    /// - Returns: the form of address, or `""` when `name` is blank.
    public static func formal(
        name: String, familyName: String?, gender: Gender?, language: MessageLanguage
    ) -> String {
        let fullName = NameText.normalized(name)
        guard !fullName.isEmpty else { return "" }
        guard let gender else { return fullName }
        let family = resolvedFamilyName(familyName, fullName: fullName, language: language) ?? fullName
        switch language {
        case .zh: return family + (gender == .female ? "女士" : "先生")
        case .en: return (gender == .female ? "Ms. " : "Mr. ") + family
        }
    }

    /// The warm form of address (`patient.honorific_warm`).
    ///
    /// zh, for patients aged 50 or more on the send date: family name + 阿姨 / 叔叔 (`王阿姨`); in every other
    /// case (younger, unknown age or gender, no family name, en) the formal form.
    /// - Parameters:
    ///   - name: the patient's full name.
    ///   - familyName: the `family_name` field; `nil` or blank means "derive it from `name`".
    ///   - gender: the parsed gender, `nil` when unknown.
    ///   - age: completed years on the send date (see `LocalDate.age(on:)`), `nil` when unknown.
    ///   - language: the template language.
    /// - Returns: the form of address, or `""` when `name` is blank.
    public static func warm(
        name: String, familyName: String?, gender: Gender?, age: Int?, language: MessageLanguage
    ) -> String {
        let fullName = NameText.normalized(name)
        guard language == .zh, !fullName.isEmpty, let gender, let age, age >= warmAge,
            let family = resolvedFamilyName(familyName, fullName: fullName, language: language)
        else {
            return formal(name: name, familyName: familyName, gender: gender, language: language)
        }
        return family + (gender == .female ? "阿姨" : "叔叔")
    }

    /// Both forms of address at once: what ``formal(name:familyName:gender:language:)`` and
    /// ``warm(name:familyName:gender:age:language:)`` return, with the name normalized and the family name
    /// found once instead of up to three times (this runs for every queued message).
    /// - Parameters:
    ///   - name: the patient's full name.
    ///   - familyName: the `family_name` field; `nil` or blank means "derive it from `name`".
    ///   - gender: the parsed gender, `nil` when unknown.
    ///   - age: completed years on the send date, `nil` when unknown.
    ///   - language: the template language.
    /// - Returns: the formal and the warm form, both `""` when `name` is blank.
    static func forms(
        name: String, familyName: String?, gender: Gender?, age: Int?, language: MessageLanguage
    ) -> (formal: String, warm: String) {
        let fullName = NameText.normalized(name)
        guard !fullName.isEmpty else { return ("", "") }
        guard let gender else { return (fullName, fullName) }
        let resolved = resolvedFamilyName(familyName, fullName: fullName, language: language)
        let family = resolved ?? fullName
        let formal: String
        switch language {
        case .zh: formal = family + (gender == .female ? "女士" : "先生")
        case .en: formal = (gender == .female ? "Ms. " : "Mr. ") + family
        }
        guard language == .zh, let age, age >= warmAge, let resolved else { return (formal, formal) }
        return (formal, resolved + (gender == .female ? "阿姨" : "叔叔"))
    }

    /// The warm form of address for a patient with a birth date, aged on the send date.
    /// - Parameters:
    ///   - name: the patient's full name.
    ///   - familyName: the `family_name` field; `nil` or blank means "derive it from `name`".
    ///   - gender: the parsed gender, `nil` when unknown.
    ///   - birthDate: the birth date, `nil` when unknown.
    ///   - sendDate: the send date in the patient's zone.
    ///   - language: the template language.
    /// - Returns: the form of address, or `""` when `name` is blank.
    public static func warm(
        name: String, familyName: String?, gender: Gender?, birthDate: LocalDate?, on sendDate: LocalDate,
        language: MessageLanguage
    ) -> String {
        warm(
            name: name, familyName: familyName, gender: gender, age: birthDate?.age(on: sendDate),
            language: language)
    }

    /// The age from which the zh warm form (阿姨 / 叔叔) is used.
    public static let warmAge = 50

    /// Chinese compound surnames (复姓) recognised by the family-name rule, simplified and traditional.
    public static let compoundSurnames: Set<String> = Set(
        (simplifiedCompounds + " " + traditionalCompounds).split(separator: " ").map(String.init))

    // The common 复姓 (百家姓 and a few frequent later ones), simplified.
    private static let simplifiedCompounds = """
        欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 夏侯 令狐 宇文 长孙 司徒 司空 端木 独孤 南宫 西门 轩辕 \
        呼延 百里 东郭 闻人 万俟 澹台 公冶 太史 申屠 钟离 宗政 濮阳 淳于 单于 赫连 太叔 仲孙 叔孙 公羊 拓跋 \
        夹谷 宰父 谷梁 段干 巫马 公西 漆雕 乐正 壤驷 公良 亓官 司寇 子车 颛孙 梁丘 左丘 东门 第五 羊舌 微生 \
        闾丘 鲜于 归海 南门 即墨 达奚 褚师 东野 东里 相里 纳兰 完颜 耶律 公仪 南荣 子桑 公乘 主父
        """
    // Traditional forms of those that differ.
    private static let traditionalCompounds = """
        歐陽 司馬 諸葛 東方 尉遲 公孫 長孫 獨孤 南宮 西門 軒轅 東郭 聞人 萬俟 澹臺 鍾離 鐘離 濮陽 單于 赫連 \
        仲孫 叔孫 夾谷 穀梁 巫馬 樂正 壤駟 子車 顓孫 東門 閭丘 鮮于 歸海 南門 達奚 褚師 東野 東里 納蘭 完顏 \
        公儀 南榮
        """
    // Korean two-syllable surnames, for Hangul names.
    private static let koreanCompounds: Set<String> = ["남궁", "황보", "제갈", "선우", "독고", "사공", "서문"]

    // The compound surnames as pairs of scalars packed into one number, for a lookup without hashing text.
    fileprivate static let compoundKeys: Set<UInt64> = Set(
        compoundSurnames.union(koreanCompounds).map { pair in
            let scalars = Array(pair.unicodeScalars)
            return UInt64(scalars[0].value) << 32 | UInt64(scalars[1].value)
        })

    private static func resolvedFamilyName(
        _ given: String?, fullName: String, language: MessageLanguage
    ) -> String? {
        if let given {
            let family = NameText.normalized(given)
            if !family.isEmpty { return family }
        }
        return Self.familyName(of: fullName, language: language)
    }
}

/// Name analysis on the UTF-8 bytes of a name.
///
/// Works on byte offsets rather than `String.Index` because index arithmetic on string views dominated
/// the cost of a form of address. Swift strings are always valid UTF-8, so decoding needs no error paths.
private struct NameText {
    /// The UTF-8 bytes of the name.
    let bytes: UnsafeBufferPointer<UInt8>

    /// Every byte offset of the name.
    var all: Range<Int> { 0..<bytes.count }

    /// Runs `body` on the UTF-8 bytes of a string.
    static func withBytes<Result>(of text: String, _ body: (NameText) -> Result) -> Result {
        var text = text
        return text.withUTF8 { body(NameText(bytes: $0)) }
    }

    /// The text trimmed, with every inner run of whitespace replaced by one space.
    static func normalized(_ text: String) -> String {
        withBytes(of: text) { $0.normalizedText($0.trimmed($0.all)) }
    }

    // MARK: Decoding

    /// The scalar value that starts at `offset`, and the offset after it.
    func scalar(at offset: Int) -> (value: UInt32, next: Int) {
        let lead = UInt32(bytes[offset])
        if lead < 0x80 { return (lead, offset + 1) }
        func trail(_ index: Int) -> UInt32 { UInt32(bytes[offset + index]) & 0x3F }
        if lead < 0xE0 { return ((lead & 0x1F) << 6 | trail(1), offset + 2) }
        if lead < 0xF0 { return ((lead & 0x0F) << 12 | trail(1) << 6 | trail(2), offset + 3) }
        return ((lead & 0x07) << 18 | trail(1) << 12 | trail(2) << 6 | trail(3), offset + 4)
    }

    /// The offset where the scalar that ends at `offset` starts.
    func scalarStart(before offset: Int) -> Int {
        var start = offset - 1
        while bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return start
    }

    /// The text of a range of bytes.
    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    // MARK: Whitespace and words

    /// The range without leading and trailing whitespace.
    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        while lower < range.upperBound {
            let (value, next) = scalar(at: lower)
            guard NameText.isWhitespace(value) else { break }
            lower = next
        }
        var upper = range.upperBound
        while upper > lower {
            let start = scalarStart(before: upper)
            guard NameText.isWhitespace(scalar(at: start).value) else { break }
            upper = start
        }
        return lower..<upper
    }

    /// The text of a trimmed range with every inner run of whitespace replaced by one space.
    func normalizedText(_ range: Range<Int>) -> String {
        var offset = range.lowerBound
        var previousIsSpace = false
        while offset < range.upperBound {
            let (value, next) = scalar(at: offset)
            let isSpace = NameText.isWhitespace(value)
            if isSpace && (previousIsSpace || value != 0x20) {
                return words(in: range).map(text).joined(separator: " ")
            }
            previousIsSpace = isSpace
            offset = next
        }
        return text(range)
    }

    /// The whitespace-separated words in a range.
    func words(in range: Range<Int>) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var end = range.upperBound
        while let word = word(in: range, before: end) {
            words.append(word)
            end = word.lowerBound
        }
        return words.reversed()
    }

    /// The last whitespace-separated word in `range` that ends at or before `end`.
    func word(in range: Range<Int>, before end: Int) -> Range<Int>? {
        var upper = end
        while upper > range.lowerBound {
            let start = scalarStart(before: upper)
            guard NameText.isWhitespace(scalar(at: start).value) else { break }
            upper = start
        }
        guard upper > range.lowerBound else { return nil }
        var lower = scalarStart(before: upper)
        while lower > range.lowerBound {
            let start = scalarStart(before: lower)
            if NameText.isWhitespace(scalar(at: start).value) { break }
            lower = start
        }
        return lower..<upper
    }

    /// The first letter (of any script) in a range.
    func firstLetter(in range: Range<Int>) -> UInt32? {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let (value, next) = scalar(at: offset)
            if NameText.isLetter(value) { return value }
            offset = next
        }
        return nil
    }

    // MARK: Family names

    /// The East Asian rule: the first letter, or the first two when they are a compound surname and more
    /// follows; `nil` for dot-separated names.
    func eastAsianFamilyName(in range: Range<Int>) -> String? {
        // Whitespace is skipped; combining marks and variation selectors stay with the letter before them.
        var first: (value: UInt32, range: Range<Int>)?
        var second: (value: UInt32, range: Range<Int>)?
        var count = 0
        var previousIsEastAsian = false
        var offset = range.lowerBound
        while offset < range.upperBound {
            let (value, next) = scalar(at: offset)
            if NameText.isWhitespace(value) {
                offset = next
                continue
            }
            if NameText.isNameDot(value) || (previousIsEastAsian && (value == 0x2E || value == 0xFF0E)) {
                return nil
            }
            var end = next
            while end < range.upperBound {
                let (following, afterFollowing) = scalar(at: end)
                guard NameText.isExtending(following) else { break }
                end = afterFollowing
            }
            if count == 0 {
                first = (value, offset..<end)
            } else if count == 1 {
                second = (value, offset..<end)
            }
            count += 1
            previousIsEastAsian = NameText.isEastAsian(value)
            offset = end
        }
        guard let first else { return nil }
        if count >= 3, let second,
            Honorific.compoundKeys.contains(UInt64(first.value) << 32 | UInt64(second.value))
        {
            return text(first.range) + text(second.range)
        }
        return text(first.range)
    }

    /// The Western rule: `Family, Given`, else the last word that is not a suffix with the lower-case
    /// particles before it.
    func westernFamilyName(in range: Range<Int>) -> String? {
        var main = range
        if bytes[range].contains(UInt8(ascii: ",")) {
            var parts: [Range<Int>] = []
            var partStart = range.lowerBound
            for offset in range where bytes[offset] == UInt8(ascii: ",") {
                parts.append(trimmed(partStart..<offset))
                partStart = offset + 1
            }
            parts.append(trimmed(partStart..<range.upperBound))
            parts.removeAll(where: \.isEmpty)
            while parts.count > 1, let last = parts.last, isSuffix(last) { parts.removeLast() }
            guard let first = parts.first else { return nil }
            if parts.count >= 2 { return normalizedText(first) }
            main = first
        }
        guard var last = word(in: main, before: main.upperBound) else { return nil }
        while isSuffix(last), let previous = word(in: main, before: last.lowerBound) { last = previous }
        var start = last.lowerBound
        while let previous = word(in: main, before: start), isParticle(previous) {
            start = previous.lowerBound
        }
        return normalizedText(start..<last.upperBound)
    }

    /// Whether a word is one of the lower-case particles `van von de da del der di du la le`.
    func isParticle(_ word: Range<Int>) -> Bool {
        guard word.count <= 3 else { return false }
        return NameText.particleKeys.contains(bytes[word].reduce(0) { $0 << 8 | UInt32($1) })
    }

    /// Whether a word is a name suffix such as `Jr.`, `III` or `PhD` (any case, dots ignored).
    func isSuffix(_ word: Range<Int>) -> Bool {
        NameText.suffixKey(bytes[word]).map(NameText.suffixKeys.contains) ?? false
    }

    private static let particleKeys: Set<UInt32> = Set(
        ["van", "von", "de", "da", "del", "der", "di", "du", "la", "le"].map {
            $0.utf8.reduce(0) { $0 << 8 | UInt32($1) }
        })

    private static let suffixKeys: Set<UInt64> = Set(
        ["jr", "sr", "ii", "iii", "iv", "md", "phd", "esq"].compactMap { suffixKey(Array($0.utf8)[...]) })

    /// Up to 7 ASCII letters, lower-cased and without dots, packed into a number; `nil` for other words.
    private static func suffixKey(_ word: some Collection<UInt8>) -> UInt64? {
        var key: UInt64 = 0
        var letters = 0
        for byte in word where byte != UInt8(ascii: ".") {
            letters += 1
            guard letters <= 7, byte < 0x80 else { return nil }
            key = key << 8 | UInt64(byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0))
        }
        return key
    }

    // MARK: Character classes

    /// Whether a scalar is Unicode white space (the fixed `White_Space` set, including U+3000).
    static func isWhitespace(_ value: UInt32) -> Bool {
        switch value {
        case 0x20, 0x09...0x0D, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default: false
        }
    }

    /// Whether a scalar is a letter of any script (Han ideographs included).
    static func isLetter(_ value: UInt32) -> Bool {
        switch value {
        case 0x41...0x5A, 0x61...0x7A: true
        case 0...0x7F: false
        default: isHanOrHangulSyllable(value) || (Unicode.Scalar(value)?.properties.isAlphabetic ?? false)
        }
    }

    /// Whether a scalar attaches to the one before it (combining marks, variation selectors).
    static func isExtending(_ value: UInt32) -> Bool {
        value >= 0x300 && !isHanOrHangulSyllable(value)
            && (Unicode.Scalar(value)?.properties.isGraphemeExtend ?? false)
    }

    /// Han ideographs and precomposed Hangul syllables: the common case, answered without table lookups.
    static func isHanOrHangulSyllable(_ value: UInt32) -> Bool {
        switch value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0x20000...0x3FFFF: true
        default: false
        }
    }

    /// Whether a scalar belongs to a script that writes the family name first without spaces
    /// (Han ideographs, Japanese kana, Korean Hangul).
    static func isEastAsian(_ value: UInt32) -> Bool {
        switch value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3FFFF: true  // Han
        case 0x3040...0x30FF, 0x31F0...0x31FF: true  // kana
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: true  // Hangul
        default: false
        }
    }

    /// Whether a scalar is one of the middle dots that separate parts of transliterated names.
    static func isNameDot(_ value: UInt32) -> Bool {
        switch value {
        case 0x00B7, 0x30FB, 0x2022, 0x2027, 0xFF65, 0x2219, 0x22C5: true
        default: false
        }
    }
}
