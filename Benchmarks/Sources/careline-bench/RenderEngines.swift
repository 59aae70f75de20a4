import CarelineCore
import Mustache

/// Workload 1: careline with the template compiled once and one context built once; only `render` is timed.
struct CarelineRenderOnly {
    let template: Template
    let context: TemplateValue
    let options: RenderOptions

    init(_ fixture: RenderFixture) throws(TemplateError) {
        template = try Template(
            source: RenderFixture.templateText, file: "recheck-reminder.zh.mustache", partials: [:])
        context = fixture.context(of: fixture.patients[0])
        options = fixture.options
    }

    func render() throws(TemplateError) -> String {
        try template.render(context, options: options)
    }

    /// Renders `iterations` times and returns the summed output lengths (so the work cannot be dropped).
    func run(_ iterations: Int) throws(TemplateError) -> Int {
        var sink = 0
        for _ in 0..<iterations {
            sink &+= try template.render(context, options: options).utf8.count
        }
        return sink
    }
}

/// Workload 2: what queuing does per message: build the context of the next patient (derived fields),
/// render, and analyse the body as SMS.
struct CarelineFullMessage {
    let template: Template
    let fixture: RenderFixture

    init(_ fixture: RenderFixture) throws(TemplateError) {
        template = try Template(
            source: RenderFixture.templateText, file: "recheck-reminder.zh.mustache", partials: [:])
        self.fixture = fixture
    }

    func message(for patient: [String: TemplateValue]) throws(TemplateError) -> (
        body: String, sms: SMSAnalysis
    ) {
        let context = fixture.context(of: patient)
        let body = try template.render(context, options: fixture.options)
        return (body, SMSAnalysis(analyzing: body))
    }

    /// Builds `iterations` messages, cycling through the patients; returns the summed lengths and SMS units.
    func run(_ iterations: Int) throws(TemplateError) -> Int {
        let patients = fixture.patients
        var sink = 0
        var index = 0
        for _ in 0..<iterations {
            let (body, sms) = try message(for: patients[index])
            sink &+= body.utf8.count &+ sms.units &+ sms.segments
            index += 1
            if index == patients.count { index = 0 }
        }
        return sink
    }
}

/// Workload 3: swift-mustache with the same template text and a dictionary of precomputed strings.
///
/// It HTML-escapes by default; the data holds no `& < > " '`, so the output is the same text.
struct MustacheBaseline {
    let template: MustacheTemplate
    let context: [String: [String: Any]]

    init(_ fixture: RenderFixture) throws {
        template = try MustacheTemplate(string: RenderFixture.templateText)
        context = fixture.precomputed(fixture.patients[0])
    }

    func render(_ context: [String: [String: Any]]) -> String {
        template.render(context)
    }

    func run(_ iterations: Int) -> Int {
        var sink = 0
        for _ in 0..<iterations {
            sink &+= template.render(context).utf8.count
        }
        return sink
    }
}
