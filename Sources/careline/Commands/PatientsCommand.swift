import ArgumentParser
import CarelineCore
import Foundation

struct PatientsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patients", abstract: "Import the clinic's patient export.",
        subcommands: [PatientsImportCommand.self])
}

struct PatientsImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Validate a patients CSV, then upsert it by id in one transaction.",
        discussion: """
            UTF-8 CSV with a header. Known columns: id (required, unique), name (required), phone, gender, \
            birth_date, timezone, locale, tags (;-separated), opt_out, preferred_time; every other column is kept \
            as a field. Every problem is reported as FILE:line: column: message; with any invalid row nothing is \
            written (exit 65) unless --skip-invalid.
            """)

    @Argument(help: "The patients CSV file.")
    var file: String

    @Flag(help: "Import the valid rows and list the invalid ones instead of writing nothing.")
    var skipInvalid = false

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    @OptionGroup var actorOptions: ActorOptions
    @OptionGroup var options: ConfigOptions

    func run() throws {
        try Failure.run {
            let configuration = try Bootstrap.configuration(options)
            guard FileManager.default.fileExists(atPath: file) else {
                throw FileError(file: file, message: " file not found; check the path", isMissing: true)
            }
            let store = try Bootstrap.store(configuration)
            let progress = Progress.terminal(label: "reading \(file)")
            let report = try FileError.naming(file) {
                try PatientImport(
                    path: file, defaultRegion: configuration.clinic.region, actor: actorOptions.actor,
                    now: Date()
                ).run(store: store, skipInvalid: skipInvalid, progress: progress)
            }
            Progress.finish(progress)
            if json {
                Output.line(report.json)
            } else {
                for problem in report.problems { Failure.printError(report.line(for: problem)) }
                if report.problemCount > report.problems.count {
                    Failure.printError("… and \(report.problemCount - report.problems.count) more problems")
                }
                if let summary = report.summary {
                    Output.line(
                        "imported \(file): \(summary.inserted) new, \(summary.updated) updated, "
                            + "\(summary.unchanged) unchanged"
                            + (report.problemCount > 0
                                ? ", \(report.rows - report.valid) invalid rows skipped" : ""))
                } else if report.problemCount > 0 {
                    Failure.printError(
                        "\(file): \(report.rows - report.valid) of \(report.rows) rows are invalid; nothing was "
                            + "imported. Fix them, or import the valid rows with --skip-invalid")
                } else if report.rows > 0 {
                    Output.line("\(file): no patient rows; nothing was imported")
                }
            }
            // A header without rows is a broken or mis-filtered export, not an empty clinic: say so and fail.
            if report.rows == 0 {
                Failure.printError(
                    "\(file):1: the file has a header but no patient rows; nothing was imported — check the "
                        + "export (its filter or date range) and export again")
                throw ExitCode(Failure.dataError)
            }
            if report.problemCount > 0 && !skipInvalid { throw ExitCode(Failure.dataError) }
        }
    }
}
