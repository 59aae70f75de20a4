import Foundation
import Testing

@testable import CarelineCore

@Suite("Template files: front matter, file names, line numbers")
struct MessageTemplateTests {
    static func noPartials(_ name: String) throws(TemplateError) -> Template.PartialSource? { nil }

    @Test func frontMatterIsReadAndLinesCountFromTheFileTop() throws {
        let text = """
            +++
            description = "recheck"
            kind = "follow-up"
            max_segments = 2
            [sample.patient]
            name = "王芳"
            recheck_date = 2026-12-03
            +++
            您好
            {{patient.doctor}}

            """
        let template = try MessageTemplate(
            text: text, file: "Templates/r.zh-CN.mustache", locale: nil, partial: Self.noPartials)
        #expect(template.name == "r")
        #expect(template.locale == "zh-CN")
        #expect(template.language == .zh)
        #expect(template.frontMatter.kind == .followUp)
        #expect(template.frontMatter.maxSegments == 2)
        #expect(
            template.frontMatter.sample["patient"]?["recheck_date"] == .date(LocalDate(iso: "2026-12-03")!))
        #expect(template.bodyFirstLine == 9)
        let error = try #require(throws: TemplateError.self) {
            try template.template.render(template.frontMatter.sample)
        }
        #expect(
            error.description.hasPrefix(
                "Templates/r.zh-CN.mustache:10:1: field {{patient.doctor}} is missing"))
    }

    @Test func oneFinalLineBreakIsNotPartOfTheMessage() throws {
        let lf = try MessageTemplate(
            text: "Hi\n", file: "a.en.mustache", locale: nil, partial: Self.noPartials)
        #expect(try lf.template.render(.object([:])) == "Hi")
        let crlf = try MessageTemplate(
            text: "+++\r\nkind = \"care\"\r\n+++\r\nHi\r\nthere\r\n", file: "a.en.mustache", locale: nil,
            partial: Self.noPartials)
        #expect(crlf.frontMatter.kind == .care)
        #expect(try crlf.template.render(.object([:])) == "Hi\r\nthere")
    }

    @Test(arguments: [
        ("+++\nkind = \"advert\"\n+++\nx", 2, "kind: must be one of"),
        ("+++\nmax_segment = 2\n+++\nx", 2, "did you mean max_segments?"),
        ("+++\nmax_segments = 0\n+++\nx", 2, "from 1 to 10"),
        ("+++\nsample = 3\n+++\nx", 2, "must be a table"),
        ("+++\ndescription = \"x\nmore\n+++\nx", 2, "front matter:"),
        ("+++\nkind = \"care\"\nx", 1, "never closed"),
    ])
    func badFrontMatter(text: String, line: Int, fragment: String) throws {
        let error = try #require(throws: TemplateError.self) {
            try MessageTemplate(text: text, file: "f.mustache", locale: nil, partial: Self.noPartials)
        }
        #expect(error.code == .frontMatter)
        #expect(error.location?.line == line)
        #expect(error.message.contains(fragment), "\(error.message)")
    }

    @Test(
        arguments: [
            ("recheck-reminder.zh-CN.mustache", "recheck-reminder", "zh-CN"),
            ("recheck-reminder.mustache", "recheck-reminder", nil),
            ("post-op.day1.en.mustache", "post-op.day1", "en"),
            ("care.zh_Hant_TW.mustache", "care", "zh_Hant_TW"),
            ("v1.2.mustache", "v1.2", nil),
        ] as [(String, String, String?)])
    func fileNames(file: String, name: String, locale: String?) throws {
        let parsed = try #require(TemplateFileName(file))
        #expect(parsed.name == name)
        #expect(parsed.locale == locale)
    }

    @Test func localeFallbackChain() {
        #expect(TemplateFileName.fallbacks(for: "zh-CN") == ["zh-CN", "zh", nil])
        #expect(TemplateFileName.fallbacks(for: "zh_Hant_TW") == ["zh-Hant-TW", "zh-Hant", "zh", nil])
        #expect(TemplateFileName.fallbacks(for: nil) == [nil])
    }
}
