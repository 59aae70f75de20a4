import CarelineTesting
import Foundation
import Testing

/// The scanner of ``HealthDataTests`` finds what it must and nothing else, or a zero-hit result means nothing.
@Suite("Leak scanner")
struct LeakScannerTests {
    static func scanner() throws -> LeakScanner {
        let folder = try TemporaryDirectory()
        _ = try folder.write(
            "Templates/cold.zh-CN.mustache",
            "+++\nkind = \"care\"\n[sample.patient]\nname = \"王芳\"\n+++\n"
                + "{{> signature}}{{patient.name}}您好！近日寒潮来袭，请注意保暖，外出戴好帽子围巾。")
        _ = try folder.write("Templates/partials/signature.mustache", "{{clinic.signature}}")
        var scanner = LeakScanner()
        try scanner.learnFixedText(
            templates: folder.url.appendingPathComponent("Templates"), clinic: ["【明德眼科】"])
        scanner.addBody("【明德眼科】王芳您好！近日寒潮来袭，请注意保暖，外出戴好帽子围巾。", origin: "msg_1")
        scanner.addPhone("138 0013 8000", origin: "patients.csv line 2")
        scanner.addPhone("138 0013 800", origin: "bad.csv line 2")
        return scanner
    }

    @Test func findsEveryFormOfAPhoneNumber() throws {
        let scanner = try Self.scanner()
        #expect(scanner.leaks(in: "to=+8613800138000").contains { $0.hasPrefix("phone (E.164)") })
        #expect(scanner.leaks(in: "digits 13800138000").contains { $0.hasPrefix("phone (national)") })
        #expect(scanner.leaks(in: "row: 138 0013 8000").contains { $0.hasPrefix("phone as written") })
        #expect(scanner.leaks(in: "bad 1380013800").contains { $0.hasPrefix("phone (last 10 digits)") })
        #expect(scanner.leaks(in: "to=+86138****8000 \"138 **** 800\"") == [])
    }

    @Test func findsABodyAndAnyTwelveCharactersOfItExceptFixedText() throws {
        let scanner = try Self.scanner()
        #expect(
            scanner.leaks(in: "body: 王芳您好！近日寒潮来袭，请").map { $0.components(separatedBy: ":")[0] }.contains(
                "body excerpt from msg_1"))
        // The whole body and the 8 excerpts that hold the name (12 characters starting at 0 to 7).
        #expect(scanner.leaks(in: "【明德眼科】王芳您好！近日寒潮来袭，请注意保暖，外出戴好帽子围巾。").count == 9)
        // The template's own text and the clinic's signature say nothing about a patient.
        #expect(scanner.leaks(in: "Templates/cold.zh-CN.mustache:1: 近日寒潮来袭，请注意保暖，外出戴好帽子围巾。") == [])
        #expect(scanner.leaks(in: "【明德眼科】") == [])
    }
}
