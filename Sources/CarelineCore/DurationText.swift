/// Durations as people write them in careline.toml and on the command line: `500ms`, `90s`, `4m`, `1h`, `180d`.
public enum DurationText {
    /// Parses up to 9 ASCII digits followed by `ms`, `s`, `m`, `h` or `d` (86,400 s: a retention period, not a
    /// calendar day); `nil` for anything else (no sign, no spaces, no fractions).
    public static func parse(_ text: String) -> Duration? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let number = Int64(digits) else { return nil }
        switch text.dropFirst(digits.count) {
        case "ms": return .milliseconds(number)
        case "s": return .seconds(number)
        case "m": return .seconds(number * 60)
        case "h": return .seconds(number * 3600)
        case "d": return .seconds(number * 86_400)
        default: return nil
        }
    }
}
