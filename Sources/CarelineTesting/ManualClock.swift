import CarelineCore
import Foundation
import Synchronization

/// A ``DispatchClock`` that only moves when told to, or when the code under test sleeps: backoff, rate limits
/// and `--max-duration` are tested without waiting.
public final class ManualClock: DispatchClock {
    private struct State {
        var now: Date
        var elapsed: Duration = .zero
        var slept: [Duration] = []
    }
    private let state: Mutex<State>

    /// A clock at `start`.
    public init(start: Date) {
        state = Mutex(State(now: start))
    }

    /// The current instant.
    public func now() -> Date { state.withLock { $0.now } }

    /// Time advanced so far.
    public func elapsed() -> Duration { state.withLock { $0.elapsed } }

    /// Advances instead of waiting, and remembers the wait.
    public func sleep(for duration: Duration) {
        advance(by: duration)
        state.withLock { $0.slept.append(duration) }
    }

    /// Moves both clocks forward.
    public func advance(by duration: Duration) {
        state.withLock { state in
            let (seconds, attoseconds) = duration.components
            state.now = state.now.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
            state.elapsed += duration
        }
    }

    /// Every wait asked for, in order.
    public var slept: [Duration] { state.withLock { $0.slept } }
}

/// A ``MessageSender`` whose outcomes a test scripts, per message id or for all: for logic tests of the
/// dispatcher (the real senders are tested over loopback HTTP).
public final class ScriptedSender: MessageSender, @unchecked Sendable {
    public let name: String
    public let resendIsSafe: Bool
    public let rate: Double?
    public let concurrency: Int
    private let lock = Mutex<[SendAttempt]>([])
    private let outcome: @Sendable (SendAttempt) -> SendOutcome
    private let onSend: (@Sendable (SendAttempt) -> Void)?

    /// - Parameters:
    ///   - name: The sender's name.
    ///   - resendIsSafe: Whether a crashed attempt may be resent.
    ///   - rate: Messages per second at most.
    ///   - concurrency: Messages per round.
    ///   - onSend: Runs for each attempt as it is "sent" (e.g. to advance a clock).
    ///   - outcome: The outcome of each attempt.
    public init(
        name: String, resendIsSafe: Bool = true, rate: Double? = nil, concurrency: Int = 8,
        onSend: (@Sendable (SendAttempt) -> Void)? = nil,
        outcome: @escaping @Sendable (SendAttempt) -> SendOutcome = { _ in .sent(providerID: nil) }
    ) {
        self.name = name
        self.resendIsSafe = resendIsSafe
        self.rate = rate
        self.concurrency = concurrency
        self.onSend = onSend
        self.outcome = outcome
    }

    /// Every attempt made through this sender, in order.
    public var attempts: [SendAttempt] { lock.withLock { $0 } }

    public func prepare(_ attempt: SendAttempt) -> SenderAction {
        lock.withLock { $0.append(attempt) }
        onSend?(attempt)
        return .done(outcome(attempt))
    }

    public func interpret(_ result: Result<HTTPResponse, TransportError>, for attempt: SendAttempt)
        -> SendOutcome
    {
        .permanent(reason: "not an HTTP sender", optOut: false)
    }
}
