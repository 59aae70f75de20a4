import CarelineCore
import FuzzSupport

/// The partial names the input's extra parts are offered under (`Templates/partials/` uses the first two).
private let partialNames = ["signature", "optout", "p"]

/// The data every template is rendered with: a patient with a date, a list and a group, and a clinic.
private let fixedData: TemplateValue = .object([
    "patient": .object([
        "id": .string("P1001"), "name": .string("王芳"), "gender": .string("F"),
        "birth_date": .date(LocalDate(year: 1956, month: 4, day: 12) ?? LocalDate(daysSinceEpoch: 0)),
        "recheck_date": .date(LocalDate(year: 2026, month: 12, day: 3) ?? LocalDate(daysSinceEpoch: 0)),
        "tags": .array([.string("cataract"), .string("elderly")]), "glaucoma": .string(""),
        "doctor": .null, "locale": .string("zh-CN"),
    ]),
    "items": .array([.object(["name": .string("a")]), .integer(2), .bool(true), .double(1.5)]),
])

private let clinic: TemplateValue = .object([
    "name": .string("明德眼科"), "phone": .string("400-820-1234"), "signature": .string("【明德眼科】"),
])

private let today = LocalDate(year: 2026, month: 11, day: 30)

/// One input: a template file (optional `+++` front matter, then Mustache), then up to three NUL-separated
/// partial texts (`signature`, `optout`, `p`). The file is compiled as `templates check` and `careline render`
/// do (partials required, then optional), and the template is rendered in lenient and strict care mode and in
/// spec mode, with fixed data and with the front matter's sample.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let parts = fuzzBytes(data, size).split(separator: 0, maxSplits: 3, omittingEmptySubsequences: false)
    let text = String(decoding: parts[0], as: UTF8.self)
    var partials: [String: String] = [:]
    for (name, part) in zip(partialNames, parts.dropFirst()) {
        partials[name] = String(decoding: part, as: UTF8.self)
    }
    let lookup = { (name: String) throws(TemplateError) -> Template.PartialSource? in
        partials[name].map { Template.PartialSource(text: $0, file: "partials/\(name).mustache") }
    }
    for requirePartials in [true, false] {
        let compiled: MessageTemplate
        do {
            compiled = try MessageTemplate(
                text: text, file: "fuzz.en.mustache", locale: nil, requirePartials: requirePartials,
                partial: lookup)
        } catch {
            checkLocation(error)
            invariant(
                [.syntax, .frontMatter, .unknownPartial].contains(error.code),
                "compiling threw \(error.code)")
            invariant(
                requirePartials || error.code != .unknownPartial, "a missing partial failed a lenient compile"
            )
            continue
        }
        invariant(compiled.bodyFirstLine >= 1, "body starts on line \(compiled.bodyFirstLine)")
        // Both compiles give the same template when both succeed: render once.
        if !requirePartials { render(compiled) }
    }
    return 0
}

private func render(_ compiled: MessageTemplate) {
    let language = compiled.language
    let fixed = MessageContext.make(data: fixedData, clinic: clinic, language: language, sendDate: today)
    let sample = MessageContext.make(
        data: compiled.frontMatter.sample, clinic: clinic, language: language, sendDate: today)
    let modes = [
        RenderOptions(escaping: .none, strict: false, language: language, today: today),
        RenderOptions(escaping: .none, strict: true, language: language, today: today),
        RenderOptions.spec,
    ]
    for context in [fixed, sample] {
        for options in modes {
            do {
                let text = try compiled.template.render(context, options: options)
                let analysis = SMSAnalysis(analyzing: text)
                invariant(analysis.segments >= 0 && analysis.units >= 0, "negative SMS size")
                invariant(!text.isEmpty || analysis.units == 0, "an empty text has \(analysis.units) units")
            } catch {
                checkLocation(error)
                // Lenient rendering only fails when partials include themselves too deeply or loops run away.
                let allowed: [TemplateError.Code] =
                    options.strict
                    ? [.missingField, .partialRecursion, .renderLimit] : [.partialRecursion, .renderLimit]
                invariant(
                    allowed.contains(error.code), "rendering (strict: \(options.strict)) threw \(error.code)")
            }
        }
    }
}

/// Every template error points into the file: line and column from 1.
private func checkLocation(_ error: TemplateError) {
    invariant(!error.message.isEmpty, "an error without a message")
    if let location = error.location {
        invariant(location.line >= 1 && location.column >= 1, "error at \(location): \(error.message)")
    }
}
