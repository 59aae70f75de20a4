import Foundation

/// Parses the instants users type: `2026-12-01T19:30:00+08:00`, `2026-12-01T11:30Z`, fractional seconds allowed.
public enum Timestamp {
    /// The instant, or `nil` when the text is not an ISO 8601 date-time with a zone (`Z` or `±HH:MM`).
    public static func parse(_ text: String) -> Date? {
        let scalars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= scalars.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let byte = scalars[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
                index += 1
            }
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < scalars.count, characters.utf8.contains(scalars[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            let date = LocalDate(year: year, month: month, day: day), expect("Tt "),
            let hour = number(2), hour < 24, expect(":"), let minute = number(2), minute < 60
        else { return nil }
        var seconds = 0.0
        if index < scalars.count, scalars[index] == UInt8(ascii: ":") {
            index += 1
            guard let whole = number(2), whole < 60 else { return nil }
            seconds = Double(whole)
            if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
                index += 1
                var scale = 0.1
                let start = index
                while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
                    seconds += Double(scalars[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
                if index == start { return nil }
            }
        }
        var offset = 0
        if expect("Zz") {
            offset = 0
        } else if index < scalars.count,
            scalars[index] == UInt8(ascii: "+") || scalars[index] == UInt8(ascii: "-")
        {
            let sign = scalars[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2), hours < 24, expect(":"), let minutes = number(2), minutes < 60 else {
                return nil
            }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard index == scalars.count else { return nil }
        let daySeconds = Double(date.daysSinceEpoch) * 86_400
        return Date(
            timeIntervalSince1970: daySeconds + Double(hour * 3600 + minute * 60) + seconds - Double(offset))
    }
}
