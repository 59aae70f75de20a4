import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// `templates check`: every problem of a folder, each located, with the shipped examples clean.
@Suite("Template checks")
struct TemplateCheckerTests {
    static let now = Timestamp.parse("2026-11-30T19:30:00+08:00")!

    static let config = """
        [clinic]
        name = "明德眼科"
        phone = "400-820-1234"
        signature = "【明德眼科】"
        timezone = "Asia/Shanghai"
        [clinic.en]
        name = "Mingde Eye Hospital"
        [policy]
        require_signature = true
        optout_text = { zh = "回T退订", en = "Reply STOP to opt out" }
        """

    func check(_ files: [String: String], config: String = config) throws -> TemplateCheckReport {
        let folder = try TemporaryDirectory()
        for (path, text) in files { try folder.write("Templates/\(path)", text) }
        try folder.write("careline.toml", config)
        let configuration = try Configuration.load(path: folder.path("careline.toml"))
        let library = try TemplateLibrary(directory: configuration.templatesPath)
        return TemplateChecker(configuration: configuration, now: Self.now).check(library)
    }

    static let good = """
        +++
        kind = "reminder"
        [sample.patient]
        name = "王芳"
        gender = "F"
        birth_date = 1956-04-12
        recheck_date = 2026-12-03
        +++
        {{> signature}}{{patient.honorific_warm}}您好，请于{{patient.recheck_date.relative}}复查。
        """

    @Test func theShippedExamplesAreClean() throws {
        let root = try #require(Corpus.packageRoot())
        let configuration = try Configuration.load(path: root.appendingPathComponent("careline.toml").path)
        let library = try TemplateLibrary(directory: configuration.templatesPath)
        let report = TemplateChecker(configuration: configuration, now: Self.now).check(library)
        #expect(report.diagnostics.map(\.description) == [])
        #expect(report.templatesChecked >= 10)
        #expect(report.samples.count == report.templatesChecked)
        let recheck = try #require(
            report.samples.first { $0.file.hasSuffix("recheck-reminder.zh-CN.mustache") })
        #expect(recheck.message.body.hasPrefix("【明德眼科】王阿姨您好！您11月20日做了白内障手术，请于3天后（12月3日，周四）来院复查，李明医生"))
        let english = try #require(report.samples.first { $0.file.hasSuffix("recheck-reminder.en.mustache") })
        #expect(english.message.body.hasPrefix("Ms. van Dyke, this is Mingde Eye Hospital."))
        #expect(english.message.sms.encoding == .gsm7)
    }

    @Test func aGoodTemplatePasses() throws {
        let report = try check([
            "r.zh-CN.mustache": Self.good, "partials/signature.mustache": "{{clinic.signature}}\n",
        ])
        #expect(report.diagnostics == [])
        #expect(report.samples.first?.message.body == "【明德眼科】王阿姨您好，请于3天后复查。")
    }

    @Test func reportsEveryProblemWithItsLocation() throws {
        let report = try check([
            "a.zh-CN.mustache": Self.good.replacingOccurrences(
                of: "{{patient.honorific_warm}}", with: "{{patient.nmae}}"),
            "b.zh-CN.mustache": "+++\n[sample.patient]\nname = \"x\"\n+++\n{{> signature}}{{#patient.name}}x",
            "c.zh-CN.mustache": "+++\n[sample.patient]\nname = \"x\"\n+++\n{{> signatur}}x",
            "d.zh-CN.mustache": "{{> signature}}{{patient.name}}",
            "e.en.mustache":
                "+++\nkind = \"promotional\"\n[sample.patient]\nname = \"Ann Lee\"\n+++\nHi {{patient.name}}",
            "f.zh-CN.mustache": Self.good.replacingOccurrences(of: "{{> signature}}", with: ""),
            "g.en.mustache": "+++\nmax_segments = 1\n[sample.patient]\nname = \"Ann Lee\"\n+++\n"
                + String(repeating: "long text ", count: 17) + "{{patient.name}}",
            "partials/signature.mustache": "{{clinic.signature}}",
            "partials/broken.mustache": "{{#x}}",
        ])
        let lines = report.diagnostics.map(\.description)
        #expect(report.errorCount == 8, "\(lines)")
        func has(_ prefix: String, _ fragment: String) {
            #expect(
                lines.contains { $0.contains("Templates/\(prefix)") && $0.contains(fragment) },
                "no \(prefix) … \(fragment) in \(lines)")
        }
        has("partials/broken.mustache:1:1:", "never closed")
        has("a.zh-CN.mustache:9:16:", "unknown field {{patient.nmae}} — did you mean patient.name?")
        has("b.zh-CN.mustache:5:16:", "section {{#patient.name}} is never closed")
        has("c.zh-CN.mustache:5:1:", "unknown partial {{> signatur}}")
        has("d.zh-CN.mustache:1:1:", "no sample data")
        has("e.en.mustache:6:1:", "must end with the opt-out line \"Reply STOP to opt out\"")
        has("f.zh-CN.mustache:9:1:", "must start with the clinic signature 【明德眼科】")
        has("g.en.mustache:6:1:", "needs 2 SMS parts")
    }

    @Test func partialCyclesAreReported() throws {
        let report = try check([
            "r.en.mustache": "+++\n[sample.patient]\nname = \"A\"\n+++\n{{> a}}",
            "partials/a.mustache": "{{> b}}", "partials/b.mustache": "x\n{{#y}}{{> a}}{{/y}}",
        ])
        let lines = report.diagnostics.map(\.description)
        #expect(
            lines.contains {
                $0.contains("partials include each other: a → b → a") && $0.contains("b.mustache:2:7")
            }, "\(lines)")
    }

    @Test func namesRelativeToASectionAreKnown() throws {
        let template = """
            +++
            [sample.patient]
            name = "A"
            [[sample.patient.visits]]
            day = 2026-12-01
            +++
            {{#patient.visits}}{{day.date}} {{patient.name}}{{/patient.visits}}
            """
        let report = try check(["v.en.mustache": template])
        #expect(report.diagnostics == [])
        #expect(report.samples.first?.message.body == "December 1 A")
    }

    @Test func clinicFieldsWithoutAConfigurationSaySo() throws {
        let folder = try TemporaryDirectory()
        try folder.write(
            "Templates/x.en.mustache", "+++\n[sample.patient]\nname = \"A\"\n+++\n{{clinic.name}}")
        let library = try TemplateLibrary(directory: folder.path("Templates"))
        let report = TemplateChecker(configuration: Configuration(), now: Self.now).check(library)
        #expect(
            report.diagnostics.first?.description.contains("[clinic] in careline.toml, which was not found")
                == true)
    }
}

@Suite("Template library: locale fallback")
struct TemplateLibraryTests {
    @Test func fallsBackFromRegionToLanguageToNoLocale() throws {
        let folder = try TemporaryDirectory()
        for file in ["r.zh.mustache", "r.mustache", "r.en-US.mustache", "s.zh-CN.mustache"] {
            try folder.write("Templates/\(file)", "x")
        }
        let library = try TemplateLibrary(directory: folder.path("Templates"))
        #expect(try library.entry(name: "r", locale: "zh-CN").file.hasSuffix("r.zh.mustache"))
        #expect(try library.entry(name: "r", locale: "en-US").file.hasSuffix("r.en-US.mustache"))
        #expect(try library.entry(name: "r", locale: "en").file.hasSuffix("r.mustache"))
        #expect(try library.entry(name: "r", locale: nil).file.hasSuffix("r.mustache"))
        let noVariant = try #require(throws: TemplateError.self) {
            try library.entry(name: "s", locale: "en")
        }
        #expect(noVariant.message.contains("has no variant for locale en (it has: zh-CN)"))
        let typo = try #require(throws: TemplateError.self) { try library.entry(name: "ss", locale: nil) }
        #expect(typo.message.contains("did you mean s?"))
    }

    @Test func partialsFollowTheTemplatesLocale() throws {
        let folder = try TemporaryDirectory()
        try folder.write("Templates/m.zh-CN.mustache", "{{> optout}}")
        try folder.write("Templates/m.en.mustache", "{{> optout}}")
        try folder.write("Templates/m.fr.mustache", "{{> optout}}")
        try folder.write("Templates/partials/optout.zh.mustache", "回T退订\n")
        try folder.write("Templates/partials/optout.mustache", "Reply STOP to opt out\n")
        let library = try TemplateLibrary(directory: folder.path("Templates"))
        #expect(try library.load(name: "m", locale: "zh-CN").template.render(.object([:])) == "回T退订")
        #expect(
            try library.load(name: "m", locale: "en").template.render(.object([:])) == "Reply STOP to opt out"
        )
    }

    @Test func aMissingFolderSaysWhatToDo() throws {
        let error = try #require(throws: TemplateError.self) {
            try TemplateLibrary(directory: "/nonexistent/Templates")
        }
        #expect(error.code == .notFound)
        #expect(error.message.contains("[paths] templates"))
    }
}
