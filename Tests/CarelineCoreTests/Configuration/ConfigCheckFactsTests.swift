import CarelineCore
import CarelineTesting
import Foundation
import Testing

/// What `config check` gathers from the file system and environment: secrets resolved and dropped, file modes,
/// campaign files, writable folders.
@Suite("ConfigCheckFacts")
struct ConfigCheckFactsTests {
    static let webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test func secretsAreResolvedCheckedAndNeverKept() throws {
        let folder = try TemporaryDirectory()
        try folder.write("hook.secret", Self.webhookSecret + "\n")
        chmod(folder.path("hook.secret"), 0o644)
        try folder.write(
            "careline.toml",
            """
            [senders.hook]
            kind = "webhook"
            url = "https://example.org/hook"
            secret = "file:hook.secret"
            [senders.bad]
            kind = "webhook"
            url = "https://example.org/bad"
            secret = "env:BAD_SECRET"
            [senders.sms]
            kind = "twilio"
            account_sid = "AC0123456789abcdef0123456789abcdef"
            auth_token = "env:MISSING_TOKEN"
            from = "+15005550006"
            [senders.file]
            kind = "file"
            path = "out/sent.jsonl"

            """)
        let configuration = try Configuration.load(path: folder.path("careline.toml"))
        let facts = ConfigCheckFacts.gather(
            configuration: configuration, environment: ["BAD_SECRET": "plain-text-secret"],
            now: Date(timeIntervalSince1970: 1_764_547_200))

        let file = try #require(facts.secrets["senders.hook.secret"])
        #expect(file.problem == nil)
        #expect(file.fileMode == 0o644)
        #expect(file.source == "file:\(folder.path("hook.secret"))")

        let malformed = try #require(facts.secrets["senders.bad.secret"]?.problem)
        #expect(malformed.key == "senders.bad.secret")
        #expect(!malformed.description.contains("plain-text-secret"))
        #expect(malformed.message.hasPrefix("the secret (env:BAD_SECRET) must be whsec_"))

        let missing = try #require(facts.secrets["senders.sms.auth_token"]?.problem)
        #expect(
            missing.message == "environment variable MISSING_TOKEN is not set; export it or use file:PATH")

        #expect(
            facts.fileSenders["file"]
                == ConfigCheckFacts.PathFact(
                    path: folder.path("out/sent.jsonl"), folderExists: false, folderWritable: false,
                    fileExists: false, fileWritable: true))
        #expect(facts.store.path == folder.path("careline.sqlite"))
        #expect(facts.store.folderExists)
        #expect(facts.store.folderWritable)
        #expect(!facts.store.fileExists)
        #expect(facts.schedules == .missing(folder.path("Schedules")))
        guard case .unreadable(let reason) = facts.templates else {
            Issue.record("templates: \(facts.templates)")
            return
        }
        #expect(reason.hasPrefix(folder.path("Templates")))
        // Gathering wrote nothing.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path("")).sorted() == [
                "careline.toml", "hook.secret",
            ])
    }

    @Test func campaignFilesAreParsedInNameOrder() throws {
        let folder = try TemporaryDirectory()
        try folder.write("careline.toml", "[clinic]\ntimezone = \"UTC\"\n")
        try folder.write(
            "Schedules/b.toml",
            "template = \"note\"\nsenders = [\"file\"]\nkind = \"reminder\"\n[trigger]\nat = 2026-12-01\n")
        try folder.write("Schedules/a.toml", "template = \"note\"\nknd = \"reminder\"\n")
        try folder.write("Schedules/README.md", "not a campaign")
        let configuration = try Configuration.load(path: folder.path("careline.toml"))
        let facts = ConfigCheckFacts.gather(
            configuration: configuration, environment: [:], now: Date(timeIntervalSince1970: 0))
        guard case .files(let directory, let files) = facts.schedules else {
            Issue.record("schedules: \(facts.schedules)")
            return
        }
        #expect(directory == folder.path("Schedules"))
        #expect(files.count == 2)
        guard case .failed(let file, let error) = files.first, case .loaded(let campaign) = files.last else {
            Issue.record("files: \(files)")
            return
        }
        #expect(file == folder.path("Schedules/a.toml"))
        #expect(error.key == "knd")
        #expect(campaign.name == "b")
    }
}
