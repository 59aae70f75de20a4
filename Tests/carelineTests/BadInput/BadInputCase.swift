import CarelineTesting
import Foundation
import Testing

/// One case of the bad-input corpus: a row of `Tests/Fixtures/bad-input/MANIFEST.tsv`.
///
/// A row is `fixture<TAB>install<TAB>command<TAB>exit<TAB>stderr…`: the fixture (a file or a folder, relative
/// to `bad-input/`), where it is copied in the clinic folder (a folder's contents are merged into `install`),
/// the careline arguments (split at spaces), the exact exit code, and one or more texts stderr must contain
/// (`stdout:TEXT`: stdout must contain `TEXT`, for `templates check`, which lists its findings there).
struct BadInputCase: Sendable, Equatable, CustomTestStringConvertible {
    var fixture: String
    var install: String
    var arguments: [String]
    var exitCode: Int32
    var expected: [String]
    /// The manifest line, for failure messages.
    var line: Int

    var testDescription: String { fixture }

    /// The corpus folder, `Tests/Fixtures/bad-input`.
    static var folder: URL? {
        Corpus.packageRoot()?.appendingPathComponent("Tests/Fixtures/bad-input")
    }

    /// Parses the manifest's text: `#` starts a comment line, blank lines are skipped.
    ///
    /// - Throws: `ManifestError` naming the line of a malformed row.
    static func parse(_ text: String) throws -> [BadInputCase] {
        var cases: [BadInputCase] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.isEmpty || line.hasPrefix("#") { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if columns.first == "fixture" { continue }  // the header
            guard columns.count >= 5, let code = Int32(columns[3]),
                columns[4...].allSatisfy({ !$0.isEmpty })
            else {
                throw ManifestError(
                    line: index + 1,
                    message: "expected fixture, install, command, exit code and at least one stderr text")
            }
            cases.append(
                BadInputCase(
                    fixture: columns[0], install: columns[1],
                    arguments: columns[2].split(separator: " ").map(String.init), exitCode: code,
                    expected: Array(columns[4...]), line: index + 1))
        }
        return cases
    }

    /// The cases of the committed manifest; empty when it cannot be read (the coverage test then fails).
    static func all() -> [BadInputCase] {
        guard let folder,
            let data = FileManager.default.contents(
                atPath: folder.appendingPathComponent("MANIFEST.tsv").path),
            let cases = try? parse(String(decoding: data, as: UTF8.self))
        else { return [] }
        return cases
    }
}

/// A malformed manifest row.
struct ManifestError: Error, CustomStringConvertible {
    var line: Int
    var message: String
    var description: String { "MANIFEST.tsv:\(line): \(message)" }
}

/// A clinic folder as a coordinator has it: `careline.toml`, the shipped templates and campaigns, the example
/// patients imported and the shipped campaigns queued. Prepared once; every case runs in its own copy.
final class BadInputClinic: Sendable {
    /// When the shipped campaigns are queued.
    static let queuedAt = "2026-11-27T00:00:00Z"

    /// The clinic's `careline.toml`: the demo clinic's, with the store and the file sender inside the folder.
    static let configuration = """
        [clinic]
        name = "明德眼科"
        phone = "400-820-1234"
        signature = "【明德眼科】"
        timezone = "Asia/Shanghai"
        region = "CN"
        locale = "zh-CN"

        [clinic.en]
        name = "Mingde Eye Hospital"
        phone = "+86 400 820 1234"

        [paths]
        templates = "Templates"
        schedules = "Schedules"

        [policy]
        require_signature = true
        optout_text = { zh = "回T退订", en = "Reply STOP to opt out" }

        [store]
        path = "careline.sqlite"

        [senders.file]
        kind = "file"
        path = "sent.jsonl"
        price_per_segment = 0.05
        currency = "CNY"

        """

    /// Secrets every run gets, so that only a variable a case names on purpose is unset.
    static let environment = [
        "USER": "coordinator", "CARELINE_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
    ]

    /// The prepared folder, built on first use.
    static let shared = Result { try BadInputClinic() }

    let folder: TemporaryDirectory
    /// The phone numbers of the imported example patients, as written in the examples.
    let phones: [String]

    private init() throws {
        let root = try #require(Corpus.packageRoot())
        folder = try TemporaryDirectory()
        try folder.write("careline.toml", Self.configuration)
        for name in ["Templates", "Schedules", "examples"] {
            try FileManager.default.copyItem(
                at: root.appendingPathComponent(name), to: folder.url.appendingPathComponent(name))
        }
        for file in ["examples/patients.csv", "examples/complaints.csv"] {
            let result = try CarelineProcess.run(
                ["patients", "import", file], in: folder.url, environment: Self.environment)
            #expect(result.status == 0, "patients import \(file): \(result.stderr)")
        }
        let queued = try CarelineProcess.run(
            [
                "queue", "Schedules/cold-weather-care.toml", "Schedules/complaint-checkin.toml",
                "Schedules/recheck-reminder.toml", "--now", Self.queuedAt, "--json",
            ], in: folder.url, environment: Self.environment)
        #expect(queued.status == 0, "queue: \(queued.stderr)")
        #expect(queued.stdout.hasPrefix("{\"batch\":1,"), "\(queued.stdout)")
        var phones: [String] = []
        for file in ["examples/patients.csv", "examples/complaints.csv"] {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            phones += PhoneTokens.find(in: text)
        }
        self.phones = phones
    }

    /// A fresh copy of the prepared folder.
    func copy() throws -> TemporaryDirectory {
        let copy = try TemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.url.path) {
            try FileManager.default.copyItem(
                at: folder.url.appendingPathComponent(name), to: copy.url.appendingPathComponent(name))
        }
        return copy
    }
}

/// The database files whose bytes a failed command must leave as they were.
struct DatabaseSnapshot: Equatable {
    static let files = ["careline.sqlite", "careline.sqlite-wal"]

    /// Each file's bytes, `nil` when it does not exist.
    var contents: [Data?]

    init(_ folder: TemporaryDirectory) {
        contents = Self.files.map { FileManager.default.contents(atPath: folder.path($0)) }
    }
}

/// Phone-number-like texts (9 or more digits with the separators people type), for checking that no full
/// number reaches an error message.
enum PhoneTokens {
    /// Every run of digits, spaces, `+`, `-`, `(`, `)` and `.` holding at least 9 digits, trimmed.
    static func find(in text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        func flush() {
            let trimmed = current.trimmingCharacters(in: CharacterSet(charactersIn: " -.("))
            if trimmed.filter(\.isASCIIDigit).count >= 9 { tokens.append(trimmed) }
            current = ""
        }
        for character in text {
            if character.isASCIIDigit || " +-().".contains(character) {
                current.append(character)
            } else {
                flush()
            }
        }
        flush()
        return tokens
    }

    /// The forms of a token that must not appear: as written, its digits, and its last 9 digits.
    static func forbiddenForms(of token: String) -> [String] {
        let digits = token.filter(\.isASCIIDigit)
        return [token, digits, String(digits.suffix(9))]
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
