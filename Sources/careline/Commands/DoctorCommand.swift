import ArgumentParser
import CarelineCore
import CarelineCurl
import CarelineSQLite
import Foundation

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the machine careline runs on: libcurl, SQLite, the database, the timer, the lock.",
        discussion: """
            Prints one line per check: ok, warning or error, and what to do. Looks at the database read-only \
            (the file stays byte-identical): its mode, schema, PRAGMA quick_check, messages stuck in sending or \
            waiting for reconcile, the next planned send, free disk space; then whether careline-dispatch.timer is \
            enabled and whether a dispatcher runs right now. Exit 0 without errors, 69 when the database is \
            unusable or damaged or libcurl lacks TLS, 78 when the configuration is invalid.
            """)

    @Flag(help: "Print {\"ok\":bool,\"checks\":[{\"name\",\"status\",\"message\"}]} on one line.")
    var json = false

    @OptionGroup var options: ConfigOptions

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            let path = configuration.storePath
            let database: DoctorFacts.Database
            if !FileManager.default.fileExists(atPath: path) {
                database = .missing(path: path)
            } else {
                do throws(StoreError) {
                    database = .inspected(try SQLiteStore.health(path: path))
                } catch {
                    database = .unusable(path: path, message: error.description)
                }
            }
            let folder = HostFacts.folder(of: path)
            let facts = DoctorFacts(
                curl: CurlVersion.current, sqliteVersion: SQLiteStore.libraryVersion, database: database,
                timer: HostFacts.timer(unit: DoctorCheck.timerUnit), lock: DispatchLock.state(database: path),
                diskFreeBytes: HostFacts.freeBytes(in: folder), diskFolder: folder, now: Date())
            let report = CheckReport(checks: DoctorCheck(facts: facts).run())
            Output.line(json ? report.json : report.text)
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}
