import ArgumentParser
import CarelineCore
import Foundation

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel pending messages of a batch, a campaign or one message.")

    @Option(help: "A batch id.") var batch: Int64?
    @Option(help: "A campaign name.") var campaign: String?
    @Option(help: "A message id.") var id: String?
    @OptionGroup var actorOptions: ActorOptions
    @OptionGroup var options: ConfigOptions

    func validate() throws {
        guard [batch != nil, campaign != nil, id != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("name exactly one of --batch ID, --campaign NAME or --id MSG")
        }
    }

    func run() throws {
        try Failure.run {
            let store = try Bootstrap.store(try Bootstrap.configuration(options))
            let filter = MessageFilter(campaign: campaign, batchID: batch, id: id)
            let subject =
                batch.map { "batch \($0)" } ?? campaign.map { "campaign \($0)" } ?? "message \(id ?? "")"
            let count = try store.cancel(
                filter,
                audit: AuditEntry(at: Date(), actor: actorOptions.actor, action: "cancel", subject: subject))
            Output.line("cancelled \(count) pending message\(count == 1 ? "" : "s") of \(subject)")
        }
    }
}
