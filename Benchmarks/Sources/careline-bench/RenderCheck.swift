import CarelineCore

/// A workload that printed something other than the others; the benchmark stops before timing anything.
struct OutputMismatch: Error, CustomStringConvertible {
    var description: String
}

/// The three Swift engines, checked against each other before anything is timed.
struct RenderEngines {
    let fixture: RenderFixture
    let renderOnly: CarelineRenderOnly
    let fullMessage: CarelineFullMessage
    let mustache: MustacheBaseline

    /// Builds the engines and checks that they print the same text: the documented example for patient 0
    /// from all three, and the same text from careline and swift-mustache for every generated patient.
    ///
    /// - Throws: ``OutputMismatch`` naming the engine, the patient and both texts; or a template error.
    init() throws {
        fixture = RenderFixture()
        renderOnly = try CarelineRenderOnly(fixture)
        fullMessage = try CarelineFullMessage(fixture)
        mustache = try MustacheBaseline(fixture)

        let expected = RenderFixture.expectedText
        try Self.expect(try renderOnly.render(), equals: expected, "careline render-only", patient: 0)
        try Self.expect(
            try fullMessage.message(for: fixture.patients[0]).body, equals: expected, "careline full message",
            patient: 0)
        try Self.expect(mustache.render(mustache.context), equals: expected, "swift-mustache", patient: 0)
        for (index, patient) in fixture.patients.enumerated() {
            let careline = try fullMessage.message(for: patient).body
            try Self.expect(
                mustache.render(fixture.precomputed(patient)), equals: careline, "swift-mustache vs careline",
                patient: index)
        }
    }

    private static func expect(_ actual: String, equals expected: String, _ engine: String, patient: Int)
        throws
    {
        guard actual == expected else {
            throw OutputMismatch(
                description:
                    "\(engine) printed a different text for patient \(patient):\n  got:      \(actual)\n"
                    + "  expected: \(expected)")
        }
    }
}
