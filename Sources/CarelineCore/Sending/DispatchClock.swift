import Foundation

/// Time for the dispatcher: the wall clock for "now", a monotonic clock for durations and rates, and sleep.
///
/// Injected so that tests run backoff, rate limits and `--max-duration` on a manual clock, and so that Core
/// never reads the system clock itself.
public protocol DispatchClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Time since an arbitrary fixed point; never goes back.
    func elapsed() -> Duration
    /// Waits (a manual clock advances instead).
    func sleep(for duration: Duration)
}

/// Retry timing: exponential backoff with jitter, and the most attempts per sender.
public struct RetryPolicy: Sendable, Equatable {
    /// The waits after the 1st, 2nd, … failed attempt; the last one repeats.
    public var backoff: [Duration]
    /// Attempts through one sender before it counts as a permanent failure.
    public var maxAttempts: Int
    /// At most this share of a wait is added at random, so retries of one outage do not arrive together.
    public var jitter: Double

    /// The defaults: 1 min, 5 min, 30 min, 2 h; 5 attempts; up to 10 % jitter.
    public static let standard = RetryPolicy(
        backoff: [.seconds(60), .seconds(300), .seconds(1800), .seconds(7200)], maxAttempts: 5, jitter: 0.1)

    public init(backoff: [Duration], maxAttempts: Int, jitter: Double) {
        precondition(!backoff.isEmpty && maxAttempts >= 1 && jitter >= 0, "a retry policy needs waits")
        self.backoff = backoff
        self.maxAttempts = maxAttempts
        self.jitter = jitter
    }

    /// The wait after failed attempt `attempt` (1-based) before jitter.
    public func wait(afterAttempt attempt: Int) -> Duration {
        backoff[min(max(attempt, 1), backoff.count) - 1]
    }
}
