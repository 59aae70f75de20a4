import Foundation

/// One line of the append-only audit trail: who did what, when. Never a body or a full phone number.
public struct AuditEntry: Sendable, Equatable {
    public var at: Date
    /// The person or process (`--by`, else `$USER`; `dispatch` for the timer).
    public var actor: String
    /// `import`, `queue`, `cancel`, `optout`, …
    public var action: String
    /// What it was done to: a batch id, a message id, a patient id, a file name.
    public var subject: String?
    /// Counts and reasons; phones masked.
    public var detail: String

    public init(at: Date, actor: String, action: String, subject: String? = nil, detail: String = "") {
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
    }
}
