import CarelineTesting
import Foundation
import Testing

/// `careline optout add` with a number it cannot read: the error masks the input and quotes no other number.
@Suite("careline optout add (errors)")
struct OptoutCommandTests {
    @Test func anInvalidNumberIsMaskedAndTheHintQuotesNoRealNumber() throws {
        let folder = try TemporaryDirectory()
        _ = try folder.write(
            "careline.toml", "[clinic]\nregion = \"CN\"\n[store]\npath = \"careline.sqlite\"\n")
        let result = try CarelineProcess.run(["optout", "add", "138 0013 800"], in: folder.url)
        #expect(result.status == 64)
        #expect(
            result.stderr.contains("Phone number \"138 **** 800\" has 10 digits after +86"),
            "\(result.stderr)")
        // The hint used to say "e.g. 138 0013 8000": the number of the example patient P1001 (and a full number
        // in an error message). It describes the shape now.
        #expect(
            result.stderr.contains("a mainland mobile has 11 digits, 1[3-9]x xxxx xxxx"), "\(result.stderr)")
        #expect(!result.stderr.contains("138 0013 8"))
        #expect(!result.stderr.contains("1380013"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("careline.sqlite")))
    }
}
