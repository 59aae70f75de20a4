import Foundation

/// How long a finished message keeps its body and full phone number: `[store] retention` or
/// `careline purge --older-than`, written as a duration (`180d`, `12h`).
public struct RetentionPeriod: Sendable, Equatable, CustomStringConvertible {
    /// The period as written (`180d`).
    public let text: String
    /// The period.
    public let duration: Duration

    /// Parses a period written like ``DurationText`` (`180d`, `4h`, `90m`); `nil` when it is not a duration
    /// or is zero (a sign is never accepted, so a negative period cannot be written).
    ///
    /// - Parameter text: The text as written.
    public init?(_ text: String) {
        guard let duration = DurationText.parse(text), duration > .zero else { return nil }
        self.text = text
        self.duration = duration
    }

    /// The instant `duration` before `now`: messages last changed before it are purged.
    ///
    /// - Parameter now: The current instant.
    /// - Returns: The cutoff.
    public func cutoff(before now: Date) -> Date {
        let (seconds, attoseconds) = duration.components
        return now.addingTimeInterval(-(Double(seconds) + Double(attoseconds) / 1e18))
    }

    /// The period as written.
    public var description: String { text }
}
