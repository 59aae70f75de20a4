import Foundation

/// One rendered message body with what it costs as SMS and what a reviewer should know about it.
public struct RenderedMessage: Sendable, Equatable {
    public var body: String
    public var sms: SMSAnalysis
    /// Things worth a look that do not stop the message (e.g. a curly quote that forces UCS-2).
    public var warnings: [String]

    public init(body: String, sms: SMSAnalysis, warnings: [String]) {
        self.body = body
        self.sms = sms
        self.warnings = warnings
    }
}

/// The clinic rules every rendered message is checked against.
public struct MessagePolicy: Sendable, Equatable {
    /// zh bodies must start with this signature (`[policy] require_signature` with `[clinic] signature`).
    public var requiredSignature: String?
    /// The opt-out line promotional messages must end with, by language; `nil` key = any language.
    public var optoutText: [MessageLanguage?: String]

    public init(requiredSignature: String? = nil, optoutText: [MessageLanguage?: String] = [:]) {
        self.requiredSignature = requiredSignature
        self.optoutText = optoutText
    }

    /// The policy of a configuration.
    public init(_ configuration: Configuration) {
        self.init(
            requiredSignature: configuration.policy.requireSignature
                ? configuration.clinicFields?.field("signature", for: .zh) : nil,
            optoutText: configuration.policy.optoutText)
    }

    /// The opt-out line for a language.
    public func optoutLine(for language: MessageLanguage) -> String? {
        optoutText[language] ?? optoutText[nil]
    }
}

extension MessageTemplate {
    /// Renders one message in care mode (strict, no escaping) and checks it: SMS parts against `max_segments`,
    /// the signature and the opt-out line.
    ///
    /// - Parameters:
    ///   - data: the message data (`patient`, …), before derived fields.
    ///   - clinic: `clinic.*` from configuration.
    ///   - sendDate: the send date in the patient's zone.
    ///   - policy: the clinic's rules.
    /// - Throws: ``TemplateError`` for a missing field, too many parts or a policy violation.
    public func renderMessage(
        data: TemplateValue, clinic: ClinicFields?, sendDate: LocalDate?, policy: MessagePolicy
    ) throws(TemplateError) -> RenderedMessage {
        let context = MessageContext.make(
            data: data, clinic: clinic?.value(for: language), language: language, sendDate: sendDate)
        let options = RenderOptions(escaping: .none, strict: true, language: language, today: sendDate)
        let body = try template.render(context, options: options)
        return try check(body: body, policy: policy)
    }

    /// Checks a rendered body against the template's limits and the clinic's policy.
    public func check(body: String, policy: MessagePolicy) throws(TemplateError) -> RenderedMessage {
        let start = SourceLocation(line: bodyFirstLine, column: 1)
        let end = SourceLocation(line: bodyFirstLine + bodyLineCount - 1, column: 1)
        // Foundation's trimming costs microseconds per call on Linux; this runs once per queued message.
        if body.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw TemplateError(.policy, file: file, location: start, message: "the message is empty")
        }
        let sms = SMSAnalysis(analyzing: body)
        if sms.segments > frontMatter.maxSegments {
            var message =
                "the message needs \(sms.segments) SMS parts (\(sms.units) \(sms.encoding == .gsm7 ? "septets" : "UTF-16 units"), \(sms.encoding.rawValue)) but max_segments is \(frontMatter.maxSegments); shorten the text or raise max_segments in the front matter"
            if let explanation = sms.explanation() { message += " (\(explanation))" }
            throw TemplateError(.tooManySegments, file: file, location: start, message: message)
        }
        if language == .zh, let signature = policy.requiredSignature, !body.hasPrefix(signature) {
            throw TemplateError(
                .policy, file: file, location: start,
                message:
                    "zh messages must start with the clinic signature \(signature) ([policy] require_signature); "
                    + "begin the template with {{> signature}} or {{clinic.signature}}")
        }
        if frontMatter.kind == .promotional {
            guard let line = policy.optoutLine(for: language) else {
                throw TemplateError(
                    .policy, file: file, location: start,
                    message:
                        "promotional messages need an opt-out line, but [policy] optout_text is not set in careline.toml"
                )
            }
            let trimmed = String(
                String.UnicodeScalarView(
                    body.unicodeScalars.reversed().drop(while: \.properties.isWhitespace).reversed()))
            if !trimmed.hasSuffix(line) {
                throw TemplateError(
                    .policy, file: file, location: end,
                    message:
                        "promotional messages must end with the opt-out line \"\(line)\"; end the template with "
                        + "{{> optout}} or that text")
            }
        }
        var warnings: [String] = []
        if let explanation = sms.explanation() { warnings.append(explanation) }
        if body.hasSuffix("\n") || body.hasSuffix(" ") {
            warnings.append("the message ends with white space, which costs characters")
        }
        return RenderedMessage(body: body, sms: sms, warnings: warnings)
    }
}
