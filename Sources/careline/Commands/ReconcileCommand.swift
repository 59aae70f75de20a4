import ArgumentParser
import CarelineCore
import CarelineSQLite
import Foundation

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Settle a message whose delivery is unknown, after checking the provider.",
        discussion: """
            A message becomes unknown when the provider may have accepted it but never said so (a timeout, or a \
            dispatcher that crashed mid-send) and the sender cannot de-duplicate a resend (Twilio). Look it up at \
            the provider (careline status lists unknown ids; the provider's log shows the masked number and time), \
            then: --mark-sent if it went out, --mark-failed if it did not and should not, --resend to send it again \
            at the next dispatch (inside its window).
            """)

    @Option(help: "The message id (msg_…).")
    var id: String

    @Flag(help: "Queue it again: the next dispatch sends it inside its window.")
    var resend = false

    @Flag(help: "Record that the provider did send it.")
    var markSent = false

    @Flag(help: "Record that it was not sent and must not be.")
    var markFailed = false

    @Option(help: "Why, for the audit trail (e.g. what the provider's log showed).")
    var note: String?

    @OptionGroup var actorOptions: ActorOptions
    @OptionGroup var options: ConfigOptions

    func validate() throws {
        if [resend, markSent, markFailed].filter({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --resend, --mark-sent, --mark-failed")
        }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let store = try SQLiteStore.open(path: configuration.storePath, create: false)
            var found: OutboxMessage?
            try store.forEachMessage(MessageFilter(id: id), limit: 1) { found = $0 }
            guard let message = found else {
                Failure.printError(
                    "\(configuration.storePath): no message \(id); copy the id from careline status --json")
                throw ExitCode(Failure.dataError)
            }
            guard message.state == .unknown else {
                Failure.printError(
                    "\(configuration.storePath): message \(id) is \(message.state.rawValue), not unknown; only "
                        + "unknown messages are reconciled")
                throw ExitCode(Failure.dataError)
            }
            let now = Date()
            let action = resend ? "resend" : markSent ? "mark-sent" : "mark-failed"
            let update: MessageUpdate
            if resend {
                update = MessageUpdate(
                    id: id, from: .unknown, to: .queued, at: now,
                    sendAt: max(now, message.sendAt),
                    lastError: "resend after reconcile")
            } else if markSent {
                update = MessageUpdate(id: id, from: .unknown, to: .sent, at: now, lastError: "")
            } else {
                update = MessageUpdate(
                    id: id, from: .unknown, to: .failed, at: now, lastError: "marked failed after reconcile")
            }
            var detail = "action=\(action) sender=\(message.currentSender ?? "-")"
            if let note, !note.isEmpty { detail += " note=\(note)" }
            let changed = try store.apply(
                [update],
                audit: [
                    AuditEntry(
                        at: now, actor: actorOptions.actor, action: "reconcile", subject: id, detail: detail)
                ])
            guard changed.contains(id) else {
                Failure.printError("\(configuration.storePath): message \(id) changed meanwhile; look again")
                throw ExitCode(Failure.temporary)
            }
            let state = resend ? "queued" : markSent ? "sent" : "failed"
            Output.line("\(id): unknown → \(state) (\(message.recipient.masked))")
        }
    }
}
