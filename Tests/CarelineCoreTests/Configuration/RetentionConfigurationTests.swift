import Foundation
import Testing

@testable import CarelineCore

@Suite("careline.toml: [store] retention")
struct RetentionConfigurationTests {
    @Test func readsTheRetentionPeriod() throws {
        let configuration = try Configuration.parse(
            "[store]\npath = \"careline.sqlite\"\nretention = \"180d\"\n", file: "/srv/clinic/careline.toml")
        #expect(configuration.retention == RetentionPeriod("180d"))
    }

    @Test func withoutTheKeyNothingIsPurged() throws {
        #expect(
            try Configuration.parse("[store]\npath = \"x.sqlite\"\n", file: "careline.toml").retention == nil)
        #expect(Configuration().retention == nil)
    }

    @Test(
        arguments: [
            ("[store]\nretention = \"0d\"", 2, 13), ("[store]\nretention = \"-180d\"", 2, 13),
            ("[store]\nretention = \"half a year\"", 2, 13), ("[store]\nretention = 180", 2, 13),
            ("[clinic]\nname = \"x\"\n[store]\nretention = \"6 months\"", 4, 13),
        ] as [(String, Int, Int)])
    func aBadPeriodNamesTheFileLineAndKey(text: String, line: Int, column: Int) throws {
        let error = try #require(throws: ConfigurationError.self) {
            try Configuration.parse(text, file: "careline.toml")
        }
        #expect(error.key == "store.retention")
        #expect(error.location == SourceLocation(line: line, column: column))
        #expect(
            error.description
                == "careline.toml:\(line):\(column): store.retention: must be a retention period above zero such "
                + "as \"180d\" (a whole number and d, h, m or s); remove the key to keep messages for ever")
    }

    @Test func aMisspeltKeySuggestsRetention() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try Configuration.parse("[store]\nretension = \"180d\"", file: "careline.toml")
        }
        #expect(error.key == "store.retension")
        #expect(error.message.contains("did you mean store.retention?"))
    }
}
