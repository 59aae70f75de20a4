import Foundation

/// `careline purge` and `[store] retention`: erases the bodies and full phone numbers of finished messages
/// (sent, failed, expired, cancelled) last changed more than a retention period ago.
///
/// Health data is kept only as long as it is needed: what a message said and the number it went to are gone
/// after the period, while its id, state, dates, content hash, approvals and the audit trail stay, so
/// `status`, `review` and `audit` still account for every message. The run is one store transaction and is
/// audited as `purge` (the period, the cutoff and the counts; never a body or a number).
public struct MessagePurge {
    let store: any OutboxStore

    /// - Parameter store: The outbox.
    public init(store: any OutboxStore) {
        self.store = store
    }

    /// What a purge did, or would do in a dry run.
    public struct Summary: Sendable, Equatable {
        /// The retention period.
        public var period: RetentionPeriod
        /// Messages last changed before this instant were purged.
        public var cutoff: Date
        /// Whether nothing was written.
        public var dryRun: Bool
        /// The messages purged (or that would be), by state.
        public var count: PurgeCount

        /// `{"purged","dry_run","older_than","cutoff","sent","failed","expired","cancelled"}` on one line.
        public var json: String {
            var line = JSONLine()
            line.add("purged", count.total)
            line.add("dry_run", dryRun)
            line.add("older_than", period.text)
            line.add("cutoff", OutboxMessage.utcText(cutoff))
            for state in MessageState.allCases where state.isFinished {
                line.add(state.rawValue, count.byState[state] ?? 0)
            }
            return line.string
        }

        /// `purged 5 messages finished before 2026-05-27T10:00:00Z (sent 3, failed 1, expired 0, cancelled 1)`.
        public var text: String {
            let noun = count.total == 1 ? "message" : "messages"
            let states = MessageState.allCases.filter(\.isFinished)
                .map { "\($0.rawValue) \(count.byState[$0] ?? 0)" }.joined(separator: ", ")
            return (dryRun ? "dry run: would purge" : "purged")
                + " \(count.total) \(noun) last changed before \(OutboxMessage.utcText(cutoff)) (\(states))"
        }
    }

    /// Purges (or, in a dry run, counts) the finished messages last changed before `now` minus `period`.
    ///
    /// - Parameters:
    ///   - period: The retention period.
    ///   - now: The current instant (the purge time recorded on each message and in the audit).
    ///   - actor: Who purges (`--by`, `$USER`, or `dispatch` for retention after a dispatch run).
    ///   - dryRun: Count only; write nothing (not even the audit line).
    ///   - auditWhenNone: Whether a purge that erased nothing is audited too (`careline purge`: yes; the purge
    ///     after every dispatch: no, so the trail does not fill with empty runs).
    /// - Returns: What was purged.
    /// - Throws: Store errors (nothing is changed then).
    public func run(
        olderThan period: RetentionPeriod, now: Date, actor: String, dryRun: Bool, auditWhenNone: Bool
    ) throws -> Summary {
        let cutoff = period.cutoff(before: now)
        let count: PurgeCount
        if dryRun {
            count = try store.purgeableCount(changedBefore: cutoff)
        } else {
            count = try store.purgeFinished(
                changedBefore: cutoff,
                audit: AuditEntry(
                    at: now, actor: actor, action: "purge", subject: "outbox",
                    detail: "older_than=\(period.text) cutoff=\(OutboxMessage.utcText(cutoff))"),
                auditWhenNone: auditWhenNone)
        }
        return Summary(period: period, cutoff: cutoff, dryRun: dryRun, count: count)
    }
}
