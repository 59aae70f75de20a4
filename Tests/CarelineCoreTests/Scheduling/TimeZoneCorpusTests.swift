import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// One `window_cases` entry: a daily range on a local date and its exact UTC bounds.
struct WindowCorpusCase: Decodable, Sendable, CustomTestStringConvertible {
    var id: String
    var zone: String
    var localDate: String
    var window: String
    var startUTC: String
    var endUTC: String
    var durationMinutes: Int

    enum CodingKeys: String, CodingKey {
        case id, zone, window
        case localDate = "local_date"
        case startUTC = "start_utc"
        case endUTC = "end_utc"
        case durationMinutes = "duration_minutes"
    }

    var testDescription: String { id }
}

/// One `instant_cases` entry: a local date-time and how it resolves.
struct InstantCorpusCase: Decodable, Sendable, CustomTestStringConvertible {
    var id: String
    var zone: String
    var local: String
    var kind: String
    var fold0UTC: String
    var fold0Offset: String
    var earlierUTC: String?
    var transitionUTC: String?

    enum CodingKeys: String, CodingKey {
        case id, zone, local, kind
        case fold0UTC = "fold0_utc"
        case fold0Offset = "fold0_offset"
        case earlierUTC = "earlier_utc"
        case transitionUTC = "transition_utc"
    }

    var testDescription: String { id }
}

/// One `next_send_cases` entry: "now" and the next allowed send instant for a window.
struct NextSendCorpusCase: Decodable, Sendable, CustomTestStringConvertible {
    var id: String
    var zone: String
    var window: String
    var nowUTC: String
    var nowLocal: String
    var insideWindow: Bool
    var nextSendUTC: String
    var windowStartUTC: String
    var windowEndUTC: String

    enum CodingKeys: String, CodingKey {
        case id, zone, window
        case nowUTC = "now_utc"
        case nowLocal = "now_local"
        case insideWindow = "inside_window"
        case nextSendUTC = "next_send_utc"
        case windowStartUTC = "window_start_utc"
        case windowEndUTC = "window_end_utc"
    }

    var testDescription: String { id }
}

/// The parts of `timezones/cases.json` the tests use.
struct TimeZoneCorpus: Decodable, Sendable {
    var resolutionPolicy: String
    var windowCases: [WindowCorpusCase]
    var instantCases: [InstantCorpusCase]
    var nextSendCases: [NextSendCorpusCase]

    enum CodingKeys: String, CodingKey {
        case resolutionPolicy = "resolution_policy"
        case windowCases = "window_cases"
        case instantCases = "instant_cases"
        case nextSendCases = "next_send_cases"
    }

    /// The corpus, or `nil` when the shared corpora are absent.
    static func load() -> TimeZoneCorpus? {
        guard let data = try? Corpus.data("timezones/cases.json") else { return nil }
        return try? JSONDecoder().decode(TimeZoneCorpus.self, from: data)
    }

    static let shared = load()
}

private let corpusPresent = Corpus.url("timezones/cases.json") != nil
private let absent = Comment(rawValue: "shared/corpora/timezones/cases.json absent")

/// Parses the corpus' `2026-03-08T02:30` local date-times.
private func localDateTime(_ text: String) -> (LocalDate, LocalTime)? {
    let parts = text.split(separator: "T")
    guard parts.count == 2, let date = LocalDate(iso: parts[0]), let time = LocalTime(parsing: parts[1])
    else {
        return nil
    }
    return (date, time)
}

/// Parses `+05:30` / `-04:00` into seconds.
private func offsetSeconds(_ text: String) -> Int? {
    let bytes = Array(text.utf8)
    guard bytes.count == 6, let hours = Int(String(text.dropFirst().prefix(2))),
        let minutes = Int(String(text.suffix(2)))
    else { return nil }
    return (bytes[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
}

@Suite("Time-zone corpus")
struct TimeZoneCorpusTests {
    @Test(.enabled(if: corpusPresent, absent))
    func corpusHasEveryCase() throws {
        let corpus = try #require(TimeZoneCorpus.shared, "timezones/cases.json does not decode")
        #expect(corpus.windowCases.count == 32)
        #expect(corpus.instantCases.count == 16)
        #expect(corpus.nextSendCases.count == 14)
        // LocalTimeResolution follows this policy: gap times keep the pre-transition offset (fold=0),
        // ambiguous times take the earlier instant.
        #expect(corpus.resolutionPolicy.contains("pre-transition offset"))
        #expect(corpus.resolutionPolicy.contains("earlier instant"))
    }

    @Test(.enabled(if: corpusPresent, absent), arguments: TimeZoneCorpus.shared?.windowCases ?? [])
    func windowCase(_ item: WindowCorpusCase) throws {
        let zone = try #require(TimeZone(identifier: item.zone), "\(item.id): unknown zone")
        let date = try #require(LocalDate(iso: item.localDate), "\(item.id): bad local_date")
        let range = try #require(TimeRange(parsing: item.window), "\(item.id): bad window")
        let start = try #require(Timestamp.parse(item.startUTC), "\(item.id): bad start_utc")
        let end = try #require(Timestamp.parse(item.endUTC), "\(item.id): bad end_utc")

        let occurrence = range.occurrence(on: date, in: zone)
        #expect(occurrence.start == start, "\(item.id): start")
        #expect(occurrence.end == end, "\(item.id): end")
        let minutes = Int(occurrence.end.timeIntervalSince(occurrence.start) / 60)
        #expect(minutes == item.durationMinutes, "\(item.id): duration")
        // The start and end also resolve one by one, through the public resolution API.
        #expect(
            LocalTimeResolution.instant(date, range.start, in: zone) == start, "\(item.id): start instant")
        let endDate = range.crossesMidnight ? date.adding(days: 1) : date
        #expect(LocalTimeResolution.instant(endDate, range.end, in: zone) == end, "\(item.id): end instant")
    }

    @Test(.enabled(if: corpusPresent, absent), arguments: TimeZoneCorpus.shared?.instantCases ?? [])
    func instantCase(_ item: InstantCorpusCase) throws {
        let zone = try #require(TimeZone(identifier: item.zone), "\(item.id): unknown zone")
        let (date, time) = try #require(localDateTime(item.local), "\(item.id): bad local")
        let expected = try #require(Timestamp.parse(item.fold0UTC), "\(item.id): bad fold0_utc")
        let offset = try #require(offsetSeconds(item.fold0Offset), "\(item.id): bad fold0_offset")

        let instant = LocalTimeResolution.instant(date, time, in: zone)
        #expect(instant == expected, "\(item.id): resolved instant")
        // fold=0 reads the wall clock with the earlier offset: instant = local - fold0_offset.
        let local = Double(date.daysSinceEpoch * 86_400 + time.minutes * 60)
        #expect(instant.timeIntervalSince1970 == local - Double(offset), "\(item.id): fold0 offset")
        switch item.kind {
        case "ambiguous":
            let earlier = try #require(item.earlierUTC.flatMap(Timestamp.parse), "\(item.id): earlier_utc")
            #expect(instant == earlier, "\(item.id): ambiguous resolves to the earlier instant")
        case "nonexistent":
            let transition = try #require(
                item.transitionUTC.flatMap(Timestamp.parse), "\(item.id): transition_utc")
            #expect(instant >= transition, "\(item.id): a gap time resolves after the gap")
            // The result is a real wall-clock time: the clock shows the time moved forward by the gap.
            #expect(zone.secondsFromGMT(for: instant) != offset, "\(item.id): offset after the gap")
        default:
            #expect(zone.secondsFromGMT(for: instant) == offset, "\(item.id): offset of a normal time")
        }
    }

    @Test(.enabled(if: corpusPresent, absent), arguments: TimeZoneCorpus.shared?.nextSendCases ?? [])
    func nextSendCase(_ item: NextSendCorpusCase) throws {
        let zone = try #require(TimeZone(identifier: item.zone), "\(item.id): unknown zone")
        let range = try #require(TimeRange(parsing: item.window), "\(item.id): bad window")
        let now = try #require(Timestamp.parse(item.nowUTC), "\(item.id): bad now_utc")
        let next = try #require(Timestamp.parse(item.nextSendUTC), "\(item.id): bad next_send_utc")
        let windowStart = try #require(
            Timestamp.parse(item.windowStartUTC), "\(item.id): bad window_start_utc")
        let windowEnd = try #require(Timestamp.parse(item.windowEndUTC), "\(item.id): bad window_end_utc")
        let (localDate, _) = try #require(localDateTime(item.nowLocal), "\(item.id): bad now_local")
        #expect(LocalDate(now, in: zone) == localDate, "\(item.id): local date of now")

        let planner = SendPlanner(quietHours: nil)
        let opening = planner.nextOpening(after: now, window: range, in: zone)
        #expect(opening.start == windowStart, "\(item.id): window start")
        #expect(opening.end == windowEnd, "\(item.id): window end")
        #expect((opening.start <= now && now < opening.end) == item.insideWindow, "\(item.id): inside window")

        let request = SendPlanner.Request(
            notBefore: now, dueDate: localDate.adding(days: -1), lastDate: localDate.adding(days: 2),
            zone: zone,
            quietZone: zone, window: ContactWindow(hours: [range]))
        #expect(planner.plan(request) == .at(next), "\(item.id): next send")
    }
}
