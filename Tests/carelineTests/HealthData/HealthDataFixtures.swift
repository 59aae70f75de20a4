import CarelineCore
import CarelineTesting
import Foundation
import Testing

/// What must never appear in a log line, on stderr or in an error message: full phone numbers, message bodies
/// (whole, or any 12 characters of one), secrets.
struct LeakScanner {
    /// One thing that must not leak.
    struct Needle {
        /// `phone`, `body`, `body excerpt`, `secret`.
        var kind: String
        /// Where it comes from (`examples/patients.csv line 3`, `message msg_…`, `TWILIO_AUTH_TOKEN`).
        var origin: String
        var text: String
    }

    /// The length of a body excerpt that counts as a leak.
    static let excerptLength = 12

    private(set) var needles: [Needle] = []
    private var seen: Set<String> = []

    /// Text every message shares regardless of the patient: the literal runs of the templates and partials (what
    /// lies between their tags) and the clinic's own fields. A 12-character excerpt of a body that lies wholly
    /// inside such a run ("请注意保暖，外出戴好帽子围巾" of the cold-weather note, the signature 【明德眼科】, the
    /// opt-out text) says nothing about a patient and may legitimately be quoted, e.g. by a template error that
    /// shows the template line; so those excerpts are not needles. An excerpt that crosses into a tag's value (a
    /// name, a date, a procedure) is one.
    private var fixedRuns: [String] = []

    mutating func add(_ kind: String, _ origin: String, _ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard text.count >= 6, seen.insert(kind + "\u{0}" + text).inserted else { return }
        needles.append(Needle(kind: kind, origin: origin, text: text))
    }

    /// Reads the fixed runs of every template and partial in `templates` (front matter dropped), and `clinic`
    /// values (name, phone, signature, opt-out texts).
    mutating func learnFixedText(templates: URL, clinic: [String]) throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: templates.path)
            .filter { $0.hasSuffix(".mustache") }
        for file in files {
            var text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            if text.hasPrefix("+++\n"),
                let end = text.range(
                    of: "\n+++\n", range: text.index(text.startIndex, offsetBy: 3)..<text.endIndex)
            {
                text = String(text[end.upperBound...])
            }
            let untagged = text.replacingOccurrences(
                of: "\\{\\{[^}]*\\}\\}", with: "\u{0}", options: .regularExpression)
            fixedRuns += untagged.split(separator: "\u{0}").map(String.init)
        }
        fixedRuns += clinic
    }

    /// Adds a rendered body and every 12-character excerpt of it that is not fixed text.
    mutating func addBody(_ body: String, origin: String) {
        add("body", origin, body)
        let characters = Array(body)
        guard characters.count > Self.excerptLength else { return }
        for start in 0...(characters.count - Self.excerptLength) {
            let excerpt = String(characters[start..<(start + Self.excerptLength)])
            if fixedRuns.contains(where: { $0.contains(excerpt) }) { continue }
            if excerpt.trimmingCharacters(in: .whitespacesAndNewlines).count < Self.excerptLength { continue }
            add("body excerpt", origin, excerpt)
        }
    }

    /// Adds a phone number as written in a file, with its E.164 form and its national digits.
    mutating func addPhone(_ written: String, origin: String, region: String = "CN") {
        let written = written.trimmingCharacters(in: .whitespaces)
        guard !written.isEmpty else { return }
        add("phone as written", origin, written)
        let digits = written.filter(\.isASCII).filter(\.isNumber)
        if digits.count >= 8 { add("phone digits", origin, digits) }
        if let number = try? PhoneNumber(parsing: written, defaultRegion: region) {
            add("phone (E.164)", origin, number.e164)
            add("phone (national)", origin, number.nationalNumber)
        } else if digits.count >= 10 {
            // An invalid number is still a number someone typed: its last 10 digits must not be shown either.
            add("phone (last 10 digits)", origin, String(digits.suffix(10)))
        }
    }

    /// Adds every `phone` cell of a patients CSV (naive split: the example files quote no phone).
    mutating func addPhones(csv url: URL, name: String) throws {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false),
            let column = header.firstIndex(of: "phone")
        else { return }
        for (index, line) in lines.enumerated().dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            if column < cells.count { addPhone(String(cells[column]), origin: "\(name) line \(index + 1)") }
        }
    }

    /// Every needle found in `text`, as `kind from origin: "needle"` lines.
    func leaks(in text: String) -> [String] {
        needles.filter { text.contains($0.text) }.map { "\($0.kind) from \($0.origin): \"\($0.text)\"" }
    }
}

/// One command's output that must be free of personal data and secrets: stderr always, and the parts of stdout
/// that are error messages, audit lines or logs.
struct ScannedText {
    /// `careline dispatch --now … (stderr)`.
    var label: String
    var text: String
}

/// The demo clinic of `scripts/demo` in a temporary folder, plus a second outbox whose senders fail.
final class HealthDataWorkspace {
    let folder: TemporaryDirectory
    let environment: [String: String]
    /// Everything to scan, in the order it was produced.
    private(set) var scanned: [ScannedText] = []

    /// The demo's send instant.
    static let demoNow = "2026-11-30T19:30:00+08:00"
    static let webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    init() throws {
        folder = try TemporaryDirectory()
        environment = [
            "USER": "coordinator", "CARELINE_WEBHOOK_SECRET": Self.webhookSecret,
            "TWILIO_AUTH_TOKEN": TwilioFake.authToken,
        ]
        let root = try #require(Corpus.packageRoot(), "the package root is not found")
        for item in ["careline.toml", "Templates", "Schedules", "examples"] {
            try FileManager.default.copyItem(
                at: root.appendingPathComponent(item), to: folder.url.appendingPathComponent(item))
        }
        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent("out"), withIntermediateDirectories: true)
    }

    /// Runs careline; its stderr is always scanned, its stdout when `scanStdout` (error listings, audit lines).
    @discardableResult
    func run(
        _ arguments: [String], scanStdout: Bool = false, expect status: Int32? = 0,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> CarelineProcess.Result {
        let result = try CarelineProcess.run(arguments, in: folder.url, environment: environment)
        if let status {
            #expect(
                result.status == status, "careline \(arguments.joined(separator: " ")): \(result.stderr)",
                sourceLocation: sourceLocation)
        }
        let label = "careline " + arguments.joined(separator: " ")
        scanned.append(ScannedText(label: label + " (stderr)", text: result.stderr))
        if scanStdout { scanned.append(ScannedText(label: label + " (stdout)", text: result.stdout)) }
        return result
    }

    /// Adds text to scan that is not a command's output (an error field of a JSON listing).
    func scan(_ label: String, _ text: String) {
        scanned.append(ScannedText(label: label, text: text))
    }

    func write(_ path: String, _ text: String) throws {
        _ = try folder.write(path, text)
    }

    func read(_ path: String) throws -> String {
        try String(contentsOfFile: folder.path(path), encoding: .utf8)
    }

    /// Parses JSON lines.
    static func objects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try #require(
                JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not JSON: \($0)")
        }
    }

    /// Every string under a key named `key` anywhere in a JSON value.
    static func strings(under key: String, in value: Any) -> [String] {
        switch value {
        case let object as [String: Any]:
            return object.flatMap { entry -> [String] in
                if entry.key == key {
                    if let text = entry.value as? String { return [text] }
                    if let list = entry.value as? [String] { return list }
                }
                return strings(under: key, in: entry.value)
            }
        case let list as [Any]:
            return list.flatMap { strings(under: key, in: $0) }
        default:
            return []
        }
    }
}
