import ArgumentParser
import CarelineCore
import CarelineCurl
import CarelineSQLite
import Foundation

/// One dispatch run in-process, for profilers: `valgrind --tool=callgrind careline-bench dispatch-profile ...`.
///
/// It does what `careline dispatch --now NOW` does (configuration, sender routes with their secrets from the
/// environment, the SQLite store, one ``Dispatcher`` run) without the command-line front end and without the
/// dispatch lock. Prints the summary as JSON. (`careline` itself does not run under valgrind 3.19 here: valgrind
/// stops with an internal error while the executable starts.)
struct DispatchProfile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch-profile", abstract: "Run one dispatch in-process (for callgrind).")

    @Option(help: "careline.toml") var config: String
    @Option(help: "The instant to dispatch at (ISO 8601).") var now: String

    func run() throws {
        let configuration = try Configuration.load(explicit: config, environment: [:])
        guard let instant = ISO8601DateFormatter().date(from: now) else {
            throw ValidationError("--now is not an ISO 8601 instant")
        }
        let routes = try SenderRoutes.make(
            configuration: configuration, environment: ProcessInfo.processInfo.environment)
        let store = try SQLiteStore.open(path: configuration.storePath, create: false)
        let dispatcher = Dispatcher(
            store: store, routes: routes, configuration: configuration, clock: WallClock())
        print(try dispatcher.run(DispatchOptions(now: instant)).json)
    }
}

/// The wall clock (the executable's own clock is not a library type).
struct WallClock: DispatchClock {
    private let origin = ContinuousClock.now

    func now() -> Date { Date() }

    func elapsed() -> Duration { ContinuousClock.now - origin }

    func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        Thread.sleep(
            forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds)
                / 1e18)
    }
}
