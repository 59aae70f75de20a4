import CarelineTesting
import Foundation
import Testing

/// `careline render` as a user runs it: exact stdout, errors on stderr, sysexits codes.
@Suite("careline render (end to end)")
struct RenderCommandTests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory()
        try folder.write(
            "recheck.zh-CN.mustache",
            """
            +++
            kind = "reminder"
            +++
            {{> signature}}{{patient.honorific_warm}}您好，请于{{patient.recheck_date.relative}}（{{patient.recheck_date.date}}）复查{{patient.procedure}}。

            """)
        try folder.write("partials/signature.mustache", "【明德眼科】\n")
        try folder.write(
            "data.json",
            #"{"patient": {"name": "欧阳秀", "gender": "女", "birth_date": "1970-05-01", "recheck_date": "2026-12-03", "procedure": "A&B", "timezone": "Asia/Shanghai"}}"#
        )
    }

    @Test func printsExactlyTheRenderedText() throws {
        let result = try CarelineProcess.run(
            ["render", "recheck.zh-CN.mustache", "--data", "data.json", "--now", "2026-11-30T17:00:00Z"],
            in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        // 17:00Z is already Dec 1 in Shanghai: the recheck is the day after tomorrow there.
        #expect(result.stdout == "【明德眼科】欧阳阿姨您好，请于后天（12月3日）复查A&B。")
        #expect(result.stderr == "")
    }

    @Test func missingFieldExits65NamingFieldAndPosition() throws {
        try folder.write("bad.zh-CN.mustache", "您好\n{{patient.honorific}}，{{patient.doctor}}医生")
        let result = try CarelineProcess.run(
            ["render", "bad.zh-CN.mustache", "--data", "data.json"], in: folder.url)
        #expect(result.status == 65)
        #expect(result.stdout == "")
        #expect(
            result.stderr.hasPrefix("bad.zh-CN.mustache:2:23: field {{patient.doctor}} is missing"),
            "\(result.stderr)")
    }

    @Test func specModeEscapesAndForgivesMissingFields() throws {
        try folder.write("spec.mustache", "{{patient.procedure}}|{{patient.doctor}}|{{{patient.procedure}}}")
        let result = try CarelineProcess.run(
            ["render", "spec.mustache", "--data", "data.json", "--escape", "html", "--lenient"],
            in: folder.url)
        #expect(result.status == 0)
        #expect(result.stdout == "A&amp;B||A&B")
    }

    @Test func localeFlagOverridesTheFileName() throws {
        try folder.write("d.mustache", "{{patient.recheck_date.date}} {{patient.honorific}}")
        let result = try CarelineProcess.run(
            [
                "render", "d.mustache", "--data", "data.json", "--locale", "en", "--now",
                "2026-11-30T12:00:00Z",
            ],
            in: folder.url)
        #expect(result.stdout == "December 3 Ms. 欧阳")
    }

    @Test func usesTheClinicFromTheConfiguration() throws {
        try folder.write("careline.toml", "[clinic]\nname = \"明德眼科\"\ntimezone = \"America/New_York\"\n")
        try folder.write("c.zh.mustache", "{{clinic.name}} {{patient.recheck_date.relative}}")
        try folder.write("nozone.json", #"{"patient": {"recheck_date": "2026-12-03"}}"#)
        // 03:00Z on Dec 1 is still Nov 30 in New York: three days before the recheck.
        let result = try CarelineProcess.run(
            ["render", "c.zh.mustache", "--data", "nozone.json", "--now", "2026-12-01T03:00:00Z"],
            in: folder.url)
        #expect(result.stdout == "明德眼科 3天后", "\(result.stderr)")
    }

    @Test func exitCodes() throws {
        let missingTemplate = try CarelineProcess.run(
            ["render", "nope.mustache", "--data", "data.json"], in: folder.url)
        #expect(missingTemplate.status == 66)
        #expect(missingTemplate.stderr.contains("nope.mustache: file not found"))
        let missingData = try CarelineProcess.run(
            ["render", "recheck.zh-CN.mustache", "--data", "no.json"], in: folder.url)
        #expect(missingData.status == 66)
        try folder.write("broken.json", "{")
        let badData = try CarelineProcess.run(
            ["render", "recheck.zh-CN.mustache", "--data", "broken.json"], in: folder.url)
        #expect(badData.status == 65)
        #expect(badData.stderr.contains("broken.json: not valid JSON"))
        let badFlag = try CarelineProcess.run(
            ["render", "recheck.zh-CN.mustache", "--data", "data.json", "--now", "tomorrow"], in: folder.url)
        #expect(badFlag.status == 64)
        #expect(badFlag.stderr.contains("--now tomorrow is not an ISO 8601 instant"))
        try folder.write("careline.toml", "[clinic]\nnam = \"x\"\n")
        let badConfig = try CarelineProcess.run(
            ["render", "recheck.zh-CN.mustache", "--data", "data.json"], in: folder.url)
        #expect(badConfig.status == 78)
        #expect(
            badConfig.stderr.hasPrefix(
                "careline.toml:2:1: clinic.nam: unknown key — did you mean clinic.name?"))
        let missingConfig = try CarelineProcess.run(
            ["render", "recheck.zh-CN.mustache", "--data", "data.json", "--config", "other.toml"],
            in: folder.url)
        #expect(missingConfig.status == 66)
    }
}
