import ArgumentParser
import CarelineCore
import Foundation

struct OptoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optout", abstract: "Record and list opt-outs.",
        subcommands: [OptoutAddCommand.self, OptoutListCommand.self])
}

struct OptoutAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record an opt-out for a phone number or a patient; cancels their pending messages at once."
    )

    @Argument(help: "The phone number (national numbers use [clinic] region).") var phone: String?
    @Option(help: "A patient id instead of a phone number.") var patient: String?
    @Option(help: "Why, for the record.") var reason: String?
    @OptionGroup var actorOptions: ActorOptions
    @OptionGroup var options: ConfigOptions

    func validate() throws {
        guard (phone == nil) != (patient == nil) else {
            throw ValidationError("give a phone number or --patient ID (one of them)")
        }
    }

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            var number: PhoneNumber?
            if let phone {
                do {
                    number = try PhoneNumber(parsing: phone, defaultRegion: configuration.clinic.region)
                } catch let error as PhoneNumberError {
                    throw ValidationError(
                        "\(error.message); give the number as the patient file has it (a mainland mobile has 11 "
                            + "digits, 1[3-9]x xxxx xxxx; others start with + and the country code)")
                }
            }
            let store = try Bootstrap.store(configuration)
            let now = Date()
            let subject = number?.masked ?? "patient \(patient ?? "")"
            let cancelled = try store.addOptOut(
                OptOut(
                    phone: number, patientID: patient, reason: reason, at: now, source: "careline optout add"),
                audit: AuditEntry(
                    at: now, actor: actorOptions.actor, action: "optout", subject: subject,
                    detail: reason ?? ""))
            Output.line(
                "opted out \(subject); cancelled \(cancelled) pending message\(cancelled == 1 ? "" : "s")")
        }
    }
}

struct OptoutListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List opt-outs, newest first.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        try Failure.run {
            let optOuts = try Bootstrap.store(try Bootstrap.configuration(options)).optOuts()
            if optOuts.isEmpty { Output.line("No opt-outs.") }
            for optOut in optOuts {
                let who = [optOut.phone?.masked, optOut.patientID.map { "patient \($0)" }].compactMap { $0 }
                    .joined(separator: " ")
                Output.line(
                    "\(OutboxMessage.utcText(optOut.at))  \(who)  \(optOut.source)"
                        + (optOut.reason.map { "  (\($0))" } ?? ""))
            }
        }
    }
}
