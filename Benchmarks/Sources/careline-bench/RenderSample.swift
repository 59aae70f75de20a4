import ArgumentParser
import CarelineCore
import Foundation

/// `careline-bench sample`: checks the Swift engines and prints, as JSON, the template and the precomputed
/// contexts with careline's text for each, so the Jinja2 script can check its output against them.
struct RenderSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Print the template, the precomputed contexts and careline's expected texts as JSON."
    )

    func run() throws {
        let engines = try RenderEngines()
        let fixture = engines.fixture
        var cases: [[String: Any]] = []
        for patient in fixture.patients {
            cases.append([
                "context": fixture.precomputed(patient),
                "expected": try engines.fullMessage.message(for: patient).body,
            ])
        }
        let sample: [String: Any] = ["template": RenderFixture.templateText, "cases": cases]
        let data = try JSONSerialization.data(withJSONObject: sample, options: [.sortedKeys])
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
