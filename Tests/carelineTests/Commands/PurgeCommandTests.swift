import CarelineTesting
import Foundation
import Testing

/// `careline purge` and `[store] retention` with the built binary: three patients queued for 2026-12-01 and sent
/// through the file sender at 10:00Z (their last change), then purged at later instants.
@Suite("careline purge (end to end)")
struct PurgeCommandTests {
    /// Two days after the messages were sent: `--older-than 1d` purges them, `2d` sits exactly on the cutoff.
    static let later = "2026-12-03T10:00:00Z"

    /// A workspace whose three messages were sent at ``DispatchWorkspace/dispatchAt``.
    static func sentWorkspace(retention: String? = nil) throws -> DispatchWorkspace {
        let workspace = try DispatchWorkspace(
            patients: DispatchPatient.numbered(3), senders: DispatchWorkspace.fileSender,
            campaignSenders: ["file"],
            queue: false)
        if let retention {
            let configuration = try String(
                contentsOfFile: workspace.folder.path("careline.toml"), encoding: .utf8)
            _ = try workspace.folder.write(
                "careline.toml",
                configuration.replacingOccurrences(
                    of: "path = \"careline.sqlite\"",
                    with: "path = \"careline.sqlite\"\nretention = \"\(retention)\""))
        }
        try workspace.importAndQueue()
        #expect(try workspace.summary(try workspace.dispatch()) == DispatchCounts(sent: 3))
        return workspace
    }

    func databaseBytes(_ workspace: DispatchWorkspace) -> Data {
        FileManager.default.contents(atPath: workspace.folder.path("careline.sqlite")) ?? Data()
    }

    /// Expects that the database file holds no body and no full number of the workspace's patients.
    func expectErased(_ workspace: DispatchWorkspace, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = databaseBytes(workspace)
        for patient in workspace.patients {
            #expect(
                bytes.range(of: Data(patient.body.utf8)) == nil,
                "the body of \(patient.id) is still in the file",
                sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [["--older-than", "0d"], ["--older-than=-180d"], ["--older-than", "half-a-year"], []])
    func aBadPeriodIsAUsageError(arguments: [String]) throws {
        let workspace = try DispatchWorkspace(
            patients: DispatchPatient.numbered(1), senders: DispatchWorkspace.fileSender,
            campaignSenders: ["file"])
        let result = try workspace.careline(["purge"] + arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        if let period = arguments.last?.split(separator: "=").last, !arguments.isEmpty {
            #expect(
                result.stderr.contains("--older-than \(period) is not a retention period"), "\(result.stderr)"
            )
        }
    }

    @Test func withoutADatabaseItIsUnavailable() throws {
        let workspace = try DispatchWorkspace(
            patients: DispatchPatient.numbered(1), senders: DispatchWorkspace.fileSender,
            campaignSenders: ["file"],
            queue: false)
        let result = try workspace.careline(["purge", "--older-than", "180d"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("there is no database file here"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.folder.path("careline.sqlite")))
    }

    @Test func purgesFinishedMessagesKeepsTheirRecordAndSaysSo() throws {
        let workspace = try Self.sentWorkspace()
        let ids = try workspace.patients.map { try workspace.messageID(of: $0.id) }.sorted()

        // Exactly on the cutoff: last changed 2 days ago is not older than 2 days.
        let onCutoff = try workspace.careline(["purge", "--older-than", "2d", "--now", Self.later, "--json"])
        #expect(onCutoff.status == 0, "\(onCutoff.stderr)")
        #expect(
            onCutoff.stdout
                == #"{"purged":0,"dry_run":false,"older_than":"2d","cutoff":"2026-12-01T10:00:00Z","sent":0,"failed":0,"expired":0,"cancelled":0}"#
                + "\n")

        let before = databaseBytes(workspace)
        let dry = try workspace.careline(["purge", "--older-than", "1d", "--now", Self.later, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(
            dry.stdout
                == "dry run: would purge 3 messages last changed before 2026-12-02T10:00:00Z "
                + "(sent 3, failed 0, expired 0, cancelled 0)\n")
        #expect(databaseBytes(workspace) == before, "a dry run changed the database file")

        let purge = try workspace.careline([
            "purge", "--older-than", "1d", "--now", Self.later, "--json", "--by", "li.na",
        ])
        #expect(purge.status == 0, "\(purge.stderr)")
        #expect(
            purge.stdout
                == #"{"purged":3,"dry_run":false,"older_than":"1d","cutoff":"2026-12-02T10:00:00Z","sent":3,"failed":0,"expired":0,"cancelled":0}"#
                + "\n")
        workspace.expectNoPersonalData(purge.stderr)
        expectErased(workspace)

        let again = try workspace.careline(["purge", "--older-than", "1d", "--now", Self.later])
        #expect(again.status == 0)
        #expect(
            again.stdout
                == "purged 0 messages last changed before 2026-12-02T10:00:00Z (sent 0, failed 0, expired 0, cancelled 0)\n"
        )

        // Every reader still works: preview, status, review, audit; approval says clearly there is nothing to do.
        let preview = try workspace.preview()
        #expect(preview.compactMap { $0["id"] as? String }.sorted() == ids)
        for message in preview {
            #expect(message["purged"] as? Bool == true)
            #expect(message["body"] is NSNull)
            #expect((message["to"] as? String)?.contains("***") == true)
            #expect(message["state"] as? String == "sent")
        }
        let text = try workspace.careline(["preview"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("(purged 2026-12-03T10:00:00Z: body and phone number erased)"))
        workspace.expectNoPersonalData(text.stdout)
        #expect(try workspace.states() == ["sent": 3])
        let review = try workspace.careline(["review", "1", "--format", "json"])
        #expect(review.status == 0, "\(review.stderr)")
        let approve = try workspace.careline(["approve", "1", "--reviewer", "li.na"])
        #expect(approve.status == 65)
        #expect(
            approve.stderr
                == "careline: batch 1 has nothing waiting to be sent; there is nothing to approve\n")
        let audit = try workspace.careline(["audit", "--json"])
        let purges = try audit.stdout.split(separator: "\n").map { try DispatchWorkspace.object(String($0)) }
            .filter { $0["action"] as? String == "purge" }
        #expect(purges.count == 3)
        #expect(purges.map { $0["actor"] as? String } == ["coordinator", "li.na", "coordinator"])
        #expect(
            purges[1]["detail"] as? String
                == "older_than=1d cutoff=2026-12-02T10:00:00Z; purged=3 sent=3 failed=0 expired=0 cancelled=0"
        )
        #expect(purges[1]["subject"] as? String == "outbox")
    }

    @Test func retentionPurgesAfterEachDispatchAndADryRunPurgesNothing() throws {
        let workspace = try Self.sentWorkspace(retention: "1d")
        // Sent at this very instant: nothing is old enough, and an empty purge writes no audit line.
        let audit = try workspace.careline(["audit", "--json"]).stdout
        #expect(!audit.contains("\"purge\""))
        #expect(try workspace.preview().allSatisfy { $0["purged"] as? Bool == false })

        let before = databaseBytes(workspace)
        let dry = try workspace.dispatch(now: Self.later, ["--dry-run"])
        #expect(try workspace.summary(dry) == DispatchCounts())
        #expect(dry.stderr.contains("retention: would purge finished messages"), "\(dry.stderr)")
        #expect(dry.stderr.contains("purged=3"), "\(dry.stderr)")
        #expect(databaseBytes(workspace) == before, "a dry run changed the database file")

        let run = try workspace.dispatch(now: Self.later)
        // The JSON contract of dispatch is unchanged: the purge is only logged.
        #expect(try workspace.summary(run) == DispatchCounts())
        #expect(run.stderr.contains("retention: purged finished messages"), "\(run.stderr)")
        #expect(run.stderr.contains("purged=3"), "\(run.stderr)")
        #expect(try workspace.preview().allSatisfy { $0["purged"] as? Bool == true })
        expectErased(workspace)
        let lines = try workspace.careline(["audit", "--json"]).stdout.split(separator: "\n")
            .map { try DispatchWorkspace.object(String($0)) }.filter { $0["action"] as? String == "purge" }
        #expect(lines.count == 1)
        #expect(lines.first?["actor"] as? String == "dispatch")
        #expect(
            lines.first?["detail"] as? String
                == "older_than=1d cutoff=2026-12-02T10:00:00Z; purged=3 sent=3 failed=0 expired=0 cancelled=0"
        )

        // The next run finds nothing and writes no audit line.
        #expect(try workspace.summary(try workspace.dispatch(now: Self.later)) == DispatchCounts())
        #expect(
            try workspace.careline(["audit", "--json"]).stdout.components(separatedBy: "\"action\":\"purge\"")
                .count
                == 2)
    }
}
