import CarelineTesting
import Foundation
import Testing

@Suite("careline sms analyze (end to end)")
struct SMSAnalyzeCommandTests {
    @Test func jsonContract() throws {
        let gsm = try CarelineProcess.run(["sms", "analyze", "Recheck tomorrow {at} 10", "--json"])
        #expect(gsm.stdout == #"{"encoding":"GSM-7","units":26,"segments":1,"non_gsm":[]}"# + "\n")
        let ucs2 = try CarelineProcess.run(["sms", "analyze", "王阿姨您好", "--json"])
        #expect(
            ucs2.stdout == #"{"encoding":"UCS-2","units":5,"segments":1,"non_gsm":["王","阿","姨","您","好"]}"#
                + "\n")
    }

    @Test func textForPeople() throws {
        let result = try CarelineProcess.run(["sms", "analyze", "It’s tomorrow"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("UCS-2 · 13 UTF-16 units · 1 part · forced to UCS-2 by: ’"))
    }
}

@Suite("careline templates check and preview (end to end)")
struct TemplatesCommandTests {
    static let now = "2026-11-30T19:30:00+08:00"

    @Test func theShippedExamplesCheckClean() throws {
        let root = try #require(Corpus.packageRoot())
        let result = try CarelineProcess.run(["templates", "check", "--now", Self.now], in: root)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(": 0 errors, 0 warnings"))
    }

    @Test func reportsAllProblemsAndExits65() throws {
        let folder = try TemporaryDirectory()
        try folder.write(
            "T/a.en.mustache", "+++\n[sample.patient]\nname = \"A\"\n+++\nHi {{patient.nmae}} {{patient.nam}}"
        )
        try folder.write("T/b.en.mustache", "{{#x}}")
        let result = try CarelineProcess.run(["templates", "check", "T"], in: folder.url)
        #expect(result.status == 65)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "T/a.en.mustache:5:4: unknown field {{patient.nmae}} — did you mean patient.name?")
            }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("T/a.en.mustache:5:21: unknown field {{patient.nam}}") })
        #expect(lines.contains { $0.hasPrefix("T/b.en.mustache:1:1: section {{#x}} is never closed") })
        #expect(lines.last == "checked 2 templates and 0 partials in T: 3 errors, 0 warnings")
    }

    @Test func previewsPatientsAsJSONLinesWithMaskedPhones() throws {
        let root = try #require(Corpus.packageRoot())
        let result = try CarelineProcess.run(
            [
                "templates", "preview", "recheck-reminder", "--patients", "examples/patients.csv", "--format",
                "json",
                "--limit", "3", "--now", Self.now,
            ],
            in: root)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        struct Line: Decodable {
            var source: String
            var patientID: String?
            var to: String?
            var template: String
            var body: String?
            var encoding: String?
            var segments: Int?
            var error: String?

            enum CodingKeys: String, CodingKey {
                case source, to, template, body, encoding, segments, error
                case patientID = "patient_id"
            }
        }
        let decoder = JSONDecoder()
        let items = try lines.map { try decoder.decode(Line.self, from: Data($0.utf8)) }
        #expect(items[0].source == "examples/patients.csv:2")
        #expect(items[0].patientID == "P1001")
        #expect(items[0].to == "+86138****8000")
        #expect(items[0].body?.hasPrefix("【明德眼科】王阿姨您好！") == true)
        #expect(items[0].encoding == "UCS-2")
        #expect(items[2].template == "Templates/recheck-reminder.en.mustache")
        #expect(items[2].body?.hasPrefix("Ms. van Dyke, this is Mingde Eye Hospital.") == true)
        #expect(!result.stdout.contains("13800138000"))
        #expect(!result.stdout.contains("5550123"))
    }

    @Test func aRowWithAHoleFailsThePreview() throws {
        let root = try #require(Corpus.packageRoot())
        let folder = try TemporaryDirectory()
        try folder.write(
            "p.csv",
            "id,name,phone,recheck_date,procedure,surgery_date\nX1,王芳,13800138000,2026-12-03,,2026-11-20\n")
        let result = try CarelineProcess.run(
            [
                "templates", "preview", "recheck-reminder", "--patients", folder.path("p.csv"), "--now",
                Self.now,
            ], in: root)
        #expect(result.status == 65)
        #expect(result.stdout.contains("recheck-reminder.zh-CN.mustache:16:"))
        #expect(result.stdout.contains("field {{patient.procedure}} is empty"))
    }

    @Test func unknownTemplateExits66WithASuggestion() throws {
        let root = try #require(Corpus.packageRoot())
        let result = try CarelineProcess.run(["templates", "preview", "recheck-remindr"], in: root)
        #expect(result.status == 66)
        #expect(result.stderr.contains("did you mean recheck-reminder?"))
    }
}
