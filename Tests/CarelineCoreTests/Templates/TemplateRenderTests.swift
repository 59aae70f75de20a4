import Foundation
import Testing

@testable import CarelineCore

/// Care-message mode: plain text, strict about missing fields, with exact error locations.
@Suite("Rendering in care-message mode")
struct TemplateRenderTests {
    func render(_ source: String, _ data: TemplateValue, options: RenderOptions = RenderOptions()) throws
        -> String
    {
        try Template(source: source, file: "t.mustache", partials: [:]).render(data, options: options)
    }

    let patient: TemplateValue = .object([
        "patient": .object([
            "name": .string("王芳"), "procedure": .string("A&B <laser>"),
            "recheck_date": TemplateValue(text: "2026-12-03"),
            "note": .string(""), "nothing": .null,
        ])
    ])

    @Test func doesNotEscapeHTML() throws {
        #expect(try render("{{patient.procedure}}", patient) == "A&B <laser>")
        #expect(
            try render("{{patient.procedure}}", patient, options: RenderOptions(escaping: .html))
                == "A&amp;B &lt;laser&gt;")
        #expect(
            try render("{{{patient.procedure}}}", patient, options: RenderOptions(escaping: .html))
                == "A&B <laser>")
    }

    @Test func missingFieldIsAnErrorWithFileLineAndColumn() throws {
        let error = try #require(throws: TemplateError.self) {
            try render("您好，\n请于{{patient.recheck_date.date}}复查，{{patient.doctor}}医生。", patient)
        }
        #expect(error.code == .missingField)
        #expect(error.file == "t.mustache")
        #expect(error.location == SourceLocation(line: 2, column: 35))
        #expect(error.description.hasPrefix("t.mustache:2:35: field {{patient.doctor}} is missing"))
    }

    @Test(arguments: [
        ("{{patient.note}}", "is empty"), ("{{patient.nothing}}", "is null"),
        ("{{patient}}", "is a group of fields"),
        ("{{patient.name.first}}", "patient.name is a single value"),
        ("{{patient.name.date}}", "not an ISO date"), ("{{clinic.name}}", "is missing"),
    ])
    func everyKindOfHoleIsAnError(source: String, reason: String) throws {
        let error = try #require(throws: TemplateError.self) { try render(source, patient) }
        #expect(error.code == .missingField)
        #expect(error.message.contains(reason), "\(error.message)")
    }

    @Test func aDerivedFieldWithoutItsSourceSaysWhy() throws {
        let error = try #require(throws: TemplateError.self) {
            try render("{{patient.honorific}}", .object(["patient": .object(["id": .string("P1")])]))
        }
        #expect(error.message.contains("derived from patient.name"))
    }

    @Test func lenientModePrintsNothingForHoles() throws {
        let lenient = RenderOptions(strict: false)
        #expect(
            try render("[{{patient.note}}{{patient.nothing}}{{patient.doctor}}]", patient, options: lenient)
                == "[]")
    }

    @Test func sectionsOverMissingFieldsAreOptionalText() throws {
        let source =
            "复查{{#patient.doctor}}，{{patient.doctor}}医生接诊{{/patient.doctor}}{{^patient.note}}。{{/patient.note}}"
        #expect(try render(source, patient) == "复查。")
        var withDoctor = patient
        withDoctor = withDoctor.setting(.string("李明"), at: ["patient", "doctor"])
        #expect(try render(source, withDoctor) == "复查，李明医生接诊。")
    }

    @Test func dateMembersInBothLanguages() throws {
        let source =
            "{{patient.recheck_date}}|{{patient.recheck_date.iso}}|{{patient.recheck_date.date}}|"
            + "{{patient.recheck_date.weekday}}|{{patient.recheck_date.relative}}"
        let today = try #require(LocalDate(iso: "2026-12-01"))
        let zh = try render(source, patient, options: RenderOptions(language: .zh, today: today))
        #expect(zh == "2026-12-03|2026-12-03|12月3日|周四|后天")
        let en = try render(source, patient, options: RenderOptions(language: .en, today: today))
        #expect(en == "2026-12-03|2026-12-03|December 3|Thursday|in 2 days")
    }

    @Test func relativeWithoutASendDateIsAnError() throws {
        let error = try #require(throws: TemplateError.self) {
            try render("{{patient.recheck_date.relative}}", patient)
        }
        #expect(error.message.contains("send date"))
    }

    @Test func numbersAndBooleansPrintAsWritten() throws {
        let data = try TemplateValue.parseJSON(
            Data(#"{"a": 85, "b": 1.210, "c": true, "d": 0}"#.utf8), file: "d.json")
        #expect(try render("{{a}} {{b}} {{c}} {{d}}", data) == "85 1.21 true 0")
    }

    @Test func listsRenderEachItem() throws {
        let data = TemplateValue.object(["tags": .array([.string("cataract"), .string("elderly")])])
        #expect(try render("{{#tags}}<{{.}}>{{/tags}}", data) == "<cataract><elderly>")
    }

    @Test func invalidJSONNamesTheDataFile() throws {
        let error = try #require(throws: TemplateError.self) {
            try TemplateValue.parseJSON(Data("{\"a\": ".utf8), file: "data.json")
        }
        #expect(error.code == .data)
        #expect(error.description.hasPrefix("data.json: not valid JSON"))
    }

    /// A data file written with single quotes (a Python dict pasted in) names the line and column.
    @Test func invalidJSONNamesTheLineAndColumn() throws {
        let error = try #require(throws: TemplateError.self) {
            try TemplateValue.parseJSON(
                Data("{\"patient\": {\"name\": \"M\",\n  'recheck_date': '2026-12-03'}}".utf8),
                file: "data.json")
        }
        #expect(error.location == SourceLocation(line: 2, column: 3))
        #expect(error.description.hasPrefix("data.json:2:3: not valid JSON"))
    }

    @Test func deepPartialRecursionStopsWithAnError() throws {
        let template = try Template(source: "{{>loop}}", partials: ["loop": "x{{>loop}}"])
        let error = try #require(throws: TemplateError.self) {
            try template.render(.object([:]), options: .spec)
        }
        #expect(error.code == .partialRecursion)
    }

    @Test func errorsInsidePartialsNameThePartialFile() throws {
        let template = try Template(
            source: "Hi {{>sig}}", file: "main.mustache", requirePartials: true
        ) { (name: String) throws(TemplateError) -> Template.PartialSource? in
            Template.PartialSource(text: "\n  {{clinic.signature}}", file: "partials/\(name).mustache")
        }
        let error = try #require(throws: TemplateError.self) { try template.render(.object([:])) }
        #expect(
            error.description.hasPrefix("partials/sig.mustache:2:3: field {{clinic.signature}} is missing"))
    }
}

/// Syntax errors: each names the file, line and column and says what to do.
@Suite("Template syntax errors")
struct TemplateSyntaxErrorTests {
    @Test(arguments: [
        ("line 1\n{{#patient.doctor}}text", 2, 1, "never closed"),
        ("{{#a}}x{{/b}}", 1, 8, "does not match the open section {{#a}} at 1:1"),
        ("x{{/a}}", 1, 2, "has no open section"),
        ("ok\n  {{patient.name", 2, 3, "never closed"),
        ("{{{patient.name}}", 1, 1, "never closed"),
        ("{{=<%=}}", 1, 1, "bad delimiter change"),
        ("{{= x =}}", 1, 1, "bad delimiter change"),
        ("{{}}", 1, 1, "empty tag"),
        ("{{patient..name}}", 1, 1, "bad field name"),
        ("{{patient name}}", 1, 1, "names have no spaces"),
        ("{{>}}", 1, 1, "partial tag without a name"),
        ("王阿姨{{#a}}", 1, 4, "never closed"),
    ])
    func syntaxError(source: String, line: Int, column: Int, fragment: String) throws {
        let error = try #require(throws: TemplateError.self) {
            try Template(source: source, file: "x.mustache", partials: [:])
        }
        #expect(error.code == .syntax)
        #expect(error.location == SourceLocation(line: line, column: column))
        #expect(error.message.contains(fragment), "\(error.message)")
    }

    @Test func unknownPartialIsAnErrorInCareMode() throws {
        let error = try #require(throws: TemplateError.self) {
            try Template(
                source: "a\n {{> signatur}}", file: "x.mustache", partials: [:], requirePartials: true)
        }
        #expect(error.code == .unknownPartial)
        #expect(error.location == SourceLocation(line: 2, column: 2))
    }
}
