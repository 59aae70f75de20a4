import Testing

@testable import CarelineCore

/// The compiled render path: context slots for dotted names, sections that shadow them, partials, date members
/// written straight into the output, lenient mode.
@Suite("Compiled rendering")
struct RenderProgramTests {
    func render(
        _ source: String, _ data: TemplateValue, partials: [String: String] = [:],
        options: RenderOptions = RenderOptions()
    ) throws -> String {
        try Template(source: source, file: "t.mustache", partials: partials).render(data, options: options)
    }

    let data: TemplateValue = .object([
        "patient": .object([
            "name": .string("王芳"), "doctor": .string("李明"),
            "recheck_date": TemplateValue(text: "2026-12-03"),
            "visit": .object(["date": .string("next week")]),
        ]),
        "clinic": .object(["phone": .string("400-820-1234")]),
        "items": .array([
            .object(["name": .string("A"), "clinic": .object(["phone": .string("110")])]),
            .object(["name": .string("B")]),
        ]),
    ])

    @Test func sharedPrefixesGetOneSlot() throws {
        let template = try Template(
            source:
                "{{patient.name}}{{patient.doctor}}{{patient.recheck_date.date}}{{patient.recheck_date.iso}}",
            partials: [:])
        // patient, patient.name, patient.doctor, patient.recheck_date, .date, .iso
        #expect(template.program.slots.count == 6)
        #expect(template.program.names.map(\.ownerSlot) == [0, 0, 3, 3])
        #expect(template.program.names.map(\.dateField) == [nil, nil, .date, .iso])
        let options = RenderOptions(language: .zh)
        #expect(try template.render(data, options: options) == "王芳李明12月3日2026-12-03")
        // Slots are per render: a second render with other data sees the other data.
        let other = data.setting(.string("张伟"), at: ["patient", "name"])
        #expect(try template.render(other, options: options) == "张伟李明12月3日2026-12-03")
    }

    @Test func namesInsideSectionsLookInTheSectionValueFirst() throws {
        let source = "{{clinic.phone}}|{{#items}}{{name}}:{{clinic.phone}};{{/items}}|{{clinic.phone}}"
        #expect(try render(source, data) == "400-820-1234|A:110;B:400-820-1234;|400-820-1234")
    }

    @Test func aSectionOverAGroupShadowsTheContext() throws {
        let source =
            "{{patient.name}}{{#shadow}}/{{patient.name}}/{{patient.doctor}}{{/shadow}}/{{patient.name}}"
        let shadowed = data.setting(.object(["patient": .object(["name": .string("B")])]), at: ["shadow"])
        // Inside the section `patient` is the shadow's, which has no doctor: strict mode says so.
        let error = try #require(throws: TemplateError.self) { try render(source, shadowed) }
        #expect(error.code == .missingField)
        #expect(error.location == SourceLocation(line: 1, column: 46))
        #expect(
            try render(source, shadowed, options: RenderOptions(strict: false)) == "王芳/B//王芳")
    }

    @Test func dateMembersOfASectionValue() throws {
        let source =
            "{{#patient.recheck_date}}{{date}} {{weekday}} {{relative}} {{iso}} {{.}}{{/patient.recheck_date}}"
        let today = try #require(LocalDate(iso: "2026-11-30"))
        #expect(
            try render(source, data, options: RenderOptions(language: .zh, today: today))
                == "12月3日 周四 3天后 2026-12-03 2026-12-03")
    }

    @Test func aMemberNamedLikeADateMemberOfAGroupIsAField() throws {
        #expect(try render("{{patient.visit.date}}", data) == "next week")
        #expect(try render("{{#patient.visit.date}}({{.}}){{/patient.visit.date}}", data) == "(next week)")
    }

    @Test func dateMembersInSectionNames() throws {
        let today = try #require(LocalDate(iso: "2026-12-02"))
        let source = "{{#patient.recheck_date.relative}}[{{.}}]{{/patient.recheck_date.relative}}"
        #expect(try render(source, data, options: RenderOptions(language: .en, today: today)) == "[tomorrow]")
        // Without a send date there is no relative text, so the section is skipped.
        #expect(try render(source, data, options: RenderOptions(language: .en)) == "")
    }

    @Test func lenientModeSkipsHolesAtEveryDepth() throws {
        let lenient = RenderOptions(strict: false)
        let source =
            "[{{nobody.name}}{{patient.nobody}}{{patient.name.first}}{{patient.recheck_date.relative}}]"
        #expect(try render(source, data, options: lenient) == "[]")
        let error = try #require(throws: TemplateError.self) { try render(source, data) }
        #expect(error.message.hasPrefix("field {{nobody.name}} is missing"))
    }

    @Test func partialsShareTheSlotsAndKeepTheirIndent() throws {
        let partials = ["sig": "{{clinic.phone}}\n{{patient.name}}\n", "empty": ""]
        let source = "{{patient.name}}\n  {{>sig}}\n{{>missing}}{{>empty}}end"
        #expect(try render(source, data, partials: partials) == "王芳\n  400-820-1234\n  王芳\nend")
    }

    @Test func theImplicitIteratorOutsideSectionsIsTheContext() throws {
        #expect(try render("{{.}}", .string("x")) == "x")
        #expect(try render("{{#.}}{{name}}{{/.}}", .object(["name": .string("n")])) == "n")
    }

    @Test func htmlEscapingStillAppliesToStringValues() throws {
        let value = TemplateValue.object(["a": .object(["b": .string("<&>\"")])])
        #expect(try render("{{a.b}}|{{{a.b}}}", value, options: .spec) == "&lt;&amp;&gt;&quot;|<&>\"")
    }

    @Test func appendedDateTextsMatchTheNamedTexts() throws {
        let today = try #require(LocalDate(iso: "2026-11-30"))
        for offset in -400...400 {
            let date = today.adding(days: offset)
            for language in MessageLanguage.allCases {
                for field in DateField.allCases {
                    var appended = "x"
                    DateText.append(field, of: date, today: today, language, to: &appended)
                    #expect(appended == "x" + DateText.text(field, of: date, today: today, language))
                }
            }
        }
        #expect(DateText.relative(today.adding(days: 45), from: today, .zh) == "45天后")
        #expect(DateText.relative(today.adding(days: -45), from: today, .en) == "45 days ago")
        var none = ""
        DateText.append(.relative, of: today, today: nil, .en, to: &none)
        #expect(none == "")
    }
}

/// `Honorific.forms` gives what `formal` and `warm` give one at a time.
@Suite("Both forms of address at once")
struct HonorificFormsTests {
    @Test func formsMatchTheSingleForms() {
        let names = ["王芳", " 欧阳 娜 ", "Maria de la Cruz", "阿卜杜拉·买买提", "", "  ", "单于", "Smith, John Jr."]
        let families: [String?] = [nil, "", "李", " Dyke "]
        let genders: [Gender?] = [nil, .female, .male]
        let ages: [Int?] = [nil, 20, 49, 50, 80]
        for name in names {
            for family in families {
                for gender in genders {
                    for age in ages {
                        for language in MessageLanguage.allCases {
                            let forms = Honorific.forms(
                                name: name, familyName: family, gender: gender, age: age, language: language)
                            #expect(
                                forms.formal
                                    == Honorific.formal(
                                        name: name, familyName: family, gender: gender, language: language))
                            #expect(
                                forms.warm
                                    == Honorific.warm(
                                        name: name, familyName: family, gender: gender, age: age,
                                        language: language))
                        }
                    }
                }
            }
        }
    }

    @Test func derivedFieldsAlreadyGivenAreKept() {
        let patient: [String: TemplateValue] = [
            "name": .string("王芳"), "gender": .string("F"), "honorific_warm": .string("芳芳"),
        ]
        let derived = MessageContext.derivePatientFields(patient, language: .zh, sendDate: nil)
        #expect(derived["honorific"] == .string("王女士"))
        #expect(derived["honorific_warm"] == .string("芳芳"))
        let onlyWarm = MessageContext.derivePatientFields(
            ["name": .string("王芳"), "gender": .string("F"), "honorific": .string("王老师")], language: .zh,
            sendDate: nil)
        #expect(onlyWarm["honorific"] == .string("王老师"))
        #expect(onlyWarm["honorific_warm"] == .string("王女士"))
    }
}

/// The distinct non-GSM characters, in order of first appearance, past the sizes where storage changes.
@Suite("SMS non-GSM characters")
struct SMSNonGSMTests {
    /// The plain definition: every scalar outside the GSM alphabets, once, in order.
    func reference(_ text: String) -> [String] {
        let gsm = Set((SMSAnalysis.gsm7BasicAlphabet + SMSAnalysis.gsm7ExtensionCharacters).unicodeScalars)
        var seen: Set<Unicode.Scalar> = []
        var result: [String] = []
        for scalar in text.unicodeScalars where !gsm.contains(scalar) && seen.insert(scalar).inserted {
            result.append(String(scalar))
        }
        return result
    }

    @Test(arguments: [1, 31, 32, 33, 64, 65, 300, 3000])
    func manyDistinctCharactersAreListedOnceInOrder(count: Int) {
        let scalars = (0..<count).compactMap { Unicode.Scalar(0x4E00 + UInt32($0 * 7 % 20_000)) }
        var text = "Hi "
        for scalar in scalars { text.unicodeScalars.append(scalar) }
        text += " 😀\u{0}`é" + String(String.UnicodeScalarView(scalars.reversed())) + "😀"
        let analysis = SMSAnalysis(analyzing: text)
        #expect(analysis.encoding == .ucs2)
        #expect(analysis.nonGSM == reference(text))
    }

    @Test func aNonGSMFirstCharacterIsListed() {
        #expect(SMSAnalysis(analyzing: "王").nonGSM == ["王"])
        #expect(SMSAnalysis(analyzing: "王王a王").nonGSM == ["王"])
        #expect(SMSAnalysis(analyzing: "plain text").nonGSM == [])
    }
}
