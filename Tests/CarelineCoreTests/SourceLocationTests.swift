import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// Files saved in another encoding (GBK from a Chinese Windows editor, Latin-1, UTF-16) are reported at the
/// first byte that is not UTF-8, by line and column.
@Suite("SourceLocation")
struct SourceLocationTests {
    @Test func validUTF8HasNoBadByte() {
        #expect(SourceLocation.firstInvalidUTF8(in: Data("a = 1\n# 复查\n".utf8)) == nil)
        #expect(SourceLocation.firstInvalidUTF8(in: Data()) == nil)
    }

    @Test func theFirstBadByteIsFoundByLineAndColumn() throws {
        // "# 复查" saved as GBK on line 2, after a UTF-8 "复" on line 1: columns count scalars.
        let bytes: [UInt8] = Array("复 = 1\n# ".utf8) + [0xB8, 0xB4, 0xB2, 0xE9] + Array("\n".utf8)
        let bad = try #require(SourceLocation.firstInvalidUTF8(in: Data(bytes)))
        #expect(bad.location == SourceLocation(line: 2, column: 3))
        #expect(bad.byte == 0xB8)
        // A truncated sequence at the very end is bad too.
        let truncated = try #require(SourceLocation.firstInvalidUTF8(in: Data([0x61, 0xE5, 0xA4])))
        #expect(truncated.location == SourceLocation(line: 1, column: 2))
        #expect(truncated.byte == 0xE5)
    }

    @Test func theMessageShowsTheByteAndWhatToDo() {
        #expect(
            SourceLocation.notUTF8Message(byte: 0x0A)
                == "not valid UTF-8 (byte 0x0A); save the file as UTF-8 (it looks saved in another encoding, "
                + "such as GBK, Latin-1 or UTF-16)")
    }

    @Test func campaignConfigurationAndTemplateFilesNameThePosition() throws {
        let folder = try TemporaryDirectory()
        let gbk: [UInt8] = Array("template = \"recheck\"\n# ".utf8) + [0xB8, 0xB4] + Array("\n".utf8)
        let schedule = folder.url.appendingPathComponent("x.toml")
        try Data(gbk).write(to: schedule)

        let campaign = try #require(throws: ConfigurationError.self) {
            try CampaignFile.load(path: schedule.path)
        }
        #expect(campaign.location == SourceLocation(line: 2, column: 3))
        #expect(campaign.description.hasPrefix("\(schedule.path):2:3: not valid UTF-8 (byte 0xB8)"))

        let configuration = try #require(throws: ConfigurationError.self) {
            try Configuration.load(path: schedule.path)
        }
        #expect(configuration.location == SourceLocation(line: 2, column: 3))
        #expect(configuration.code == .syntax)

        let template = folder.url.appendingPathComponent("x.en.mustache")
        try Data(Array("Hello\n{{patient.name}} ".utf8) + [0xE9] + Array("\n".utf8)).write(to: template)
        let error = try #require(throws: TemplateError.self) { try TemplateLibrary.read(template.path) }
        #expect(error.location == SourceLocation(line: 2, column: 18))
        #expect(error.message.hasPrefix("not valid UTF-8 (byte 0xE9)"))
    }
}
