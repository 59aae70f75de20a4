import CarelineCore
import Foundation

/// Reads a `Retry-After` header (RFC 9110 §10.2.3): delay seconds or an HTTP-date.
public enum RetryAfter {
    /// How long to wait, from a response's `retry-after` header.
    ///
    /// - Parameters:
    ///   - response: The response (header names lower-cased).
    ///   - now: The attempt's instant; an HTTP-date is taken relative to it.
    /// - Returns: The delay (zero for a date in the past), or `nil` without a readable header.
    public static func delay(in response: HTTPResponse, now: Date) -> Duration? {
        response.headers["retry-after"].flatMap { parse($0, now: now) }
    }

    /// Parses a `Retry-After` value.
    ///
    /// - Parameters:
    ///   - value: `120`, or an HTTP-date: `Sun, 06 Nov 1994 08:49:37 GMT` (also the obsolete RFC 850 and
    ///     asctime forms).
    ///   - now: The instant a date is relative to.
    /// - Returns: The delay (zero for a date in the past), or `nil` when the value is neither form.
    public static func parse(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) {
            guard text.utf8.count <= 9, let seconds = Int64(text) else { return nil }
            return .seconds(seconds)
        }
        guard let date = httpDate(text) else { return nil }
        let delta = date.timeIntervalSince(now)
        return delta > 0 ? .milliseconds(Int64((delta * 1000).rounded(.up))) : .zero
    }

    private static let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]

    /// The instant of an HTTP-date in any of its three forms, or `nil`.
    static func httpDate(_ text: String) -> Date? {
        let tokens = text.split(whereSeparator: { " ,-:".contains($0) }).map(String.init)
        var day: Int?
        var month: Int?
        var year: Int?
        var clock: (Int, Int, Int)?
        switch tokens.count {
        case 8 where tokens[7] == "GMT":
            // IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT` or RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`.
            day = Int(tokens[1])
            month = monthNumber(tokens[2])
            year = Int(tokens[3]).map { tokens[3].count == 2 ? ($0 < 70 ? 2000 + $0 : 1900 + $0) : $0 }
            clock = time(tokens[4], tokens[5], tokens[6])
        case 7:
            // asctime `Sun Nov  6 08:49:37 1994`.
            month = monthNumber(tokens[1])
            day = Int(tokens[2])
            clock = time(tokens[3], tokens[4], tokens[5])
            year = Int(tokens[6])
        default:
            return nil
        }
        guard let day, let month, let year, let clock,
            let date = LocalDate(year: year, month: month, day: day)
        else { return nil }
        let seconds = date.daysSinceEpoch * 86_400 + clock.0 * 3600 + clock.1 * 60 + clock.2
        return Date(timeIntervalSince1970: Double(seconds))
    }

    private static func monthNumber(_ name: String) -> Int? {
        months.firstIndex(of: name.lowercased()).map { $0 + 1 }
    }

    private static func time(_ hours: String, _ minutes: String, _ seconds: String) -> (Int, Int, Int)? {
        guard let h = Int(hours), let m = Int(minutes), let s = Int(seconds), (0..<24).contains(h),
            (0..<60).contains(m), (0...60).contains(s)
        else { return nil }
        return (h, m, s)
    }
}
