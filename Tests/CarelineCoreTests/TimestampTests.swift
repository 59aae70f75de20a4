import Foundation
import Testing

@testable import CarelineCore

@Suite("ISO 8601 instants for --now")
struct TimestampTests {
    @Test(arguments: [
        ("2026-12-01T19:30:00+08:00", 1_796_124_600.0), ("2026-12-01T11:30Z", 1_796_124_600.0),
        ("2026-12-01 11:30:00.250Z", 1_796_124_600.25), ("2026-03-08T02:30:00-05:00", 1_772_955_000.0),
    ])
    func parses(text: String, seconds: Double) throws {
        let instant = try #require(Timestamp.parse(text))
        #expect(instant.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: [
        "2026-12-01", "2026-12-01T19:30", "2026-13-01T00:00Z", "2026-12-01T24:00Z", "tomorrow",
        "2026-12-01T19:30+8",
    ])
    func rejects(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
