import Foundation

/// What one dispatch run did, as `careline dispatch --json` prints it.
///
/// - `sent`: accepted by a provider (with `--dry-run`: would be sent now).
/// - `retry`: failed for now, planned again inside a later window.
/// - `failed`: failed permanently on every sender of the chain, or the recipient unsubscribed at the provider.
/// - `unknown`: the provider may have the message (a timeout, or a send interrupted by a crash) and resending
///   could text the patient twice: settle it with `careline reconcile`.
/// - `rescheduled`: found outside its window, quiet hours or caps at send time and planned for the next opening.
/// - `skipped`: not sent and never will be: expired, opted out since it was queued, or its sender is gone.
public struct DispatchSummary: Sendable, Equatable {
    public var sent = 0
    public var retry = 0
    public var failed = 0
    public var unknown = 0
    public var rescheduled = 0
    public var skipped = 0
    /// Due messages held because their batch waits for approval or they changed since it (not in the JSON:
    /// they are neither sent nor skipped, and go out once approved).
    public var held = 0

    public init(
        sent: Int = 0, retry: Int = 0, failed: Int = 0, unknown: Int = 0, rescheduled: Int = 0,
        skipped: Int = 0, held: Int = 0
    ) {
        self.held = held
        self.sent = sent
        self.retry = retry
        self.failed = failed
        self.unknown = unknown
        self.rescheduled = rescheduled
        self.skipped = skipped
    }

    /// `{"sent":N,"retry":N,"failed":N,"unknown":N,"rescheduled":N,"skipped":N}`.
    public var json: String {
        var line = JSONLine()
        line.add("sent", sent)
        line.add("retry", retry)
        line.add("failed", failed)
        line.add("unknown", unknown)
        line.add("rescheduled", rescheduled)
        line.add("skipped", skipped)
        return line.string
    }

    /// Whether the run changed any message (held ones are left as they were).
    public var changedAnything: Bool {
        sent + retry + failed + unknown + rescheduled + skipped > 0
    }

    /// `sent=N retry=N …`, for the audit trail and the log.
    public var text: String {
        "sent=\(sent) retry=\(retry) failed=\(failed) unknown=\(unknown) rescheduled=\(rescheduled) skipped=\(skipped)"
            + (held > 0 ? " held=\(held)" : "")
    }
}
