import Foundation

/// Why a phone number was rejected; the message never contains the full number.
public struct PhoneNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: Sendable, Equatable {
        /// The input is blank or has no digits.
        case empty
        /// The input has a character that is not a digit, separator, leading `+` or extension.
        case invalidCharacters
        /// The input has no `+`/`00` prefix and no (supported) default region.
        case noCountry
        /// Too few or too many digits for the country.
        case invalidLength
        /// A valid number that cannot receive SMS (a landline, service or data-only range).
        case notMobile
        /// Digits that no country's numbering plan allows.
        case invalidNumber
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong and what to do, quoting only the masked input.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - message: What is wrong and what to do; must not contain the full number.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// A validated phone number in E.164 form (`+8613800138000`).
///
/// `description` is the masked form, so interpolating a number into a log line or error message
/// never leaks it; use ``e164`` explicitly where the full number is needed (sending, storage).
/// Equality and hashing are by ``e164`` (a redacted number equals only the same redacted text). Encoded as a
/// single JSON string (the E.164 form). A message purged for retention keeps only the masked form: see
/// ``init(redacted:)`` and ``isRedacted``.
public struct PhoneNumber: Sendable, Hashable, Codable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// The full number: `+`, country code and national number, digits only.
    ///
    /// For a redacted number (``isRedacted``, read back from a purged message) this is the masked text the
    /// store kept (`+86138****8000`): it cannot be dialled, and no full number exists any more.
    public let e164: String

    /// Whether this is what is left of a number after a purge (see ``init(redacted:)``): only its masked form.
    ///
    /// Purged messages are finished (sent, failed, expired, cancelled) and are never sent again, so a redacted
    /// number never reaches a sender; it exists so that every reader of old messages keeps working with the one
    /// `PhoneNumber` type (the dispatcher, review and preview all read ``OutboxMessage/recipient``).
    public let isRedacted: Bool

    /// Wraps an already validated E.164 string, checking its shape only.
    ///
    /// The shape is `+`, an ITU-assigned country code (so the code never starts with 0) and
    /// 8 to 15 digits in total. National rules (mobile ranges, NANP area codes) are not checked.
    ///
    /// - Parameter e164: A string such as `+8613800138000`.
    public init?(e164: String) {
        let utf8 = Array(e164.utf8)
        guard utf8.count >= 9, utf8.count <= 16, utf8[0] == UInt8(ascii: "+") else { return nil }
        let digits = utf8.dropFirst().map { $0 &- UInt8(ascii: "0") }
        guard digits.allSatisfy({ $0 <= 9 }), Self.countryCodeLength(of: digits) != nil else {
            return nil
        }
        self.e164 = e164
        self.isRedacted = false
    }

    /// Wraps the masked form of a number whose full digits were erased (a purged message's recipient).
    ///
    /// The shape is what ``masked`` produces: `+`, a first digit 1-9, digits, one run of `*`, at most 4 final
    /// digits, 9 to 16 characters (`+86138****8000`, `+1201***0123`). Such a number equals only itself, never
    /// the full number it came from.
    ///
    /// - Parameter masked: The masked text, e.g. `+86138****8000`.
    public init?(redacted masked: String) {
        let utf8 = Array(masked.utf8)
        guard utf8.count >= 9, utf8.count <= 16, utf8[0] == UInt8(ascii: "+"),
            (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(utf8[1])
        else { return nil }
        let star = UInt8(ascii: "*")
        guard let firstStar = utf8.firstIndex(of: star), let lastStar = utf8.lastIndex(of: star),
            utf8[firstStar...lastStar].allSatisfy({ $0 == star }), utf8.count - lastStar - 1 <= 4,
            utf8[1..<firstStar].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            utf8[(lastStar + 1)...].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        self.e164 = masked
        self.isRedacted = true
    }

    /// Parses a number as a person typed it and normalises it to E.164.
    ///
    /// Spaces, dashes, dots, slashes and parentheses are ignored (full-width digits, `＋` and
    /// brackets too). An international number starts with `+` or `00` (`011` as well when the
    /// default region is a +1 region). An extension after `ext`, `ext.`, `extension`, `x`, `#`
    /// or `转` is dropped. Rules by country code:
    /// - `+86` mainland China: mobile numbers only, `1[3-9]` + 9 digits, excluding the prefixes
    ///   never used for mobiles (140-144, 146, 148, 149, 154, 160, 163, 164, 168, 169, 179, 194,
    ///   rejected as `notMobile`); landlines and service numbers are `notMobile`. A national
    ///   trunk `0` (also written after `+86`) is tolerated.
    /// - `+1` (NANP: US, Canada, Caribbean): 10 digits, area code and exchange start with 2-9.
    ///   Any default region accepts +1 numbers; toll-free and fictional 555 numbers pass.
    /// - Any other assigned country code: 8 to 15 digits in total (no national rules).
    ///
    /// Without `+`/`00`, `defaultRegion` decides: `CN` (an 11-digit mobile, or 13 digits
    /// starting `86`), `US`, `CA` and the other +1 regions (10 digits, or 11 starting `1`).
    ///
    /// - Parameters:
    ///   - raw: The text entered, e.g. `+86 138-0013-8000 ext. 12` or `(201) 555-0123`.
    ///   - defaultRegion: ISO 3166 code used for numbers without a country code, or `nil`.
    /// - Throws: ``PhoneNumberError`` saying what is wrong, with the input masked.
    public init(parsing raw: String, defaultRegion: String?) throws(PhoneNumberError) {
        let shown = "\"\(Self.mask(raw))\""
        let digits = try Self.extractDigits(raw, shown: shown)
        let region = defaultRegion.map { Self.trimmed($0).uppercased() }
            .flatMap { $0.isEmpty ? nil : $0 }
        let isNANPRegion = region.map { Self.nanpRegions.contains($0) } ?? false

        var international: ArraySlice<UInt8>? = nil
        if digits.hasPlus {
            international = digits.digits[...]
        } else if digits.digits.starts(with: [0, 0]) {
            international = digits.digits.dropFirst(2)
        } else if isNANPRegion && digits.digits.starts(with: [0, 1, 1]) {
            international = digits.digits.dropFirst(3)
        }

        let countryCode: ArraySlice<UInt8>
        let national: ArraySlice<UInt8>
        if let number = international {
            (countryCode, national) = try Self.splitInternational(number, shown: shown)
        } else if let region, region == "CN" {
            let all = digits.digits[...]
            if all.count == 13, all.starts(with: [8, 6, 1]), all[all.startIndex + 3] >= 3 {
                (countryCode, national) = (all.prefix(2), all.dropFirst(2))
            } else {
                (countryCode, national) = ([8, 6], all)
            }
        } else if isNANPRegion {
            let all = digits.digits[...]
            (countryCode, national) = ([1], all.count == 11 && all.first == 1 ? all.dropFirst() : all)
        } else if let region {
            throw PhoneNumberError(
                code: .noCountry,
                message: "Phone number \(shown) has no country "
                    + "code, and the default region \"\(region.prefix(8))\" is not supported for "
                    + "national numbers (supported: CN, US, CA and the other +1 regions). Write it "
                    + "with + and the country code.")
        } else {
            throw PhoneNumberError(
                code: .noCountry,
                message: "Phone number \(shown) has no country "
                    + "code and no default region is set. Write it with + and the country code "
                    + "(e.g. +1 for the US and Canada, +86 for mainland China) or set a default region.")
        }

        let validNational: ArraySlice<UInt8>
        switch Array(countryCode) {
        case [8, 6]:
            validNational = try Self.validateChina(national, shown: shown)
        case [1]:
            validNational = try Self.validateNANP(national, shown: shown)
        default:
            let total = countryCode.count + national.count
            guard (8...15).contains(total) else {
                throw PhoneNumberError(
                    code: .invalidLength,
                    message: "Phone number \(shown) has "
                        + "\(total) digits; an international (E.164) number has 8 to 15 including the "
                        + "country code. Check for missing or extra digits.")
            }
            validNational = national
        }
        self.e164 = "+" + String(decoding: (countryCode + validNational).map { $0 + 48 }, as: UTF8.self)
        self.isRedacted = false
    }

    /// The country calling code, digits only (`86`, `1`, `44`).
    public var countryCode: String {
        let digits = Array(e164.utf8.dropFirst()).map { $0 &- UInt8(ascii: "0") }
        return String(e164.dropFirst().prefix(Self.countryCodeLength(of: digits) ?? 1))
    }

    /// The national significant number: the digits after the country code.
    public var nationalNumber: String {
        String(e164.dropFirst(1 + countryCode.count))
    }

    /// The number with its middle hidden: `+`, country code, first 3 national digits, one `*`
    /// per hidden digit (at least 3), last 4 digits: `+8613800138000` → `+86138****8000`.
    public var masked: String {
        if isRedacted { return e164 }
        let national = Array(nationalNumber)
        let hidden = min(national.count, max(national.count - 7, 3))
        let tail = min(4, national.count - hidden)
        let head = national.count - hidden - tail
        return "+" + countryCode + String(national.prefix(head))
            + String(repeating: "*", count: hidden) + String(national.suffix(tail))
    }

    /// The masked number, so string interpolation never leaks the full number.
    public var description: String { masked }

    /// `PhoneNumber(+86138****8000)`.
    public var debugDescription: String { "PhoneNumber(\(masked))" }

    /// A mirror showing only the masked number (keeps `dump` output free of the full number).
    public var customMirror: Mirror { Mirror(self, children: ["masked": masked]) }

    /// Masks any phone-like text (typically unparsed input) for messages and logs.
    ///
    /// Leading and trailing whitespace is dropped. At most the first 6 and last 4 characters stay
    /// visible, and at least 4 characters (all of a text of 4 or fewer) are replaced by `*`, so
    /// `13800138000` → `138****8000`, `+8613800138000` → `+86138****8000`. At most 12 stars
    /// are written for very long text.
    ///
    /// - Parameter raw: Any text.
    /// - Returns: The masked text.
    public static func mask(_ raw: String) -> String {
        let text = trimmed(raw)
        if text.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            // ASCII without CR: one character per byte, so the same result without grapheme breaking.
            let bytes = Array(text.utf8)
            let count = bytes.count
            let hidden = max(count - 10, min(count, 4))
            let visible = count - hidden
            let tail = min(4, (visible + 1) / 2)
            let head = visible - tail
            return String(decoding: bytes.prefix(head), as: UTF8.self)
                + String(repeating: "*", count: min(hidden, 12))
                + String(decoding: bytes.suffix(tail), as: UTF8.self)
        }
        let characters = Array(text)
        let count = characters.count
        let hidden = max(count - 10, min(count, 4))
        let visible = count - hidden
        let tail = min(4, (visible + 1) / 2)
        let head = visible - tail
        return String(characters.prefix(head)) + String(repeating: "*", count: min(hidden, 12))
            + String(characters.suffix(tail))
    }

    // MARK: - Codable

    /// Decodes an E.164 string, checking its shape like ``init(e164:)``.
    ///
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError.dataCorrupted` (with the value masked) when it is not E.164.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let number = PhoneNumber(e164: string) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription:
                    "\"\(Self.mask(string))\" is not an E.164 phone number (+, country code, 8-15 digits)")
        }
        self = number
    }

    /// Encodes the E.164 string.
    ///
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }

    // MARK: - Parsing steps

    private struct Extracted {
        var hasPlus = false
        var digits: [UInt8] = []
    }

    /// Keeps the digits (values 0-9) and the leading `+`, drops separators and the extension.
    private static func extractDigits(_ raw: String, shown: String) throws(PhoneNumberError)
        -> Extracted
    {
        let scalars = Array(trimmed(raw).unicodeScalars)
        guard !scalars.isEmpty else {
            throw PhoneNumberError(
                code: .empty,
                message: "The phone number is empty. Enter the "
                    + "patient's mobile number with its country code (e.g. +86 or +1).")
        }
        var result = Extracted()
        var index = 0
        scan: while index < scalars.count {
            let scalar = scalars[index]
            if let digit = digitValue(scalar) {
                result.digits.append(digit)
            } else if scalar == "+" || scalar == "\u{FF0B}" {
                guard !result.hasPlus, result.digits.isEmpty else {
                    throw PhoneNumberError(
                        code: .invalidCharacters,
                        message: "Phone number \(shown) "
                            + "has a \"+\" that is not at the start. Only the international prefix "
                            + "may be written as +; remove the other one.")
                }
                result.hasPlus = true
            } else if isSeparator(scalar) {
                // ignored
            } else if let length = extensionMarkerLength(scalars, at: index), !result.digits.isEmpty {
                let rest = scalars[(index + length)...]
                let extensionDigits = rest.filter { digitValue($0) != nil }.count
                guard extensionDigits > 0,
                    rest.allSatisfy({ digitValue($0) != nil || isSeparator($0) || $0 == ":" })
                else {
                    throw PhoneNumberError(
                        code: .invalidCharacters,
                        message: "Phone number \(shown) "
                            + "has an extension marker not followed by digits only. Write an extension "
                            + "as \"ext. 12\", \"x12\" or \"#12\", or remove the extra text.")
                }
                break scan
            } else {
                throw PhoneNumberError(
                    code: .invalidCharacters,
                    message: "Phone number \(shown) "
                        + "contains \"\(scalar)\" (\(codePoint(scalar))), which is not allowed. Use digits "
                        + "with an optional leading +, and spaces, dashes, dots or parentheses; an "
                        + "extension may follow \"ext.\", \"x\" or \"#\".")
            }
            index += 1
        }
        guard !result.digits.isEmpty else {
            throw PhoneNumberError(
                code: .empty,
                message: "Phone number \(shown) contains no digits. "
                    + "Enter the patient's mobile number with its country code (e.g. +86 or +1).")
        }
        return result
    }

    /// Splits `country code + national number` (the digits after `+`/`00`).
    private static func splitInternational(_ number: ArraySlice<UInt8>, shown: String)
        throws(PhoneNumberError) -> (ArraySlice<UInt8>, ArraySlice<UInt8>)
    {
        guard !number.isEmpty else {
            throw PhoneNumberError(
                code: .invalidLength,
                message: "Phone number \(shown) has no "
                    + "digits after the international prefix. Add the country code and the number.")
        }
        guard number.count <= 15 else {
            throw PhoneNumberError(
                code: .invalidLength,
                message: "Phone number \(shown) has "
                    + "\(number.count) digits after the international prefix; E.164 allows at most 15 "
                    + "including the country code. Check for extra digits.")
        }
        guard number.first != 0 else {
            throw PhoneNumberError(
                code: .invalidNumber,
                message: "Phone number \(shown) has a 0 "
                    + "where the country code starts; country codes never start with 0. Write the "
                    + "number as + followed by the country code and the number.")
        }
        guard let length = countryCodeLength(of: number) else {
            throw PhoneNumberError(
                code: .invalidNumber,
                message: "Phone number \(shown) does not "
                    + "start with an assigned country code. Check the digits after the + or 00.")
        }
        return (number.prefix(length), number.dropFirst(length))
    }

    /// Mainland China (+86): returns the 11-digit mobile number or throws.
    private static func validateChina(_ digits: ArraySlice<UInt8>, shown: String)
        throws(PhoneNumberError) -> ArraySlice<UInt8>
    {
        let national = digits.first == 0 ? digits.dropFirst() : digits  // trunk prefix
        let values = Array(national)
        let mobileShape = "a mainland China mobile number has 11 digits: 1[3-9]x xxxx xxxx"
        let landline = PhoneNumberError(
            code: .notMobile,
            message: "Phone number \(shown) is a "
                + "mainland China landline or service number, and SMS needs a mobile number (+86 "
                + "1[3-9]x xxxx xxxx). Ask the patient for a mobile number.")
        guard let first = values.first else {
            throw PhoneNumberError(
                code: .invalidLength,
                message: "Phone number \(shown) has no "
                    + "digits after the country code +86; \(mobileShape).")
        }
        switch first {
        case 1:
            guard values.count > 1 else {
                throw PhoneNumberError(
                    code: .invalidLength,
                    message: "Phone number \(shown) has "
                        + "1 digit after +86; \(mobileShape). Check for missing digits.")
            }
            switch values[1] {
            case 0:
                if (9...12).contains(values.count) { throw landline }  // Beijing, area code 10
            case 1, 2:
                throw PhoneNumberError(
                    code: .invalidNumber,
                    message: "Phone number \(shown) starts "
                        + "+86 1\(values[1]), which is not allocated to mobile phones (they start 13 to "
                        + "19). Check the number.")
            default:
                guard values.count == 11 else {
                    throw PhoneNumberError(
                        code: .invalidLength,
                        message: "Phone number \(shown) has "
                            + "\(values.count) digits after +86; \(mobileShape). Check for a missing or "
                            + "extra digit.")
                }
                let prefix = Int(values[0]) * 100 + Int(values[1]) * 10 + Int(values[2])
                guard !chinaNonMobilePrefixes.contains(prefix) else {
                    throw PhoneNumberError(
                        code: .notMobile,
                        message: "Phone number \(shown) is in "
                            + "the +86 \(prefix) range, which is not used for mobile phones (data-only, "
                            + "IoT or unassigned), and SMS needs a mobile number. Check the number or "
                            + "ask the patient for a mobile number.")
                }
                return national
            }
        case 2...9:
            if (9...12).contains(values.count) { throw landline }
        default:
            throw PhoneNumberError(
                code: .invalidNumber,
                message: "Phone number \(shown) has an "
                    + "extra 0 after +86; \(mobileShape). Check the number.")
        }
        throw PhoneNumberError(
            code: .invalidLength,
            message: "Phone number \(shown) has "
                + "\(values.count) digits after +86 and is not a mobile number; \(mobileShape).")
    }

    /// NANP (+1): returns the 10-digit national number or throws.
    private static func validateNANP(_ national: ArraySlice<UInt8>, shown: String)
        throws(PhoneNumberError) -> ArraySlice<UInt8>
    {
        let values = Array(national)
        guard values.count == 10 else {
            throw PhoneNumberError(
                code: .invalidLength,
                message: "Phone number \(shown) has "
                    + "\(values.count) digits after +1; a North American (NANP) number has 10: a 3-digit "
                    + "area code, a 3-digit exchange and 4 digits. Check for a missing or extra digit.")
        }
        guard values[0] >= 2 else {
            throw PhoneNumberError(
                code: .invalidNumber,
                message: "Phone number \(shown) has an "
                    + "area code starting with 0 or 1, which North American (+1) numbers never have. "
                    + "Check the number.")
        }
        guard values[3] >= 2 else {
            throw PhoneNumberError(
                code: .invalidNumber,
                message: "Phone number \(shown) has an "
                    + "exchange (the 3 digits after the area code) starting with 0 or 1, which North "
                    + "American (+1) numbers never have. Check the number.")
        }
        return national
    }

    // MARK: - Character classes

    private static func digitValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: return UInt8(scalar.value - 0x30)
        case 0xFF10...0xFF19: return UInt8(scalar.value - 0xFF10)  // full-width digits
        default: return nil
        }
    }

    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2D, 0x2E, 0x28, 0x29, 0x2F: return true  // - . ( ) /
        case 0x2010...0x2015, 0x2212: return true  // hyphens, dashes, minus sign
        case 0xFF08, 0xFF09, 0xFF0D, 0xFF0E, 0xFF0F: return true  // full-width ( ) - . /
        default: return scalar.properties.isWhitespace
        }
    }

    /// The length of an extension marker (`#`, `x`, `ext`, `ext.`, `extension`, `转`) at `index`.
    private static func extensionMarkerLength(_ scalars: [Unicode.Scalar], at index: Int) -> Int? {
        func matches(_ word: String) -> Bool {
            let letters = Array(word.unicodeScalars)
            guard index + letters.count <= scalars.count else { return false }
            return zip(letters, scalars[index...]).allSatisfy { letter, scalar in
                scalar == letter || scalar.properties.lowercaseMapping == String(letter)
            }
        }
        if matches("extension") { return 9 }
        if matches("ext") { return 3 }
        if matches("x") || matches("#") || matches("\u{8F6C}") { return 1 }
        return nil
    }

    private static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    // MARK: - Tables

    /// Regions dialled with +1 (North American Numbering Plan).
    static let nanpRegions: Set<String> = [
        "US", "CA", "AG", "AI", "AS", "BB", "BM", "BS", "DM", "DO", "GD", "GU", "JM", "KN", "KY",
        "LC", "MP", "MS", "PR", "SX", "TC", "TT", "UM", "VC", "VG", "VI",
    ]

    /// Mainland China `1[3-9]x` prefixes that are never mobile numbers (libphonenumber 9.0.43).
    static let chinaNonMobilePrefixes: Set<Int> = [
        140, 141, 142, 143, 144, 146, 148, 149, 154, 160, 163, 164, 168, 169, 179, 194,
    ]

    /// ITU-T E.164 assigned country calling codes of 2 and 3 digits (1 and 7 are the 1-digit ones).
    /// No code is a prefix of another, so the first match is the code.
    static let assignedCountryCodes: Set<Int> = {
        var codes: Set<Int> = [
            20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
            51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66,
            81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
            211, 212, 213, 216, 218, 290, 291, 297, 298, 299,
            380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423,
            670, 672, 673, 674, 675, 676, 677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689,
            690, 691, 692, 800, 808, 850, 852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888,
            970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
        ]
        codes.formUnion(220...258)
        codes.formUnion(260...269)
        codes.formUnion(350...359)
        codes.formUnion(370...379)
        codes.formUnion(500...509)
        codes.formUnion(590...599)
        codes.formUnion(960...968)
        return codes
    }()

    /// The length (1-3) of the assigned country code at the start of `digits` (values 0-9).
    static func countryCodeLength<Digits: Collection>(of digits: Digits) -> Int?
    where Digits.Element == UInt8 {
        guard let first = digits.first, first != 0 else { return nil }
        var value = 0
        for (offset, digit) in digits.prefix(3).enumerated() {
            value = value * 10 + Int(digit)
            if offset == 0 {
                if value == 1 || value == 7 { return 1 }
            } else if assignedCountryCodes.contains(value) {
                return offset + 1
            }
        }
        return nil
    }

    /// `raw` without surrounding whitespace; no Foundation call (and no copy) when there is none.
    private static func trimmed(_ raw: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x80
                ? scalar.value == 0x20 || (0x09...0x0D).contains(scalar.value)
                : scalar.properties.isWhitespace
        }
        guard let first = raw.unicodeScalars.first, let last = raw.unicodeScalars.last,
            isSpace(first) || isSpace(last)
        else { return raw }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
