import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// The example campaigns in `Schedules/` parse to exactly what they say, and fit the shipped templates and
/// example patient files.
@Suite("Shipped schedules")
struct ShippedSchedulesTests {
    static func root() throws -> URL { try #require(Corpus.packageRoot()) }

    static func load(_ name: String) throws -> Campaign {
        try CampaignFile.load(path: try root().appendingPathComponent("Schedules/\(name).toml").path)
    }

    static func date(_ text: String) throws -> LocalDate { try #require(LocalDate(iso: text)) }

    /// The file's text: a parsed campaign keeps it for the dispatcher's send-time checks.
    static func text(of file: String) throws -> String {
        String(decoding: try #require(FileManager.default.contents(atPath: file)), as: UTF8.self)
    }

    @Test func recheckReminder() throws {
        let campaign = try Self.load("recheck-reminder")
        var expected = Campaign(
            name: "recheck-reminder", file: campaign.file, template: "recheck-reminder", senders: ["file"],
            kind: .reminder,
            description: "Recheck reminder after cataract surgery: 3 days and 1 day before the recheck",
            trigger: .offsets(
                field: "recheck_date",
                steps: [StepOffset(days: -3, text: "-3d"), StepOffset(days: -1, text: "-1d")]),
            audience: Campaign.Audience(tags: ["cataract"], require: ["recheck_date"]))
        expected.expireAfterDays = 1
        expected.source = try Self.text(of: campaign.file)
        #expect(campaign == expected)
        #expect(campaign.file.hasSuffix("/Schedules/recheck-reminder.toml"))
        #expect(campaign.hours == [try #require(TimeRange(parsing: "19:00-21:00"))])
        #expect(campaign.windowZone == .patient)
        #expect(campaign.dedupe == .patient)
    }

    @Test func coldWeatherCare() throws {
        let campaign = try Self.load("cold-weather-care")
        var expected = Campaign(
            name: "cold-weather-care", file: campaign.file, template: "cold-weather-care", senders: ["file"],
            kind: .care, description: "Cold-weather care note for older patients (one-off broadcast)",
            trigger: .at(try Self.date("2026-12-01")),
            audience: Campaign.Audience(tags: ["elderly"], excludeTags: ["deceased"]), dedupe: .phone)
        expected.source = try Self.text(of: campaign.file)
        #expect(campaign == expected)
        #expect(campaign.expireAfterDays == 0)
        #expect(campaign.days == Set(Weekday.allCases))
    }

    @Test func complaintCheckin() throws {
        let campaign = try Self.load("complaint-checkin")
        var expected = Campaign(
            name: "complaint-checkin", file: campaign.file, template: "complaint-follow-up",
            senders: ["file"],
            kind: .followUp, description: "Check-in 3 days after a complaint was resolved",
            trigger: .offsets(field: "resolved_on", steps: [StepOffset(days: 3, text: "+3d")]),
            audience: Campaign.Audience(
                tags: ["complaint"], require: ["complaint_date", "complaint_topic"],
                whereEquals: ["complaint_status": "resolved"]),
            expireAfterDays: 2)
        expected.source = try Self.text(of: campaign.file)
        #expect(campaign == expected)
    }

    @Test func loadAllFindsTheThreeInNameOrder() throws {
        let campaigns = try CampaignFile.loadAll(
            directory: try Self.root().appendingPathComponent("Schedules").path)
        #expect(campaigns.map(\.name) == ["cold-weather-care", "complaint-checkin", "recheck-reminder"])
    }

    /// Each example names templates that exist with the same kind, and fields and tags the example patient
    /// files have.
    @Test(arguments: ["recheck-reminder", "cold-weather-care", "complaint-checkin"])
    func examplesFitTheTemplatesAndPatientFiles(name: String) throws {
        let root = try Self.root()
        let campaign = try Self.load(name)
        for locale in ["en", "zh-CN"] {
            let path = root.appendingPathComponent("Templates/\(campaign.template).\(locale).mustache").path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.contains("kind = \"\(campaign.kind.rawValue)\""), "\(path)")
        }
        var columns: Set<String> = []
        var tags: Set<String> = []
        for csv in ["examples/patients.csv", "examples/complaints.csv"] {
            let lines = try String(contentsOfFile: root.appendingPathComponent(csv).path, encoding: .utf8)
                .split(separator: "\n")
            let header = try #require(lines.first).split(separator: ",").map(String.init)
            columns.formUnion(header)
            let tagColumn = try #require(header.firstIndex(of: "tags"))
            for line in lines.dropFirst() {
                // The tags column comes before any quoted field in both files.
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                tags.formUnion(fields[tagColumn].split(separator: ";").map(String.init))
            }
        }
        if case .offsets(let field, _) = campaign.trigger { #expect(columns.contains(field)) }
        for field in campaign.audience.require { #expect(columns.contains(field), "\(field)") }
        for tag in campaign.audience.tags { #expect(tags.contains(tag), "\(tag)") }
    }

    /// The format shown in `Schedules/README.md` is itself a valid campaign file.
    @Test func theReadmeExampleParses() throws {
        let readme = try String(
            contentsOfFile: try Self.root().appendingPathComponent("Schedules/README.md").path,
            encoding: .utf8)
        let start = try #require(readme.range(of: "```toml\n"))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        let campaign = try CampaignFile.parse(
            String(readme[start.upperBound..<end.lowerBound]), file: "Schedules/README.toml")
        #expect(campaign.name == "README")
        #expect(campaign.audience.whereEquals == ["complaint_status": "resolved"])
        #expect(campaign.skipDates == [try Self.date("2027-02-17")])
        #expect(campaign.expireAfterDays == 2)
        #expect(campaign.requireApproval == true)
    }
}
