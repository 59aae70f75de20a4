import Foundation

/// What an import did.
public struct PatientImportReport: Sendable {
    /// The file as given.
    public var file: String
    /// Data rows read (blank lines not counted).
    public var rows = 0
    /// Rows without problems.
    public var valid = 0
    /// The first problems (see `problemCount` for all).
    public var problems: [PatientProblem] = []
    public var problemCount = 0
    /// Counts of the write, when something was written.
    public var summary: ImportSummary?

    /// Whether anything was written.
    public var committed: Bool { summary != nil }

    /// `FILE:line: column: message` for one problem.
    public func line(for problem: PatientProblem) -> String {
        "\(file):\(problem.line): \(problem.field ?? "column \(problem.column)"): \(problem.message)"
    }

    /// `{"file","rows","valid","invalid","inserted","updated","unchanged","committed","problems":[…]}`.
    public var json: String {
        var text = "{"
        var head = JSONLine()
        head.add("file", file)
        head.add("rows", rows)
        head.add("valid", valid)
        head.add("invalid", rows - valid)
        head.add("inserted", summary?.inserted ?? 0)
        head.add("updated", summary?.updated ?? 0)
        head.add("unchanged", summary?.unchanged ?? 0)
        head.add("committed", committed)
        text = String(head.string.dropLast())
        text += ",\"problems\":["
        for (index, problem) in problems.enumerated() {
            if index > 0 { text += "," }
            var line = JSONLine()
            line.add("line", problem.line)
            line.add("column", problem.column)
            line.add("field", problem.field)
            line.add("message", problem.message)
            text += line.string
        }
        return text + "]}"
    }
}

/// `careline patients import`: validates the whole file first, then writes it in one transaction.
///
/// With any invalid row nothing is written, unless `skipInvalid` (then the valid rows go in and the invalid ones
/// are reported). Patients are upserted by `id`; an unchanged row is not rewritten. The file is streamed twice
/// (validate, then write), never held in memory whole.
public struct PatientImport: Sendable {
    public var path: String
    public var defaultRegion: String?
    public var actor: String
    public var now: Date

    public init(path: String, defaultRegion: String?, actor: String, now: Date) {
        self.path = path
        self.defaultRegion = defaultRegion
        self.actor = actor
        self.now = now
    }

    /// An import that found the file changed between validating and writing it.
    public struct ChangedDuringImport: Error, CustomStringConvertible {
        public var file: String
        public var description: String {
            "\(file): the file changed while it was being imported; nothing was written — run the import again"
        }
    }

    /// Validates, then writes when allowed.
    ///
    /// - Parameter progress: called now and then with (bytes read, total bytes) during each pass.
    /// - Throws: `PatientHeaderError`, `CSVError` (`io`), store errors, ``ChangedDuringImport``.
    public func run(
        store: any PatientStore, skipInvalid: Bool, progress: ((Int, Int?) -> Void)? = nil
    ) throws -> PatientImportReport {
        let url = URL(fileURLWithPath: path)
        var report = PatientImportReport(file: path)
        let check = try PatientFileValidator.validate(
            url: url, defaultRegion: defaultRegion, progress: progress)
        report.rows = check.rows
        report.valid = check.valid
        report.problems = check.problems
        report.problemCount = check.problems.count + check.truncatedProblems
        guard report.problemCount == 0 || skipInvalid, check.valid > 0 else { return report }
        let audit = AuditEntry(
            at: now, actor: actor, action: "import", subject: (path as NSString).lastPathComponent,
            detail: "rows=\(check.rows) valid=\(check.valid) invalid=\(check.rows - check.valid)")
        report.summary = try store.upsertPatients(audit: audit) { emit in
            var written = 0
            // The validator keeps its callback optional (so escaping); the store's `emit` is only used during
            // this call.
            let again = try withoutActuallyEscaping(emit) { emit in
                try PatientFileValidator.validate(
                    url: url, defaultRegion: defaultRegion, progress: progress,
                    onValid: { patient in
                        written += 1
                        try emit(patient)
                    })
            }
            guard again.rows == check.rows, again.valid == check.valid, written == check.valid else {
                throw ChangedDuringImport(file: path)
            }
        }
        return report
    }
}
