import Foundation
import Testing

@testable import CarelineCore

@Suite("Retention period")
struct RetentionPeriodTests {
    @Test(arguments: [
        ("180d", Duration.seconds(180 * 86_400)), ("1d", .seconds(86_400)), ("12h", .seconds(43_200)),
        ("90m", .seconds(5_400)), ("30s", .seconds(30)), ("1ms", .milliseconds(1)),
    ])
    func parsesWholeDurationsAboveZero(text: String, duration: Duration) throws {
        let period = try #require(RetentionPeriod(text))
        #expect(period.duration == duration)
        #expect(period.text == text)
        #expect(period.description == text)
    }

    @Test(arguments: [
        "0d", "0s", "-180d", "+180d", "180", "d", "180 d", "1.5d", "180D", "6w", "", "1234567890d",
    ])
    func refusesZeroSignsAndAnythingElse(text: String) {
        #expect(RetentionPeriod(text) == nil)
    }

    @Test func theCutoffIsThePeriodBeforeNow() throws {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(
            try #require(RetentionPeriod("180d")).cutoff(before: now) == now.addingTimeInterval(-15_552_000))
        #expect(try #require(RetentionPeriod("1ms")).cutoff(before: now) == now.addingTimeInterval(-0.001))
    }

    @Test func durationTextReadsDays() {
        #expect(DurationText.parse("180d") == .seconds(15_552_000))
        #expect(DurationText.parse("999999999d") == .seconds(Int64(999_999_999) * 86_400))
        #expect(DurationText.parse("-1d") == nil)
        #expect(DurationText.parse("1 d") == nil)
    }
}
