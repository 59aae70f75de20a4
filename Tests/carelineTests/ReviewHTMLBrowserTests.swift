import CarelineCore
import CarelineTesting
import Foundation
import Testing

/// The review page in a real browser: headless Chromium renders it to a PNG (not blank) and dumps the DOM after
/// the inline script ran (the summary numbers are there, the search script filled its counter, every bubble is
/// present). Needs the Debian package `chromium` (`.ci/run` installs it); skipped with a message without it.
@Suite("Review HTML in headless Chromium")
struct ReviewHTMLBrowserTests {
    static let missing: Comment =
        "chromium is not on PATH (Debian package chromium): the review page is not checked in a browser"

    /// Four messages: two Chinese (UCS-2), one English, one whose body tries to inject a script.
    static func report() throws -> ReviewReport {
        let zh = "王先生您好：您的复查定于12月3日上午9:00，请带上病历本。\n回复T退订"
        let en =
            "Hello Ms Smith, your check-up at Evergreen Clinic is on 3 December at 09:00. Reply STOP to opt out."
        let hostile = "<script>document.body.innerHTML=''</script> &amp; done"
        let bodies = [("P001", zh), ("P002", zh), ("A17", en), ("X99", hostile)]
        let sendAt = try #require(Timestamp.parse("2026-12-01T11:00:00Z"))
        let messages = bodies.enumerated().map { index, entry in
            let analysis = SMSAnalysis(analyzing: entry.1)
            return ReviewReport.Message(
                id: "m-\(index + 1)", campaign: "recall", step: "first", patientID: entry.0,
                to: "+86138****800\(index)", sendAt: sendAt, sendAtLocal: "2026-12-01 19:00 Asia/Shanghai",
                state: .queued, senders: ["sms-main"], body: entry.1, encoding: analysis.encoding,
                units: analysis.units, segments: analysis.segments, forcedUCS2By: analysis.nonGSM,
                warnings: analysis.segments > 1 ? ["\(analysis.segments) parts"] : [])
        }
        var perHour = Array(repeating: 0, count: 24)
        perHour[19] = 4
        return ReviewReport(
            batchID: 42, campaigns: ["recall"], queuedAt: sendAt, queuedBy: "wang.fang", generatedAt: sendAt,
            approval: .waiting(since: sendAt), states: [.queued: 4], pending: 4,
            skipped: .init(duplicate: 1, optedOut: 2),
            perDay: [(try #require(LocalDate(iso: "2026-12-01")), 4)],
            perHour: perHour, segments: 7,
            costs: [
                .init(sender: "sms-main", messages: 4, segments: 7, pricePerSegment: 0.05, currency: "CNY")
            ],
            longest: [], ucs2: [], sample: messages, sampleIsAll: true)
    }

    @Test(.enabled(if: Chromium.path != nil, missing), .timeLimit(.minutes(3)))
    func screenshotIsAPNGThatIsNotBlank() throws {
        let chromium = try #require(Chromium.path)
        let folder = try TemporaryDirectory()
        let page = try folder.write("review.html", try Self.report().html)
        let empty = try folder.write("empty.html", "<html></html>")

        let shot = try Chromium.screenshot(chromium, page, into: folder, name: "review.png")
        let blank = try Chromium.screenshot(chromium, empty, into: folder, name: "empty.png")

        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        #expect(Array(shot.prefix(8)) == signature)
        #expect(Array(blank.prefix(8)) == signature)
        // IHDR: width and height, big-endian, at bytes 16-23: the window size.
        #expect(Chromium.bigEndian(shot, at: 16) == 1000)
        #expect(Chromium.bigEndian(shot, at: 20) == 2000)
        #expect(shot.count > 10_000, "the screenshot is only \(shot.count) bytes")
        #expect(
            shot.count >= 3 * blank.count,
            "the screenshot (\(shot.count) bytes) is not much larger than a blank page's (\(blank.count) bytes)"
        )
    }

    @Test(.enabled(if: Chromium.path != nil, missing), .timeLimit(.minutes(2)))
    func domAfterTheScriptRanHasTheSummaryNumbersAndEveryBubble() throws {
        let chromium = try #require(Chromium.path)
        let folder = try TemporaryDirectory()
        let page = try folder.write("review.html", try Self.report().html)

        let run = try Chromium.run(chromium, ["--dump-dom", page.absoluteString], in: folder)
        try #require(run.status == 0, "chromium --dump-dom exited \(run.status): \(run.stderrTail)")
        let dom = run.stdout

        #expect(dom.contains("<span class=\"value\" id=\"pending\">4</span>"))
        #expect(dom.contains("<span class=\"value\" id=\"segments\">7</span>"))
        #expect(dom.contains("<span class=\"value\" id=\"cost-total\">CNY 0.35</span>"))
        #expect(dom.contains("<svg id=\"histogram\""))
        // The inline script filled the counter on load, and nothing it did removed or hid a bubble.
        #expect(dom.contains("<span id=\"shown\" aria-live=\"polite\">4 of 4 shown</span>"))
        #expect(dom.components(separatedBy: "<article class=\"bubble\"").count == 5)
        for patient in ["P001", "P002", "A17", "X99"] {
            #expect(dom.contains("<article class=\"bubble\" data-patient=\"\(patient)\">"))
        }
        #expect(!dom.contains("hidden=\"\""))
        // The hostile body stayed text: the browser parsed no script from it.
        #expect(dom.contains("&lt;script&gt;document.body.innerHTML=''&lt;/script&gt; &amp;amp; done"))
        #expect(dom.components(separatedBy: "<script").count == 2)
        #expect(dom.contains("<div class=\"sms\" lang=\"zh-CN\">王先生您好"))
    }
}

/// Runs headless Chromium with a fresh profile and a time limit.
enum Chromium {
    /// `chromium` or `chromium-browser` from PATH (then the usual Debian place), or `nil`.
    static let path: String? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(
            String.init)
        for name in ["chromium", "chromium-browser"] {
            for folder in folders + ["/usr/bin"] {
                let candidate = URL(fileURLWithPath: folder).appendingPathComponent(name).path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// Seconds after which a run is killed.
    static let timeout: Double = 60

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The last lines of stderr, for a failure message.
        var stderrTail: String { stderr.split(separator: "\n").suffix(5).joined(separator: "\n") }
    }

    /// Renders `page` at 1000×2000 into `folder/name` and returns the PNG's bytes.
    static func screenshot(_ chromium: String, _ page: URL, into folder: TemporaryDirectory, name: String)
        throws
        -> Data
    {
        let output = folder.path(name)
        let run = try run(
            chromium,
            ["--screenshot=\(output)", "--window-size=1000,2000", "--hide-scrollbars", page.absoluteString],
            in: folder)
        try #require(run.status == 0, "chromium --screenshot exited \(run.status): \(run.stderrTail)")
        try #require(
            FileManager.default.fileExists(atPath: output), "no screenshot at \(output): \(run.stderrTail)")
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }

    /// Runs `chromium --headless --no-sandbox --disable-gpu` with its own profile folder inside `folder`; kills it
    /// after ``timeout`` seconds (the test then fails on the status).
    static func run(_ chromium: String, _ arguments: [String], in folder: TemporaryDirectory) throws -> Run {
        let profile = folder.url.appendingPathComponent("profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                "--no-first-run",
                "--disable-dev-shm-usage",
            ] + arguments
        process.currentDirectoryURL = folder.url
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = folder.url.path
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // Read both pipes while it runs so a full pipe cannot block it.
        let reads = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        reads.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            reads.leave()
        }
        reads.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            reads.leave()
        }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if exited.wait(timeout: .now() + 5) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
        }
        // Helpers that outlive the browser may hold the pipes open; do not wait for them forever.
        _ = reads.wait(timeout: .now() + 10)
        return Run(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The 4-byte big-endian number at `offset`.
    static func bigEndian(_ data: Data, at offset: Int) -> Int {
        guard data.count >= offset + 4 else { return -1 }
        let bytes = Array(data[data.startIndex + offset..<data.startIndex + offset + 4])
        return bytes.reduce(0) { $0 << 8 | Int($1) }
    }
}
