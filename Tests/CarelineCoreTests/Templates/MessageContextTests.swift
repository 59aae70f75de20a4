import Foundation
import Testing

@testable import CarelineCore

@Suite("Message context: derived and clinic fields")
struct MessageContextTests {
    func patient(_ fields: [String: String]) -> TemplateValue {
        .object(["patient": .object(fields.mapValues { TemplateValue(text: $0) })])
    }

    func render(_ source: String, _ data: TemplateValue, language: MessageLanguage, on date: String) throws
        -> String
    {
        let today = try #require(LocalDate(iso: date))
        let context = MessageContext.make(data: data, clinic: nil, language: language, sendDate: today)
        return try Template(source: source, partials: [:]).render(
            context, options: RenderOptions(language: language, today: today))
    }

    @Test func warmFormStartsOnTheFiftiethBirthday() throws {
        let wang = patient(["name": "王芳", "gender": "F", "birth_date": "1976-12-01"])
        #expect(try render("{{patient.honorific_warm}}", wang, language: .zh, on: "2026-11-30") == "王女士")
        #expect(try render("{{patient.honorific_warm}}", wang, language: .zh, on: "2026-12-01") == "王阿姨")
        #expect(try render("{{patient.honorific_warm}}", wang, language: .en, on: "2026-12-01") == "Ms. 王")
    }

    @Test(
        arguments: [
            (["name": "欧阳建国", "gender": "男"], MessageLanguage.zh, "欧阳先生"),
            (["name": "王东方", "gender": "M"], .zh, "王先生"),
            (["name": "王芳"], .zh, "王芳"),
            (["name": "John van Dyke", "gender": "male"], .en, "Mr. van Dyke"),
            (["name": "Ann Lee", "family_name": "Lee-Smith", "gender": "F"], .en, "Ms. Lee-Smith"),
            (["name": "Ann Lee"], .en, "Ann Lee"),
        ] as [([String: String], MessageLanguage, String)])
    func formalHonorific(fields: [String: String], language: MessageLanguage, expected: String) throws {
        #expect(
            try render("{{patient.honorific}}", patient(fields), language: language, on: "2026-11-30")
                == expected)
    }

    @Test func relativeDatesAcrossMonthAndYearEnds() throws {
        let data = patient(["name": "A", "a": "2026-12-01", "b": "2027-01-02", "c": "2026-11-20"])
        #expect(
            try render("{{patient.a.relative}} {{patient.b.relative}}", data, language: .zh, on: "2026-11-30")
                == "明天 33天后")
        #expect(
            try render("{{patient.b.relative}}|{{patient.c.relative}}", data, language: .en, on: "2026-12-31")
                == "in 2 days|41 days ago")
    }

    @Test func dataWinsOverConfigurationForClinicFields() throws {
        let clinic = ClinicFields(
            base: ["name": "明德眼科", "phone": "400"], byLanguage: [.en: ["name": "Mingde"]])
        let data = TemplateValue.object(["clinic": .object(["phone": .string("123")])])
        let zh = MessageContext.make(data: data, clinic: clinic.value(for: .zh), language: .zh, sendDate: nil)
        #expect(zh["clinic"]?["name"] == .string("明德眼科"))
        #expect(zh["clinic"]?["phone"] == .string("123"))
        let en = MessageContext.make(data: data, clinic: clinic.value(for: .en), language: .en, sendDate: nil)
        #expect(en["clinic"]?["name"] == .string("Mingde"))
    }

    @Test func csvRowsBecomeFieldsWithTagListsAndDates() {
        let fields = MessageContext.patientFields(
            header: ["id", "tags", "recheck_date", "note"],
            row: ["P1", "cataract; elderly;;", "2026-12-03", ""])
        #expect(fields["tags"] == .array([.string("cataract"), .string("elderly")]))
        #expect(fields["recheck_date"] == .date(LocalDate(iso: "2026-12-03")!))
        #expect(fields["note"] == .string(""))
    }

    @Test func datesAreTakenInThePatientsZone() {
        let instant = Timestamp.parse("2026-12-01T17:00:00Z")!
        let shanghai = MessageContext.timeZone(
            of: .object(["timezone": .string("Asia/Shanghai")]), fallback: nil)
        #expect(LocalDate(instant, in: shanghai).iso == "2026-12-02")
        let fallback = MessageContext.timeZone(
            of: .object([:]), fallback: TimeZone(identifier: "America/New_York"))
        #expect(LocalDate(instant, in: fallback).iso == "2026-12-01")
        #expect(MessageContext.timeZone(of: nil, fallback: nil).secondsFromGMT() == 0)
    }
}
