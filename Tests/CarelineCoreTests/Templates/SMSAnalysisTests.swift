import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// One case of `sms-segments/cases.json`.
struct SMSCorpusCase: Decodable, Sendable, CustomTestStringConvertible {
    var id: String
    var message: String
    var encoding: String
    var segments: Int
    var units: Int
    var naiveSegments: Int?

    enum CodingKeys: String, CodingKey {
        case id, message, encoding, segments, units
        case naiveSegments = "naive_segments"
    }

    var testDescription: String { id }
}

/// The parts of `sms-segments/cases.json` the tests use.
struct SMSCorpus: Decodable, Sendable {
    var gsm7BasicChars: String
    var gsm7ExtensionChars: [String: String]
    var cases: [SMSCorpusCase]

    enum CodingKeys: String, CodingKey {
        case gsm7BasicChars = "gsm7_basic_chars"
        case gsm7ExtensionChars = "gsm7_extension_chars"
        case cases
    }

    /// The corpus, or `nil` when the shared corpora are absent.
    static func load() -> SMSCorpus? {
        guard let data = try? Corpus.data("sms-segments/cases.json") else { return nil }
        return try? JSONDecoder().decode(SMSCorpus.self, from: data)
    }

    static let shared = load()
}

private let corpusPresent = Corpus.url("sms-segments/cases.json") != nil

@Suite("SMS analysis")
struct SMSAnalysisTests {
    // MARK: Corpus

    @Test(.enabled(if: corpusPresent, "shared/corpora/sms-segments/cases.json absent"))
    func corpusHasEightyCases() throws {
        let corpus = try #require(SMSCorpus.shared, "cases.json does not decode")
        #expect(corpus.cases.count == 80)
    }

    @Test(
        .enabled(if: corpusPresent, "shared/corpora/sms-segments/cases.json absent"),
        arguments: SMSCorpus.shared?.cases ?? [])
    func corpusCase(_ item: SMSCorpusCase) {
        let analysis = SMSAnalysis(analyzing: item.message)
        #expect(analysis.encoding.rawValue == item.encoding)
        #expect(analysis.units == item.units)
        #expect(analysis.segments == item.segments)
        if let naive = item.naiveSegments {
            #expect(analysis.segments != naive, "atomic ESC/surrogate pairs must change the count")
        }
        if analysis.encoding == .ucs2 {
            #expect(!analysis.nonGSM.isEmpty)
            for character in analysis.nonGSM {
                #expect(character.unicodeScalars.count == 1)
                #expect(SMSAnalysis(analyzing: character).encoding == .ucs2, "\(character) is GSM")
                #expect(item.message.unicodeScalars.contains(character.unicodeScalars.first!))
            }
        } else {
            #expect(analysis.nonGSM.isEmpty)
        }
    }

    @Test(.enabled(if: corpusPresent, "shared/corpora/sms-segments/cases.json absent"))
    func corpusBasicCharactersCostOneSeptet() throws {
        let corpus = try #require(SMSCorpus.shared)
        #expect(corpus.gsm7BasicChars.unicodeScalars.count == 127)
        #expect(corpus.gsm7BasicChars == SMSAnalysis.gsm7BasicAlphabet)
        for scalar in corpus.gsm7BasicChars.unicodeScalars {
            let analysis = SMSAnalysis(analyzing: String(scalar))
            #expect(analysis.encoding == .gsm7, "U+\(String(scalar.value, radix: 16))")
            #expect(analysis.units == 1, "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test(.enabled(if: corpusPresent, "shared/corpora/sms-segments/cases.json absent"))
    func corpusExtensionCharactersCostTwoSeptets() throws {
        let corpus = try #require(SMSCorpus.shared)
        #expect(corpus.gsm7ExtensionChars.count == 10)
        #expect(
            Set(corpus.gsm7ExtensionChars.keys.map { $0 })
                == Set(SMSAnalysis.gsm7ExtensionCharacters.unicodeScalars.map { String($0) }))
        for character in corpus.gsm7ExtensionChars.keys {
            let analysis = SMSAnalysis(analyzing: character)
            #expect(analysis.encoding == .gsm7, "\(character)")
            #expect(analysis.units == 2, "\(character)")
        }
    }

    // MARK: Alphabet

    @Test func everyOtherScalarBelowU0400AndTheEuroBlockIsNotGSM() {
        let gsm = Set(
            (SMSAnalysis.gsm7BasicAlphabet + SMSAnalysis.gsm7ExtensionCharacters)
                .unicodeScalars.map(\.value))
        #expect(gsm.count == 137)
        let ranges: [ClosedRange<UInt32>] = [0...0x3FF, 0x2000...0x20FF]
        for range in ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                let analysis = SMSAnalysis(analyzing: String(scalar))
                let expected: SMSEncoding = gsm.contains(value) ? .gsm7 : .ucs2
                #expect(analysis.encoding == expected, "U+\(String(value, radix: 16))")
            }
        }
        // ESC itself is not a character a message can contain.
        #expect(SMSAnalysis(analyzing: "\u{1B}").encoding == .ucs2)
    }

    // MARK: Boundaries

    @Test func emptyTextIsZeroSegments() {
        let analysis = SMSAnalysis(analyzing: "")
        #expect(analysis == SMSAnalysis(encoding: .gsm7, units: 0, segments: 0, nonGSM: []))
        #expect(analysis.explanation() == nil)
    }

    @Test(arguments: [
        (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4), (1530, 10), (1531, 11),
    ])
    func gsm7Boundaries(length: Int, segments: Int) {
        let analysis = SMSAnalysis(analyzing: String(repeating: "a", count: length))
        #expect(analysis.encoding == .gsm7)
        #expect(analysis.units == length)
        #expect(analysis.segments == segments)
    }

    @Test(arguments: [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
    func ucs2Boundaries(length: Int, segments: Int) {
        let analysis = SMSAnalysis(analyzing: String(repeating: "á", count: length))
        #expect(analysis.encoding == .ucs2)
        #expect(analysis.units == length)
        #expect(analysis.segments == segments)
        #expect(analysis.nonGSM == ["á"])
    }

    @Test func escapePairIsNeverSplit() {
        // 152 septets + ESC pair: the pair would straddle 153, so it opens part 2.
        let straddle = SMSAnalysis(
            analyzing: String(repeating: "a", count: 152) + "€"
                + String(repeating: "a", count: 152))
        #expect(straddle.units == 306)
        #expect(straddle.segments == 3)
        let aligned = SMSAnalysis(
            analyzing: String(repeating: "a", count: 151) + "€"
                + String(repeating: "a", count: 153))
        #expect(aligned.units == 306)
        #expect(aligned.segments == 2)
        // A single message has no split, so 158 + ESC pair is exactly 160.
        #expect(SMSAnalysis(analyzing: String(repeating: "a", count: 158) + "]").segments == 1)
        #expect(SMSAnalysis(analyzing: String(repeating: "a", count: 159) + "]").segments == 2)
    }

    @Test func surrogatePairIsNeverSplit() {
        let straddle = SMSAnalysis(
            analyzing: String(repeating: "á", count: 66) + "😀"
                + String(repeating: "á", count: 66))
        #expect(straddle.units == 134)
        #expect(straddle.segments == 3)
        let aligned = SMSAnalysis(
            analyzing: String(repeating: "á", count: 65) + "😀"
                + String(repeating: "á", count: 67))
        #expect(aligned.units == 134)
        #expect(aligned.segments == 2)
        #expect(
            SMSAnalysis(analyzing: "😀")
                == SMSAnalysis(
                    encoding: .ucs2, units: 2, segments: 1,
                    nonGSM: ["😀"]))
    }

    @Test func ucs2CountsEarlierGSMCharactersAsOneUnit() {
        // Extension characters cost 1 unit in UCS-2, not 2.
        let analysis = SMSAnalysis(analyzing: String(repeating: "€", count: 69) + "ç")
        #expect(analysis.encoding == .ucs2)
        #expect(analysis.units == 70)
        #expect(analysis.segments == 1)
        #expect(analysis.nonGSM == ["ç"])
        // The switch to UCS-2 happens after a long GSM prefix spanning several parts.
        let long = SMSAnalysis(analyzing: String(repeating: "a", count: 140) + "😀")
        #expect(long.units == 142)
        #expect(long.segments == 3)
    }

    @Test func countsScalarsNotGraphemes() {
        #expect(SMSAnalysis(analyzing: "a\r\nb").units == 4)
        let rainbow = SMSAnalysis(analyzing: "🏳️‍🌈")
        #expect(rainbow.units == 6)
        #expect(rainbow.nonGSM == ["\u{1F3F3}", "\u{FE0F}", "\u{200D}", "\u{1F308}"])
        let combining = SMSAnalysis(analyzing: "e\u{301}")
        #expect(combining.units == 2)
        #expect(combining.nonGSM == ["\u{301}"])
    }

    @Test func nonGSMIsDistinctInFirstAppearanceOrder() {
        #expect(SMSAnalysis(analyzing: "😀a😀çb😀ç").nonGSM == ["😀", "ç"])
        // More distinct characters than the linear-search threshold.
        let scalars = (0x4E00..<0x4E00 + 100).compactMap(Unicode.Scalar.init)
        var text = ""
        for scalar in scalars + scalars.reversed() { text.unicodeScalars.append(scalar) }
        let analysis = SMSAnalysis(analyzing: text)
        #expect(analysis.nonGSM == scalars.map { String($0) })
        #expect(analysis.units == 200)
        #expect(analysis.segments == 3)
    }

    // MARK: JSON

    @Test func jsonUsesSnakeCaseKeys() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let analysis = SMSAnalysis(analyzing: "ça")
        let json = String(decoding: try encoder.encode(analysis), as: UTF8.self)
        #expect(json == #"{"encoding":"UCS-2","non_gsm":["ç"],"segments":1,"units":2}"#)
        let decoded = try JSONDecoder().decode(SMSAnalysis.self, from: Data(json.utf8))
        #expect(decoded == analysis)
        let gsm = String(decoding: try encoder.encode(SMSAnalysis(analyzing: "[ok]")), as: UTF8.self)
        #expect(gsm == #"{"encoding":"GSM-7","non_gsm":[],"segments":1,"units":6}"#)
    }

    // MARK: Explanation

    @Test func explanationNamesTheLookAlikeAndTheSavedParts() {
        let text = "Don’t " + String(repeating: "a", count: 80)
        let analysis = SMSAnalysis(analyzing: text)
        #expect(analysis.segments == 2)
        #expect(analysis.explanation() == #""’" (U+2019) forces UCS-2: 2 parts instead of 1 with "'""#)
    }

    @Test func explanationListsSeveralLookAlikesInOrder() {
        let text = "“Hi” – see you at 9… " + String(repeating: "a", count: 60)
        #expect(
            SMSAnalysis(analyzing: text).explanation()
                == #""“" (U+201C), "”" (U+201D), "–" (U+2013), "…" (U+2026) force UCS-2: "#
                + #"2 parts instead of 1 with """, """, "-", "...""#)
    }

    @Test func explanationCountsTheEllipsisReplacementAsThreeSeptets() {
        let text = String(repeating: "a", count: 158) + "…"
        let analysis = SMSAnalysis(analyzing: text)
        #expect(analysis.units == 159)
        #expect(analysis.segments == 3)
        #expect(analysis.explanation() == #""…" (U+2026) forces UCS-2: 3 parts instead of 2 with "...""#)
    }

    @Test func explanationWhenThePartCountIsTheSame() {
        let analysis = SMSAnalysis(analyzing: "Use code `A1`\u{A0}now")
        #expect(
            analysis.explanation()
                == "\"`\" (U+0060), \"\u{A0}\" (U+00A0) force UCS-2: still 1 part, but a part holds "
                + "70 characters instead of 160 with \"'\", \" \"")
    }

    @Test(arguments: ["Hello", "", "ça va", "Don’t 😀", "【康复诊所】“提醒”", "€ ’ ç"])
    func explanationIsNilWhenNothingUsefulToSay(_ text: String) {
        #expect(SMSAnalysis(analyzing: text).explanation() == nil)
    }

    @Test func explanationIsNilAfterDecoding() throws {
        let analysis = SMSAnalysis(analyzing: "Don’t")
        #expect(analysis.explanation() != nil)
        let decoded = try JSONDecoder().decode(SMSAnalysis.self, from: JSONEncoder().encode(analysis))
        #expect(decoded.explanation() == nil)
    }
}
