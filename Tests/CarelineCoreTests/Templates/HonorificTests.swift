import Testing

@testable import CarelineCore

@Suite("MessageLanguage and Gender parsing")
struct MessageLanguageAndGenderTests {
    @Test(
        "locale tags",
        arguments: [
            ("zh", MessageLanguage.zh), ("zh-CN", .zh), ("zh_TW", .zh), ("zh-Hans-CN", .zh), ("ZH-cn", .zh),
            (" zh-HK ", .zh), ("en", .en), ("en-US", .en), ("fr", .en), ("", .en), ("zho", .en),
            ("zhx", .en), ("cmn", .en),
        ] as [(String, MessageLanguage)])
    func localeTags(tag: String, expected: MessageLanguage) {
        #expect(MessageLanguage(locale: tag) == expected)
    }

    @Test("a nil locale is English")
    func nilLocale() {
        #expect(MessageLanguage(locale: nil) == .en)
    }

    @Test(
        "gender values",
        arguments: [
            ("F", Gender.female), ("f", .female), ("female", .female), ("FEMALE", .female),
            (" Female\n", .female),
            ("女", .female), ("\u{3000}女 ", .female), ("M", .male), ("m", .male), ("male", .male),
            ("Male", .male), ("男", .male), (" m ", .male),
        ] as [(String, Gender)])
    func genderValues(text: String, expected: Gender) {
        #expect(Gender(parsing: text) == expected)
    }

    @Test(
        "unknown gender values", arguments: ["", "  ", "x", "u", "unknown", "女士", "fem", "other", "mf", "0"])
    func unknownGender(text: String) {
        #expect(Gender(parsing: text) == nil)
    }
}

@Suite("Family names")
struct FamilyNameTests {
    @Test(
        "Chinese names: first character or a compound surname",
        arguments: [
            ("王芳", "王"), ("李小龙", "李"), ("欧阳娜娜", "欧阳"), ("司马光", "司马"), ("诸葛亮", "诸葛"),
            ("上官婉儿", "上官"), ("东方明", "东方"), ("皇甫嵩", "皇甫"), ("尉迟恭", "尉迟"), ("公孙胜", "公孙"),
            ("慕容复", "慕容"), ("夏侯惇", "夏侯"), ("令狐冲", "令狐"), ("单于飞", "单于"), ("万俟卨", "万俟"),
            ("歐陽修", "歐陽"), ("司馬懿", "司馬"), ("鍾離春", "鍾離"),
            // A single surname followed by a given name that is itself a compound pair.
            ("王东方", "王"), ("张欧阳", "张"), ("李司马", "李"),
            // Whitespace is ignored for the rule; the name is trimmed.
            ("  王芳 ", "王"), ("欧阳 娜娜", "欧阳"), ("王 东方", "王"),
            // A compound surname needs a given name after it.
            ("单于", "单"), ("欧阳", "欧"),
            ("王", "王"),
            // Ideographic space; a variation selector stays with its character.
            ("王\u{3000}芳", "王"), ("葛\u{E0100}优", "葛\u{E0100}"),
            // Hangul: one syllable, or a Korean compound surname.
            ("김민수", "김"), ("남궁민", "남궁"),
        ])
    func chineseNames(name: String, expected: String) {
        #expect(Honorific.familyName(of: name, language: .zh) == expected)
        #expect(Honorific.familyName(of: name, language: .en) == expected)
    }

    @Test(
        "Western names: last word with lower-case particles",
        arguments: [
            ("John Smith", "Smith"), ("Smith", "Smith"), ("John van Dyke", "van Dyke"),
            ("Ludwig van Beethoven", "van Beethoven"), ("Maria de la Cruz", "de la Cruz"),
            ("Otto von Bismarck", "von Bismarck"), ("Leonardo da Vinci", "da Vinci"),
            ("Benicio del Toro", "del Toro"), ("Ludwig Mies van der Rohe", "van der Rohe"),
            ("Anna di Stefano", "di Stefano"), ("Jean du Pont", "du Pont"), ("Marie le Pen", "le Pen"),
            ("Ana la Rosa", "la Rosa"), ("Johannes der Weise", "der Weise"),
            // Capitalised particles are not particles (a pinyin given name like "Di" must stay out).
            ("Martin Van Buren", "Buren"), ("Di Wang", "Wang"), ("Le Chen", "Chen"),
            // Hyphens, initials, extra whitespace.
            ("Mary Smith-Jones", "Smith-Jones"), ("J. R. R. Tolkien", "Tolkien"),
            ("  John \t Smith  ", "Smith"),
            // Suffixes and "Family, Given".
            ("John Smith Jr.", "Smith"), ("John Smith, Jr.", "Smith"), ("Henry Ford II", "Ford"),
            ("Jane Doe, MD", "Doe"), ("Jane Doe Ph.D.", "Doe"), ("Smith, John", "Smith"),
            ("van Dyke, John", "van Dyke"), ("Smith, John, Jr.", "Smith"),
            // Accents (precomposed or combining), no-break and other Unicode spaces.
            ("José García", "García"), ("Jose\u{301} Garci\u{301}a", "Garci\u{301}a"),
            ("John\u{00A0}Smith", "Smith"), ("Maria\u{2002}de la\u{3000}Cruz", "de la Cruz"),
            // Other alphabetic scripts use the same rule.
            ("Иван Петров", "Петров"),
        ])
    func westernNames(name: String, expected: String) {
        #expect(Honorific.familyName(of: name, language: .en) == expected)
        #expect(Honorific.familyName(of: name, language: .zh) == expected)
    }

    @Test(
        "dot-separated names have no guessable family name",
        arguments: ["阿卜杜拉·买买提", "阿卜杜拉・买买提", "约翰•史密斯", "阿卜杜拉.买买提", "阿卜杜拉．买买提"])
    func dottedNames(name: String) {
        #expect(Honorific.familyName(of: name, language: .zh) == nil)
    }

    @Test("empty names have no family name", arguments: ["", " ", "\u{3000}", "\n\t"])
    func emptyNames(name: String) {
        #expect(Honorific.familyName(of: name, language: .zh) == nil)
        #expect(Honorific.familyName(of: name, language: .en) == nil)
    }

    @Test("a name without letters follows the template language")
    func noLetters() {
        #expect(Honorific.familyName(of: "12 34", language: .en) == "34")
        #expect(Honorific.familyName(of: "12 34", language: .zh) == "1")
    }

    @Test("the compound surname list is large and holds only two-character entries")
    func compoundList() {
        let required = """
            欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 夏侯 令狐 宇文 长孙 司徒 司空 端木 独孤 南宫 西门 轩辕 \
            呼延 百里 东郭 闻人 万俟 澹台 公冶 太史 申屠 钟离 宗政 濮阳 淳于 单于 赫连
            """.split(separator: " ").map(String.init)
        #expect(required.count == 35)
        for surname in required {
            #expect(Honorific.compoundSurnames.contains(surname), "missing \(surname)")
        }
        #expect(Honorific.compoundSurnames.count >= 60)
        #expect(Honorific.compoundSurnames.allSatisfy { $0.count == 2 })
        // A single surname plus a given-name character is not a compound surname.
        #expect(!Honorific.compoundSurnames.contains("王东"))
    }

    @Test("every listed compound surname is used when a given name follows")
    func everyCompoundApplies() {
        for surname in Honorific.compoundSurnames {
            #expect(Honorific.familyName(of: surname + "明", language: .zh) == surname)
        }
    }
}

@Suite("Honorifics")
struct HonorificTests {
    @Test(
        "formal forms",
        arguments: [
            // name, family_name, gender, language, expected
            ("王芳", nil, Gender.female, MessageLanguage.zh, "王女士"),
            ("王伟", nil, .male, .zh, "王先生"),
            ("欧阳娜娜", nil, .female, .zh, "欧阳女士"),
            ("王东方", nil, .male, .zh, "王先生"),
            ("东方明", nil, .male, .zh, "东方先生"),
            ("王芳", nil, .female, .en, "Ms. 王"),
            ("欧阳娜娜", nil, .female, .en, "Ms. 欧阳"),
            ("John Smith", nil, .male, .zh, "Smith先生"),
            ("John Smith", nil, .male, .en, "Mr. Smith"),
            ("Mary Smith", nil, .female, .en, "Ms. Smith"),
            ("John van Dyke", nil, .male, .en, "Mr. van Dyke"),
            ("Ludwig van Beethoven", nil, .male, .en, "Mr. van Beethoven"),
            ("Maria de la Cruz", nil, .female, .en, "Ms. de la Cruz"),
            // family_name override, trimmed; blank counts as not given.
            ("Fang Wang", "Wang", .female, .en, "Ms. Wang"),
            ("Wang Fang", "Wang", .female, .zh, "Wang女士"),
            ("单于飞", "单", .male, .zh, "单先生"),
            ("Martin Van Buren", " Van Buren ", .male, .en, "Mr. Van Buren"),
            ("王芳", "", .female, .zh, "王女士"),
            ("王芳", "   ", .female, .zh, "王女士"),
            ("John Smith", "", .male, .en, "Mr. Smith"),
            // Unknown gender: the full name, trimmed, whitespace runs collapsed.
            ("王芳", nil, nil, .zh, "王芳"),
            ("王芳", nil, nil, .en, "王芳"),
            ("John Smith", nil, nil, .en, "John Smith"),
            (" John   Smith ", "Smith", nil, .zh, "John Smith"),
            ("\u{3000}王芳\n", nil, nil, .zh, "王芳"),
            // Dot-separated names: full name with the title.
            ("阿卜杜拉·买买提", nil, .male, .zh, "阿卜杜拉·买买提先生"),
            ("阿卜杜拉·买买提", nil, .male, .en, "Mr. 阿卜杜拉·买买提"),
            ("阿卜杜拉·买买提", "买买提", .male, .zh, "买买提先生"),
            ("阿卜杜拉·买买提", nil, nil, .zh, "阿卜杜拉·买买提"),
            // Empty names give "" whatever else is known.
            ("", nil, .female, .zh, ""),
            ("  ", "王", .female, .zh, ""),
            ("", nil, nil, .en, ""),
        ] as [(String, String?, Gender?, MessageLanguage, String)])
    func formal(
        name: String, familyName: String?, gender: Gender?, language: MessageLanguage, expected: String
    ) {
        #expect(
            Honorific.formal(name: name, familyName: familyName, gender: gender, language: language)
                == expected)
    }

    @Test(
        "warm forms",
        arguments: [
            // name, family_name, gender, age, language, expected
            ("王芳", nil, Gender.female, 50, MessageLanguage.zh, "王阿姨"),
            ("王伟", nil, .male, 50, .zh, "王叔叔"),
            ("王伟", nil, .male, 88, .zh, "王叔叔"),
            ("王芳", nil, .female, 49, .zh, "王女士"),
            ("王伟", nil, .male, 0, .zh, "王先生"),
            ("欧阳娜娜", nil, .female, 62, .zh, "欧阳阿姨"),
            ("Wang Fang", "王", .female, 62, .zh, "王阿姨"),
            ("王芳", "", .female, 62, .zh, "王阿姨"),
            ("John Smith", nil, .male, 70, .zh, "Smith叔叔"),
            // Unknown age or gender: formal.
            ("王芳", nil, .female, nil, .zh, "王女士"),
            ("王芳", nil, nil, 70, .zh, "王芳"),
            // en: same as formal at any age.
            ("Mary Smith", nil, .female, 70, .en, "Ms. Smith"),
            ("王芳", nil, .female, 70, .en, "Ms. 王"),
            ("Mary Smith", nil, nil, 70, .en, "Mary Smith"),
            // No family name (dot-separated): the formal form.
            ("阿卜杜拉·买买提", nil, .male, 70, .zh, "阿卜杜拉·买买提先生"),
            ("阿卜杜拉·买买提", "买买提", .male, 70, .zh, "买买提叔叔"),
            ("", nil, .female, 70, .zh, ""),
        ] as [(String, String?, Gender?, Int?, MessageLanguage, String)])
    func warm(
        name: String, familyName: String?, gender: Gender?, age: Int?, language: MessageLanguage,
        expected: String
    ) {
        let text = Honorific.warm(
            name: name, familyName: familyName, gender: gender, age: age, language: language)
        #expect(text == expected)
    }

    @Test("the warm form starts exactly on the 50th birthday in the send date")
    func fiftiethBirthday() throws {
        let birth = try #require(LocalDate(iso: "1976-12-03"))
        let birthday = try #require(LocalDate(iso: "2026-12-03"))
        let dayBefore = try #require(LocalDate(iso: "2026-12-02"))
        func warm(on date: LocalDate) -> String {
            Honorific.warm(
                name: "王芳", familyName: nil, gender: .female, birthDate: birth, on: date, language: .zh)
        }
        #expect(warm(on: birthday) == "王阿姨")
        #expect(warm(on: dayBefore) == "王女士")
        #expect(
            Honorific.warm(
                name: "王芳", familyName: nil, gender: .female, birthDate: nil, on: birthday, language: .zh)
                == "王女士")
    }

    @Test("a February 29 birthday turns 50 on March 1 in a non-leap year")
    func leapDayBirthday() throws {
        let birth = try #require(LocalDate(iso: "1976-02-29"))
        let feb28 = try #require(LocalDate(iso: "2026-02-28"))
        let mar1 = try #require(LocalDate(iso: "2026-03-01"))
        func warm(on date: LocalDate) -> String {
            Honorific.warm(
                name: "李伟", familyName: nil, gender: .male, birthDate: birth, on: date, language: .zh)
        }
        #expect(warm(on: feb28) == "李先生")
        #expect(warm(on: mar1) == "李叔叔")
    }
}
