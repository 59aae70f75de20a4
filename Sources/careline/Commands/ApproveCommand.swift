import ArgumentParser
import CarelineCore
import Foundation

struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a batch after review: exactly its current messages may be sent.",
        discussion: """
            Records the reviewer, the time, the note and a SHA-256 of each pending message (id, recipient, body, \
            sender chain) plus one over the batch. A message whose body or recipient changes afterwards is held \
            ("changed since approval") until the batch is approved again; cancelled and opted-out messages simply \
            drop out. With [policy] forbid_self_approval the person who queued the batch may not approve it.
            """)

    @Argument(help: "The batch id (careline status lists them).")
    var batch: Int64

    @Option(help: "Who approves (recorded in the audit trail).")
    var reviewer: String

    @Option(help: "A note for the audit trail.")
    var note: String?

    @OptionGroup var options: ConfigOptions

    /// A reviewer's name as recorded: surrounding spaces are not part of it.
    static func name(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    func validate() throws {
        if Self.name(reviewer).isEmpty {
            throw ValidationError("--reviewer needs a name")
        }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let store = try Bootstrap.existingStore(configuration)
            let approved = try BatchApproval(store: store, policy: configuration.policy)
                .approve(batchID: batch, reviewer: Self.name(reviewer), note: note, at: Date())
            Output.line(
                "batch \(batch) approved by \(Self.name(reviewer)): \(approved.messages) "
                    + "message\(approved.messages == 1 ? "" : "s"), batch hash "
                    + "\(approved.batchHash.prefix(16))…")
        }
    }
}

struct RejectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Reject a batch after review: its pending messages are cancelled.")

    @Argument(help: "The batch id.")
    var batch: Int64

    @Option(help: "Who rejects (recorded in the audit trail).")
    var reviewer: String

    @Option(help: "Why (required; recorded in the audit trail).")
    var note: String

    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if reviewer.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--reviewer needs a name")
        }
        if note.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--note needs the reason for the rejection")
        }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let store = try Bootstrap.existingStore(configuration)
            let cancelled = try BatchApproval(store: store, policy: configuration.policy)
                .reject(batchID: batch, reviewer: ApproveCommand.name(reviewer), note: note, at: Date())
            Output.line(
                "batch \(batch) rejected by \(ApproveCommand.name(reviewer)): \(cancelled) "
                    + "message\(cancelled == 1 ? "" : "s") cancelled")
        }
    }
}
