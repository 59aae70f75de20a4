import CarelineCore
import Testing

/// Hangs of the template fuzz target (issue 7), kept so that they stay fixed. The nested-loop input was written
/// by hand while reading the renderer for the harness; `scripts/fuzz template` reported it as a timeout.
@Suite("Template fuzzing regressions")
struct TemplateFuzzRegressionTests {
    /// The fuzz target's data: a four-item list.
    let items: TemplateValue = .object([
        "items": .array([.object(["name": .string("a")]), .integer(2), .bool(true), .double(1.5)])
    ])

    /// `depth` sections over the same list inside each other, around one `x`.
    func nested(_ depth: Int) -> String {
        String(repeating: "{{#items}}", count: depth) + "x" + String(repeating: "{{/items}}", count: depth)
    }

    /// Twelve nested loops over four items are 4^12 = 16,777,216 passes: the render ran past the fuzzer's
    /// 10 s timeout (and grows exponentially with each level). It now stops with an error at the outer loop.
    @Test(arguments: [RenderOptions(strict: false), RenderOptions(strict: true), RenderOptions.spec])
    func nestedLoopsOverAListStopWithAnError(options: RenderOptions) throws {
        let template = try Template(source: "Hi\n  " + nested(12), file: "loops.mustache", partials: [:])
        let error = try #require(throws: TemplateError.self) { try template.render(items, options: options) }
        #expect(error.code == .renderLimit)
        #expect(error.file == "loops.mustache")
        #expect(error.location == SourceLocation(line: 2, column: 3))
        #expect(
            error.message
                == "rendering stopped: the message passed 1024 KiB or 20000 steps; sections that loop over "
                + "lists inside each other multiply, so loop over each list once")
    }

    /// Loops that write nothing are stopped too: steps are counted, not only output.
    @Test func nestedLoopsWithoutOutputStop() throws {
        let source = String(repeating: "{{#items}}", count: 12) + String(repeating: "{{/items}}", count: 12)
        let template = try Template(source: source, partials: [:])
        let error = try #require(throws: TemplateError.self) { try template.render(items, options: .spec) }
        #expect(error.code == .renderLimit)
        #expect(error.location == SourceLocation(line: 1, column: 1))
    }

    /// Within the limit, nested loops render every pass: 4^3 = 64.
    @Test func shallowNestedLoopsStillRender() throws {
        let template = try Template(source: nested(3), partials: [:])
        #expect(
            try template.render(items, options: RenderOptions(strict: false))
                == String(repeating: "x", count: 64))
    }

    /// The limit is reported in the partial's file when the runaway loop starts there.
    @Test func aRunawayLoopInAPartialNamesThePartial() throws {
        let template = try Template(source: "{{> loops}}", partials: ["loops": "\n" + nested(12)])
        let error = try #require(throws: TemplateError.self) { try template.render(items, options: .spec) }
        #expect(error.code == .renderLimit)
        #expect(error.file == "partials/loops")
        #expect(error.location == SourceLocation(line: 2, column: 1))
    }
}
