import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

@Suite("FileSender")
struct FileSenderTests {
    /// The permission bits of a file (Foundation hands them over as `Int` or `NSNumber`).
    static func mode(_ path: String) throws -> Int? {
        let value = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]
        if let mode = value as? Int { return mode }
        return (value as? NSNumber)?.intValue
    }

    static let expectedLine =
        #"{"id":"msg_01HZX5","campaign":"recheck-reminder","step":"-3d","patient_id":"P001","#
        + #""to":"+8613800138000","body":"【明德眼科】王女士，您好：\n请于12月4日复查。回T退订 \"ok\"","#
        + #""send_at":"2026-12-01T11:00:00Z","attempt":2,"sent_at":"2026-12-01T11:00:05Z"}"#

    @Test func lineHasEveryFieldInOrderWithTheFullNumber() throws {
        #expect(FileSender.line(for: try SendingFixtures.attempt()) == Self.expectedLine)
    }

    @Test func appendsOneDurableLineToANewOwnerOnlyFile() throws {
        let folder = try TemporaryDirectory()
        let sender = FileSender(name: "file", settings: FileSettings(path: folder.path("sent.jsonl")))
        #expect(sender.resendIsSafe)
        #expect(sender.rate == nil)
        #expect(sender.concurrency == 1)
        #expect(sender.prepare(try SendingFixtures.attempt()) == .done(.sent(providerID: nil)))
        let text = try String(contentsOfFile: folder.path("sent.jsonl"), encoding: .utf8)
        #expect(text == Self.expectedLine + "\n")
        #expect(try Self.mode(folder.path("sent.jsonl")) == 0o600)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["body"] as? String == SendingFixtures.body)
        #expect(object["attempt"] as? Int == 2)
    }

    @Test func sendingTwiceAppendsTwiceWithTheSameID() throws {
        let folder = try TemporaryDirectory()
        let sender = FileSender(name: "file", settings: FileSettings(path: folder.path("sent.jsonl")))
        #expect(sender.prepare(try SendingFixtures.attempt(1)) == .done(.sent(providerID: nil)))
        #expect(sender.prepare(try SendingFixtures.attempt(2)) == .done(.sent(providerID: nil)))
        let lines = try String(contentsOfFile: folder.path("sent.jsonl"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(
            lines[0] == Self.expectedLine.replacingOccurrences(of: #""attempt":2"#, with: #""attempt":1"#))
        #expect(lines[1] == Self.expectedLine)
        #expect(lines[2] == "")
    }

    @Test func keepsExistingContentAndModeOfAnExistingFile() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.write("sent.jsonl", "earlier\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: url.path)
        let sender = FileSender(name: "file", settings: FileSettings(path: url.path))
        #expect(sender.prepare(try SendingFixtures.attempt()) == .done(.sent(providerID: nil)))
        #expect(try String(contentsOf: url, encoding: .utf8) == "earlier\n" + Self.expectedLine + "\n")
        #expect(try Self.mode(url.path) == 0o640)
    }

    @Test func aFailedWriteIsRetriedWithoutTheBody() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("missing/sent.jsonl")
        let sender = FileSender(name: "file", settings: FileSettings(path: path))
        let action = sender.prepare(try SendingFixtures.attempt())
        #expect(
            action
                == .done(
                    .retry(
                        after: nil, reason: "cannot append to \(path): No such file or directory (errno 2)")))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func interpretIsNeverExpected() throws {
        let sender = FileSender(name: "file", settings: FileSettings(path: "/dev/null"))
        #expect(
            sender.interpret(.success(HTTPResponse(status: 200)), for: try SendingFixtures.attempt())
                == .permanent(reason: "the file sender makes no HTTP requests", optOut: false))
    }
}
