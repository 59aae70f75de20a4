import ArgumentParser
import CarelineCore
import CarelineSQLite
import Foundation

/// Builds what a command needs from its configuration: the store, the template library.
enum Bootstrap {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func configuration(_ options: ConfigOptions) throws -> Configuration {
        LogSetup.bootstrap(level: options.level)
        return try Configuration.load(explicit: options.config, environment: environment)
    }

    static func store(_ configuration: Configuration) throws -> SQLiteStore {
        try SQLiteStore(path: configuration.storePath)
    }

    /// The store, which must exist already (a review or approval of a database that is not there is a mistake).
    static func existingStore(_ configuration: Configuration) throws -> SQLiteStore {
        try SQLiteStore.open(path: configuration.storePath, create: false)
    }

    /// `--by`, else `$USER`, else `unknown`.
    static func actor(_ by: String?) -> String {
        if let by = by?.trimmingCharacters(in: .whitespacesAndNewlines), !by.isEmpty { return by }
        return environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
    }
}

/// `--by NAME`: who is acting, recorded in the audit trail.
struct ActorOptions: ParsableArguments {
    @Option(name: .long, help: "Who is doing this, for the audit trail (default: $USER).")
    var by: String?

    var actor: String { Bootstrap.actor(by) }
}
