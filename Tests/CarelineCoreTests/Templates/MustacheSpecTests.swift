import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// The official Mustache spec's core modules, run in spec mode (HTML escaping, missing fields print nothing).
@Suite("Mustache spec (core)")
struct MustacheSpecTests {
    struct SpecCase: CustomTestStringConvertible, Sendable {
        var file: String
        var name: String
        var template: String
        var data: TemplateValue
        var partials: [String: String]
        var expected: String
        var testDescription: String { "\(file): \(name)" }
    }

    static let coreFiles = [
        "comments.json", "delimiters.json", "interpolation.json", "inverted.json", "partials.json",
        "sections.json",
    ]

    static func load(_ files: [String]) -> [SpecCase] {
        struct SpecFile: Decodable {
            struct Test: Decodable {
                var name: String
                var template: String
                var data: TemplateValue
                var partials: [String: String]?
                var expected: String
            }
            var tests: [Test]
        }
        var cases: [SpecCase] = []
        for file in files {
            guard let data = try? Corpus.data("mustache-spec/\(file)") else { continue }
            guard let spec = try? JSONDecoder().decode(SpecFile.self, from: data) else { continue }
            for test in spec.tests {
                cases.append(
                    SpecCase(
                        file: file, name: test.name, template: test.template, data: test.data,
                        partials: test.partials ?? [:], expected: test.expected))
            }
        }
        return cases
    }

    static let cases = load(coreFiles)

    @Test(.enabled(if: Corpus.root() != nil, "../shared/corpora is absent: the spec corpus cannot be run"))
    func allCoreTestsAreLoaded() {
        #expect(Self.cases.count == 136)
    }

    @Test(
        .enabled(if: Corpus.root() != nil, "../shared/corpora is absent: the spec corpus cannot be run"),
        arguments: cases)
    func specCase(_ test: SpecCase) throws {
        let template = try Template(source: test.template, partials: test.partials)
        let output = try template.render(test.data, options: .spec)
        #expect(output == test.expected)
    }
}
