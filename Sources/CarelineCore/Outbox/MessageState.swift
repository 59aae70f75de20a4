/// Where a message is in its life. The names appear in JSON and the database: keep them.
public enum MessageState: String, Sendable, CaseIterable, Codable, Comparable {
    /// Planned, waiting for its send instant.
    case queued
    /// Handed to a sender; the outcome is not recorded yet.
    case sending
    /// The provider accepted it.
    case sent
    /// A temporary failure; it will be tried again inside its window.
    case retry
    /// A permanent failure on every sender of its chain.
    case failed
    /// A send was in flight when the dispatcher died and the sender cannot say whether it went out.
    case unknown
    /// It could not be sent before its expiry.
    case expired
    /// Cancelled by a person or by an opt-out.
    case cancelled

    /// Whether the message may still be sent.
    public var isPending: Bool { self == .queued || self == .retry }

    /// Whether the message's life is over: sent, failed, expired or cancelled. Only finished messages are
    /// purged for retention (`unknown` still waits for a person, `sending` for its outcome).
    public var isFinished: Bool {
        switch self {
        case .sent, .failed, .expired, .cancelled: return true
        case .queued, .sending, .retry, .unknown: return false
        }
    }

    /// Whether the message counts against a patient's daily and weekly caps.
    public var countsTowardCaps: Bool {
        switch self {
        case .queued, .sending, .sent, .retry, .unknown: return true
        case .failed, .expired, .cancelled: return false
        }
    }

    public static func < (lhs: MessageState, rhs: MessageState) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
