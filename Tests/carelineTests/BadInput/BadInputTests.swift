import CarelineTesting
import Foundation
import Testing

/// The bad-input corpus (`Tests/Fixtures/bad-input`, issue 7): every realistic mistake in a patients export, a
/// campaign file, a template or `careline.toml` must end in a clear error that names the file and the line or
/// key, a sysexits code, and a database left byte for byte as it was.
@Suite("bad input (end to end)")
struct BadInputTests {
    /// Texts that only a crash or an unmapped error prints.
    static let crashMarkers = [
        "Fatal error", "Stack dump", "Backtrace", "internal error", "Illegal instruction",
        "Segmentation fault",
        "Swift runtime failure",
    ]

    @Test(arguments: BadInputCase.all())
    func failsClearlyAndChangesNothing(_ badCase: BadInputCase) throws {
        let corpus = try #require(BadInputCase.folder)
        let clinic = try BadInputClinic.shared.get()
        let folder = try clinic.copy()
        try install(
            corpus.appendingPathComponent(badCase.fixture),
            at: folder.url.appendingPathComponent(badCase.install))
        let before = DatabaseSnapshot(folder)
        #expect(before.contents[0] != nil, "the prepared database is missing")

        let result = try CarelineProcess.run(
            badCase.arguments, in: folder.url, environment: BadInputClinic.environment)

        let context =
            "MANIFEST.tsv:\(badCase.line): careline \(badCase.arguments.joined(separator: " "))\n"
            + result.stderr
        #expect(result.status == badCase.exitCode, "\(context)")
        for text in badCase.expected {
            if text.hasPrefix("stdout:") {
                let wanted = String(text.dropFirst("stdout:".count))
                #expect(result.stdout.contains(wanted), "stdout lacks \"\(wanted)\"\n\(context)")
            } else {
                #expect(result.stderr.contains(text), "stderr lacks \"\(text)\"\n\(context)")
            }
        }
        for marker in Self.crashMarkers {
            #expect(!result.stderr.contains(marker), "\(context)")
            #expect(!result.stdout.contains(marker), "\(context)")
        }
        let phones = clinic.phones + (try phoneTokens(in: corpus.appendingPathComponent(badCase.fixture)))
        for phone in phones {
            for form in PhoneTokens.forbiddenForms(of: phone) {
                #expect(!result.stderr.contains(form), "a full phone number was printed: \(form)\n\(context)")
                #expect(!result.stdout.contains(form), "a full phone number was printed: \(form)\n\(context)")
            }
        }
        #expect(DatabaseSnapshot(folder) == before, "the database changed\n\(context)")
    }

    /// A 10 MB field (an export that put a scanned document into a column) is generated here, not committed.
    @Test func tenMegabyteFieldIsRejectedWithItsLine() throws {
        let clinic = try BadInputClinic.shared.get()
        let folder = try clinic.copy()
        let field = String(repeating: "QUJDREVGR0hJSktMTU5PUA", count: 10 * 1024 * 1024 / 22)
        try folder.write(
            "exports/huge-field.csv",
            "id,name,phone,notes\nP3001,王芳,138 0013 8001,ok\nP3002,李娜,13600136002,\"\(field)\"\n")
        let before = DatabaseSnapshot(folder)

        let result = try CarelineProcess.run(
            ["patients", "import", "exports/huge-field.csv"], in: folder.url,
            environment: BadInputClinic.environment)

        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("exports/huge-field.csv:3:"), "\(result.stderr)")
        #expect(result.stderr.contains("longer than"), "\(result.stderr)")
        #expect(result.stderr.count < 2_000, "the field was echoed")
        #expect(DatabaseSnapshot(folder) == before)
    }

    /// The manifest names at least 60 fixture files, every fixture it names exists, and every file of the
    /// corpus is covered by a row (a new fixture without a manifest row is a mistake).
    @Test func manifestCoversEveryFixture() throws {
        let corpus = try #require(BadInputCase.folder)
        let text = try String(contentsOf: corpus.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        let cases = try BadInputCase.parse(text)
        #expect(cases == BadInputCase.all())
        let files = try fixtureFiles(in: corpus)
        var covered: Set<String> = []
        for badCase in cases {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(
                atPath: corpus.appendingPathComponent(badCase.fixture).path, isDirectory: &isFolder)
            #expect(exists, "MANIFEST.tsv:\(badCase.line): \(badCase.fixture) does not exist")
            let inside = files.filter {
                $0 == badCase.fixture || (isFolder.boolValue && $0.hasPrefix(badCase.fixture + "/"))
            }
            covered.formUnion(inside)
        }
        #expect(covered.count >= 60, "the manifest covers only \(covered.count) files")
        #expect(files.subtracting(covered).sorted() == [], "fixtures without a manifest row")
        #expect(
            Set(cases.map(\.fixture)).count == cases.count, "a fixture is listed twice in MANIFEST.tsv")
        for folder in ["patients", "schedules", "templates", "config"] {
            #expect(cases.contains { $0.fixture.hasPrefix(folder + "/") }, "no \(folder) case")
        }
    }

    @Test func manifestRowsAreChecked() throws {
        #expect(throws: ManifestError.self) { try BadInputCase.parse("patients/x.csv\tx.csv\tstatus\n") }
        #expect(throws: ManifestError.self) {
            try BadInputCase.parse("patients/x.csv\tx.csv\tstatus\tsixty-five\tx.csv:2:\n")
        }
        let cases = try BadInputCase.parse(
            "# comment\nfixture\tinstall\tcommand\texit\tstderr\n\npatients/x.csv\tx.csv\tpatients import x.csv\t65\tx.csv:2:\tid\n"
        )
        #expect(cases.count == 1)
        #expect(cases.first?.arguments == ["patients", "import", "x.csv"])
        #expect(cases.first?.exitCode == 65)
        #expect(cases.first?.expected == ["x.csv:2:", "id"])
        #expect(cases.first?.line == 4)
    }

    // MARK: - Helpers

    /// Copies a fixture file to `destination`, or merges a fixture folder's contents into it.
    private func install(_ fixture: URL, at destination: URL) throws {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        #expect(manager.fileExists(atPath: fixture.path, isDirectory: &isFolder), "\(fixture.path)")
        guard isFolder.boolValue else {
            try manager.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            if manager.fileExists(atPath: destination.path) { try manager.removeItem(at: destination) }
            try manager.copyItem(at: fixture, to: destination)
            return
        }
        for name in try manager.contentsOfDirectory(atPath: fixture.path) {
            try install(fixture.appendingPathComponent(name), at: destination.appendingPathComponent(name))
        }
    }

    /// The phone-like texts of a patients fixture (file or folder); none for other kinds.
    private func phoneTokens(in fixture: URL) throws -> [String] {
        guard fixture.pathExtension == "csv", let data = FileManager.default.contents(atPath: fixture.path)
        else { return [] }
        return PhoneTokens.find(in: String(decoding: data, as: UTF8.self))
    }

    /// Every file of the corpus, relative to it, except its README.md files and the manifest.
    private func fixtureFiles(in corpus: URL) throws -> Set<String> {
        var files: Set<String> = []
        let enumerator = try #require(FileManager.default.enumerator(atPath: corpus.path))
        while let path = enumerator.nextObject() as? String {
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(
                atPath: corpus.appendingPathComponent(path).path, isDirectory: &isFolder)
            let name = (path as NSString).lastPathComponent
            if isFolder.boolValue || name == "README.md" || path == "MANIFEST.tsv" { continue }
            files.insert(path)
        }
        return files
    }
}
