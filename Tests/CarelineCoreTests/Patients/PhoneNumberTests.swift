import Foundation
import Testing

@testable import CarelineCore

/// An input that must parse, with the expected E.164 form.
struct ValidPhoneRow: Sendable, CustomTestStringConvertible {
    var input: String
    var region: String?
    var e164: String
    var testDescription: String { "\(input) [\(region ?? "-")]" }
}

/// An input that must be rejected, with the expected error code.
struct InvalidPhoneRow: Sendable, CustomTestStringConvertible {
    var input: String
    var region: String?
    var code: PhoneNumberError.Code
    var testDescription: String { "\(input) [\(region ?? "-")]" }
}

private func valid(_ input: String, _ region: String?, _ e164: String) -> ValidPhoneRow {
    ValidPhoneRow(input: input, region: region, e164: e164)
}

private func invalid(_ input: String, _ region: String?, _ code: PhoneNumberError.Code)
    -> InvalidPhoneRow
{
    InvalidPhoneRow(input: input, region: region, code: code)
}

/// The rows of the table in corpus README section 4 (checked with phonenumbers 9.0.43).
private let corpusValidRows: [ValidPhoneRow] = [
    valid("+8613800138000", nil, "+8613800138000"),
    valid("13800138000", "CN", "+8613800138000"),
    valid("008613800138000", "CN", "+8613800138000"),
    valid("+86 138 0013 8000", nil, "+8613800138000"),
    valid("+86 199 1234 5678", nil, "+8619912345678"),
    valid("+86 166 1234 5678", nil, "+8616612345678"),
    valid("+86 147 1234 5678", nil, "+8614712345678"),
    valid("+86 192 1234 5678", nil, "+8619212345678"),
    valid("+12015550123", nil, "+12015550123"),
    valid("(201) 555-0123", "US", "+12015550123"),
    valid("+18005550199", nil, "+18005550199"),
    valid("+16135550123", nil, "+16135550123"),
    valid("+18765550123", nil, "+18765550123"),
    valid("+447400123456", nil, "+447400123456"),
    valid("+919876543210", nil, "+919876543210"),
    valid("+86 138-0013-8000 ext. 12", nil, "+8613800138000"),
]

/// Corpus rows that are rejected; the Beijing landline is valid E.164 but cannot receive SMS.
private let corpusInvalidRows: [InvalidPhoneRow] = [
    invalid("+8612345678901", nil, .invalidNumber),
    invalid("+861380013800", nil, .invalidLength),
    invalid("+86138001380001", nil, .invalidLength),
    invalid("+86 10 6552 9988", nil, .notMobile),
    invalid("+11235550100", nil, .invalidNumber),
    invalid("+12010550123", nil, .invalidNumber),
    invalid("+123456789012345", nil, .invalidLength),
    invalid("+1234567890123456", nil, .invalidLength),
    invalid("2015550123", nil, .noCountry),
]

/// Further accepted spellings.
private let extraValidRows: [ValidPhoneRow] = [
    valid("0086 138 0013 8000", nil, "+8613800138000"),
    valid("013800138000", "CN", "+8613800138000"),
    valid("+86 (0)138 0013 8000", nil, "+8613800138000"),
    valid("8613800138000", "CN", "+8613800138000"),
    valid("138.0013.8000", "cn", "+8613800138000"),
    valid("＋８６ １３８ ００１３ ８０００", nil, "+8613800138000"),
    valid("138-0013-8000转12", "CN", "+8613800138000"),
    valid("+86 13800138000 #12", nil, "+8613800138000"),
    valid("+86 13800138000x12", nil, "+8613800138000"),
    valid("1-201-555-0123", "US", "+12015550123"),
    valid("12015550123", "US", "+12015550123"),
    valid("201.555.0123 Ext 7", "CA", "+12015550123"),
    valid("011 86 138 0013 8000", "US", "+8613800138000"),
    valid("+1 201 555 0123", "CN", "+12015550123"),
    valid("00 1 201 555 0123", "CN", "+12015550123"),
    valid("  +7 912 345 67 89\n", nil, "+79123456789"),
    valid("+880 1812 345678", nil, "+8801812345678"),
    valid("+49 30 123456", nil, "+4930123456"),
]

/// Further rejected inputs.
private let extraInvalidRows: [InvalidPhoneRow] = [
    invalid("", "CN", .empty),
    invalid("   ", nil, .empty),
    invalid("( ) -", "CN", .empty),
    invalid("13800138000", nil, .noCountry),
    invalid("13800138000", "", .noCountry),
    invalid("07400 123456", "GB", .noCountry),
    invalid("1-800-FLOWERS", "US", .invalidCharacters),
    invalid("138+0013 8000", "CN", .invalidCharacters),
    invalid("++86 138 0013 8000", nil, .invalidCharacters),
    invalid("+86 138 0013 8000 ext", nil, .invalidCharacters),
    invalid("+86 138 0013 8000 x12a", nil, .invalidCharacters),
    invalid("x12", "CN", .invalidCharacters),
    invalid("00", "CN", .invalidLength),
    invalid("+0086 138 0013 8000", nil, .invalidNumber),
    invalid("+2812345678", nil, .invalidNumber),
    invalid("+44 74", nil, .invalidLength),
    invalid("+44 7400 1234 5678 9012", nil, .invalidLength),
    invalid("010 6552 9988", "CN", .notMobile),
    invalid("+86 21 6123 4567", nil, .notMobile),
    invalid("400 123 4567", "CN", .notMobile),
    invalid("+86 1", nil, .invalidLength),
    invalid("+86", nil, .invalidLength),
    invalid("+86 00 138 0013 8000", nil, .invalidNumber),
    invalid("11800138000", "CN", .invalidNumber),
    invalid("201555012", "US", .invalidLength),
    invalid("1 101 555 0123", "US", .invalidNumber),
    invalid("2011550123", "US", .invalidNumber),
]

private func parseError(_ input: String, _ region: String?) -> PhoneNumberError? {
    do {
        _ = try PhoneNumber(parsing: input, defaultRegion: region)
        return nil
    } catch {
        return error
    }
}

@Suite("Phone numbers")
struct PhoneNumberTests {
    // MARK: Parsing

    @Test(arguments: corpusValidRows + extraValidRows)
    func parsesToE164(_ row: ValidPhoneRow) throws {
        let number = try PhoneNumber(parsing: row.input, defaultRegion: row.region)
        #expect(number.e164 == row.e164)
        #expect(PhoneNumber(e164: number.e164) == number)
    }

    @Test(arguments: corpusInvalidRows + extraInvalidRows)
    func rejectsWithCode(_ row: InvalidPhoneRow) throws {
        let error = try #require(parseError(row.input, row.region), "parsed but must fail")
        #expect(error.code == row.code, "\(error.message)")
    }

    @Test(arguments: [140, 141, 142, 143, 144, 146, 148, 149, 154, 160, 163, 164, 168, 169, 179, 194])
    func chinaPrefixesThatAreNeverMobile(_ prefix: Int) throws {
        let error = try #require(parseError("+86 \(prefix) 1234 5678", nil))
        #expect(error.code == .notMobile)
        #expect(error.message.contains("SMS needs a mobile number"))
        // The neighbouring mobile prefix is accepted.
        let neighbour = prefix == 194 ? 195 : prefix + 1
        if ![141, 142, 143, 144, 149, 164, 169].contains(neighbour) {
            #expect(throws: Never.self) {
                try PhoneNumber(
                    parsing: "+86 \(neighbour) 1234 5678",
                    defaultRegion: nil)
            }
        }
    }

    @Test func landlineMessageAsksForAMobileNumber() throws {
        let error = try #require(parseError("+86 10 6552 9988", nil))
        #expect(error.code == .notMobile)
        #expect(error.message.contains("SMS needs a mobile number"))
        #expect(error.message.contains("landline"))
        #expect(error.description == error.message)
    }

    @Test(arguments: corpusInvalidRows + extraInvalidRows)
    func errorMessagesNeverContainTheNumber(_ row: InvalidPhoneRow) throws {
        let error = try #require(parseError(row.input, row.region))
        let digits = String(
            row.input.unicodeScalars.filter { ("0"..."9").contains($0) }
                .map(Character.init))
        if digits.count >= 5 {
            #expect(!error.message.contains(digits), "\(error.message)")
            #expect(!error.message.contains(String(digits.dropFirst(2))), "\(error.message)")
        }
        let trimmed = row.input.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 5 {
            #expect(!error.message.contains(trimmed), "\(error.message)")
            #expect(error.message.contains(PhoneNumber.mask(row.input)), "\(error.message)")
        }
        #expect(!error.message.isEmpty)
    }

    // MARK: Masking

    @Test(arguments: [
        ("+8613800138000", "+86138****8000"),
        ("+12015550123", "+1201***0123"),
        // The brief wrote "+44740****3456", but the national number 7400123456 has only 3 middle
        // digits; one star per hidden digit keeps the masked text as long as the number.
        ("+447400123456", "+44740***3456"),
        ("+919876543210", "+91987***3210"),
        ("+79123456789", "+7912***6789"),
        ("+4930123456", "+493***3456"),
        ("+35312345", "+353***45"),
    ])
    func masksTheMiddle(_ e164: String, _ expected: String) throws {
        let number = try #require(PhoneNumber(e164: e164))
        #expect(number.masked == expected)
        #expect(number.description == expected)
        #expect("to \(number)" == "to \(expected)")
        #expect(String(reflecting: number) == "PhoneNumber(\(expected))")
        var dumped = ""
        dump(number, to: &dumped)
        #expect(!dumped.contains(String(e164.dropFirst())))
    }

    @Test(arguments: [
        ("13800138000", "138****8000"),
        ("+8613800138000", "+86138****8000"),
        ("2015550123", "201****123"),
        ("  (201) 555-0123 ", "(201) ****0123"),
        ("+86 138-0013-8000 ext. 12", "+86 13************. 12"),
        ("12345", "****5"),
        ("1234", "****"),
        ("", ""),
        ("abcdefghijklmnopqrstuvwxyz", "abcdef************wxyz"),
    ])
    func masksRawText(_ raw: String, _ expected: String) {
        #expect(PhoneNumber.mask(raw) == expected)
    }

    @Test func maskKeepsAtMostSixAndFour() {
        for length in 0...40 {
            let raw = String((0..<length).map { Character(String($0 % 10)) })
            let masked = PhoneNumber.mask(raw)
            let head = masked.prefix { $0 != "*" }
            let tail = masked.reversed().prefix { $0 != "*" }
            #expect(head.count <= 6 && tail.count <= 4, "\(length): \(masked)")
            #expect(head.count + tail.count <= max(0, length - 4), "\(length): \(masked)")
            #expect(masked.contains("*") || length == 0)
        }
    }

    // MARK: E.164 shape, parts, Codable

    @Test(arguments: [
        "+8613800138000", "+12015550123", "+11235550100", "+4930123456", "+88012345678",
        "+123456789012345", "+12345678",
    ])
    func acceptsE164Shape(_ string: String) throws {
        #expect(try #require(PhoneNumber(e164: string)).e164 == string)
    }

    @Test(arguments: [
        "8613800138000", "+086138001380", "+86 13800138000", "+1234567", "",
        "+1234567890123456", "+2812345678", "+86138001380O0", "+", "+８６13800138000",
    ])
    func rejectsNonE164Shape(_ string: String) {
        #expect(PhoneNumber(e164: string) == nil)
    }

    @Test(arguments: [
        ("+8613800138000", "86", "13800138000"),
        ("+12015550123", "1", "2015550123"),
        ("+447400123456", "44", "7400123456"),
        ("+79123456789", "7", "9123456789"),
        ("+8801812345678", "880", "1812345678"),
        ("+35312345678", "353", "12345678"),
    ])
    func splitsCountryCode(_ e164: String, _ countryCode: String, _ national: String) throws {
        let number = try #require(PhoneNumber(e164: e164))
        #expect(number.countryCode == countryCode)
        #expect(number.nationalNumber == national)
    }

    @Test func countryCodeTableIsPrefixFree() {
        let codes = PhoneNumber.assignedCountryCodes.union([1, 7])
        for code in codes {
            var prefix = code / 10
            while prefix > 0 {
                #expect(!codes.contains(prefix), "\(prefix) is a prefix of \(code)")
                prefix /= 10
            }
        }
        #expect(codes.contains(86) && codes.contains(44) && codes.contains(852) && !codes.contains(28))
    }

    @Test func codableIsTheE164String() throws {
        let number = try PhoneNumber(parsing: "+86 138 0013 8000", defaultRegion: nil)
        let data = try JSONEncoder().encode(["to": number])
        #expect(String(decoding: data, as: UTF8.self) == #"{"to":"+8613800138000"}"#)
        let decoded = try JSONDecoder().decode([String: PhoneNumber].self, from: data)
        #expect(decoded["to"] == number)
        do {
            _ = try JSONDecoder().decode(
                [String: PhoneNumber].self,
                from: Data(#"{"to":"13800138000"}"#.utf8))
            Issue.record("decoded a number without +")
        } catch {
            #expect(!String(describing: error).contains("13800138000"))
        }
    }

    // MARK: Equality

    @Test func equalityAndHashingAreByE164() throws {
        let spellings =
            [
                ("+86 138 0013 8000", nil), ("13800138000", "CN"), ("008613800138000", "CN"),
                ("+86 138-0013-8000 ext. 12", nil),
            ] as [(String, String?)]
        let numbers = try spellings.map { try PhoneNumber(parsing: $0.0, defaultRegion: $0.1) }
        #expect(Set(numbers).count == 1)
        for number in numbers {
            #expect(number == numbers[0])
            #expect(number.hashValue == numbers[0].hashValue)
        }
        let other = try PhoneNumber(parsing: "+8613800138001", defaultRegion: nil)
        #expect(other != numbers[0])
        #expect(Set(numbers + [other]).count == 2)
        let byNumber = [numbers[0]: "Maria"]
        #expect(byNumber[try #require(PhoneNumber(e164: "+8613800138000"))] == "Maria")
    }
}
