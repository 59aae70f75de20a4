/// The character encoding an SMS body is sent in.
public enum SMSEncoding: String, Sendable, Codable {
    /// The GSM 03.38 default alphabet (7-bit septets), used when every character fits it.
    case gsm7 = "GSM-7"
    /// UTF-16 code units, used as soon as one character is outside the GSM alphabet.
    case ucs2 = "UCS-2"
}

/// The encoding, size and number of parts of an SMS body (3GPP TS 23.038 rules).
///
/// - GSM-7: one part holds 160 septets, a concatenated part 153; characters of the extension table
///   (`^ { } \ [ ~ ] | €` and form feed) cost 2 septets (ESC + code).
/// - UCS-2: one part holds 70 UTF-16 units, a concatenated part 67; characters outside the BMP
///   (most emoji) are surrogate pairs and cost 2 units.
/// - An ESC pair and a surrogate pair are never split across parts, so the part count can exceed
///   `ceil(units / 153)` or `ceil(units / 67)`. Grapheme clusters (flags, ZWJ emoji) may be split
///   between parts; this is the code-point policy (corpus field `segments`).
/// - The empty text is GSM-7 with 0 units and 0 segments: nothing is sent.
///
/// The analysis walks the Unicode scalars once, with a lookup table and no per-character
/// allocation, so it is cheap enough to run for every rendered message.
public struct SMSAnalysis: Sendable, Equatable, Codable {
    /// The encoding the text needs: GSM-7 when every character is in the GSM alphabet, else UCS-2.
    public var encoding: SMSEncoding
    /// Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2).
    public var units: Int
    /// The number of SMS parts sent (0 for the empty text).
    public var segments: Int
    /// The distinct characters (each one Unicode scalar, in order of first appearance) that forced
    /// UCS-2; empty for GSM-7.
    public var nonGSM: [String]

    /// GSM-7 segments the text would need with its look-alike punctuation replaced, or `nil` when
    /// the text is GSM-7 or contains other non-GSM characters. Not encoded; `nil` after decoding.
    private var lookAlikeFreeSegments: Int? = nil

    /// Septets that fit in a single GSM-7 message.
    public static let gsm7SingleLimit = 160
    /// Septets per part of a concatenated GSM-7 message.
    public static let gsm7PartLimit = 153
    /// UTF-16 units that fit in a single UCS-2 message.
    public static let ucs2SingleLimit = 70
    /// UTF-16 units per part of a concatenated UCS-2 message.
    public static let ucs2PartLimit = 67

    /// The 127 characters of the GSM 03.38 default alphabet in code order (ESC, 0x1B, left out).
    public static let gsm7BasicAlphabet =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

    /// The characters of the GSM 03.38 extension table (each costs ESC + code = 2 septets).
    public static let gsm7ExtensionCharacters = "\u{0C}^{}\\[~]|€"

    private enum CodingKeys: String, CodingKey {
        case encoding, units, segments
        case nonGSM = "non_gsm"
    }

    /// Creates an analysis from known values (for tests and decoding-like construction).
    ///
    /// - Parameters:
    ///   - encoding: The encoding.
    ///   - units: Septets or UTF-16 units.
    ///   - segments: The number of parts.
    ///   - nonGSM: The characters that forced UCS-2.
    public init(encoding: SMSEncoding, units: Int, segments: Int, nonGSM: [String] = []) {
        self.encoding = encoding
        self.units = units
        self.segments = segments
        self.nonGSM = nonGSM
    }

    /// Analyses an SMS body: encoding, units, parts and the characters that forced UCS-2.
    ///
    /// - Parameter text: The message body exactly as it will be sent.
    public init(analyzing text: String) {
        var scanner = SegmentScanner()
        var text = text
        var nonGSM: [String] = []
        Self.latinCosts.withUnsafeBufferPointer { table in
            text.withUTF8 { bytes in
                guard let (first, next) = scanner.scanGSM(bytes, table: table) else { return }
                // At most one distinct scalar per remaining byte (plus the first): the list of distinct scalars
                // and a hash set twice that size (a power of two) fit in one temporary buffer, on the stack for
                // any message of ordinary length, so the UCS-2 phase allocates only the final list.
                let capacity = bytes.count - next + 1
                var tableSize = 16
                while tableSize < 2 * capacity { tableSize <<= 1 }
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: capacity + tableSize) { scratch in
                    guard let base = scratch.baseAddress else { return }
                    let distinct = DistinctScalars(
                        found: base,
                        table: UnsafeMutableBufferPointer(start: base + capacity, count: tableSize))
                    distinct.table.initialize(repeating: 0)
                    let count = scanner.scanUCS2(
                        bytes, first: first, from: next, table: table, distinct: distinct)
                    nonGSM = (0..<count).map { String(Unicode.Scalar(base[$0]) ?? "\u{FFFD}") }
                }
            }
        }
        if scanner.isGSM {
            self.encoding = .gsm7
            self.units = scanner.septets
            self.segments = Self.segmentCount(
                units: scanner.septets, concatenated: scanner.gsmParts,
                singleLimit: Self.gsm7SingleLimit)
            self.nonGSM = []
        } else {
            self.encoding = .ucs2
            self.units = scanner.ucsUnits
            self.segments = Self.segmentCount(
                units: scanner.ucsUnits, concatenated: scanner.ucsParts,
                singleLimit: Self.ucs2SingleLimit)
            self.nonGSM = nonGSM
            if scanner.gsmPossible {
                self.lookAlikeFreeSegments = Self.segmentCount(
                    units: scanner.septets, concatenated: scanner.gsmParts,
                    singleLimit: Self.gsm7SingleLimit)
            }
        }
    }

    /// The distinct non-GSM scalars of a text in order of first appearance, with an open-addressing hash set
    /// (stored as value + 1, so 0 marks an empty entry) over them. Both point into the caller's buffer.
    private struct DistinctScalars {
        let found: UnsafeMutablePointer<UInt32>
        /// A power of two in size, at least twice the number of scalars that can be added.
        let table: UnsafeMutableBufferPointer<UInt32>

        /// Adds a scalar value unless it is there; `count` is the number of scalars in `found`.
        @inline(__always)
        func insert(_ value: UInt32, count: inout Int) {
            let mask = table.count &- 1
            let key = value &+ 1
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B1) >> 7) & mask
            while true {
                let entry = table[slot]
                if entry == key { return }
                if entry == 0 { break }
                slot = (slot &+ 1) & mask
            }
            table[slot] = key
            found[count] = value
            count &+= 1
        }
    }

    /// The single pass over the UTF-8 bytes behind ``init(analyzing:)``.
    private struct SegmentScanner {
        /// Scalars seen while the text was still GSM-7 (all BMP, so 1 UCS-2 unit each).
        var scalarCount = 0
        // GSM-7 packing; after the switch to UCS-2 it continues with look-alikes replaced.
        var septets = 0
        var gsmParts = 1
        var gsmFill = 0
        var gsmPossible = true
        // UCS-2 packing, started at the first non-GSM scalar.
        var isGSM = true
        var ucsUnits = 0
        var ucsParts = 1
        var ucsFill = 0

        @inline(__always)
        mutating func packGSM(_ size: Int) {
            septets &+= size
            if gsmFill &+ size > SMSAnalysis.gsm7PartLimit {
                gsmParts &+= 1
                gsmFill = size
            } else {
                gsmFill &+= size
            }
        }

        /// The GSM-7 phase, the common case, kept in local variables. Returns the first non-GSM scalar and the
        /// offset after it, or `nil` when the whole text is GSM-7.
        mutating func scanGSM(_ bytes: UnsafeBufferPointer<UInt8>, table: UnsafeBufferPointer<UInt8>)
            -> (UInt32, Int)?
        {
            guard let base = bytes.baseAddress, let costs = table.baseAddress else { return nil }
            let end = bytes.count
            let gsmCap = SMSAnalysis.gsm7PartLimit
            var index = 0
            var count = 0
            var septets = 0
            var parts = 1
            var fill = 0
            var nonGSMValue: UInt32? = nil
            while index < end {
                let (value, length) = Self.decode(base, at: index)
                index &+= length
                let cost = value < 256 ? Int(costs[Int(value)]) : SMSAnalysis.highCost(value)
                if cost == 0 {
                    nonGSMValue = value
                    break
                }
                count &+= 1
                septets &+= cost
                fill &+= cost
                if fill > gsmCap {
                    parts &+= 1
                    fill = cost
                }
            }
            scalarCount = count
            self.septets = septets
            gsmParts = parts
            gsmFill = fill
            return nonGSMValue.map { ($0, index) }
        }

        /// The UCS-2 phase, from the first non-GSM scalar on: rarer, and tracks more. Returns the number of
        /// distinct non-GSM scalars written to `distinct.found`.
        mutating func scanUCS2(
            _ bytes: UnsafeBufferPointer<UInt8>, first: UInt32, from start: Int,
            table: UnsafeBufferPointer<UInt8>, distinct: DistinctScalars
        ) -> Int {
            guard let base = bytes.baseAddress, let costs = table.baseAddress else { return 0 }
            var found = 0
            switchToUCS2()
            consumeUCS2(first, cost: 0, distinct: distinct, found: &found)
            let end = bytes.count
            var index = start
            while index < end {
                let (value, length) = Self.decode(base, at: index)
                index &+= length
                let cost = value < 256 ? Int(costs[Int(value)]) : SMSAnalysis.highCost(value)
                consumeUCS2(value, cost: cost, distinct: distinct, found: &found)
            }
            return found
        }

        /// Decodes the scalar starting at `index` of valid UTF-8 (as `String` guarantees).
        @inline(__always)
        static func decode(_ base: UnsafePointer<UInt8>, at index: Int) -> (UInt32, Int) {
            let lead = UInt32(base[index])
            if lead < 0x80 { return (lead, 1) }
            if lead < 0xE0 {
                return ((lead & 0x1F) << 6 | UInt32(base[index &+ 1] & 0x3F), 2)
            }
            if lead < 0xF0 {
                return (
                    (lead & 0x0F) << 12 | UInt32(base[index &+ 1] & 0x3F) << 6
                        | UInt32(base[index &+ 2] & 0x3F), 3
                )
            }
            return (
                (lead & 0x07) << 18 | UInt32(base[index &+ 1] & 0x3F) << 12
                    | UInt32(base[index &+ 2] & 0x3F) << 6 | UInt32(base[index &+ 3] & 0x3F), 4
            )
        }

        /// Starts UCS-2 packing at the first non-GSM scalar.
        mutating func switchToUCS2() {
            let cap = SMSAnalysis.ucs2PartLimit
            isGSM = false
            ucsUnits = scalarCount
            ucsParts = max(1, (scalarCount + cap - 1) / cap)
            ucsFill = scalarCount - (ucsParts - 1) * cap
        }

        @inline(__always)
        mutating func consumeUCS2(_ value: UInt32, cost: Int, distinct: DistinctScalars, found: inout Int) {
            let size = value > 0xFFFF ? 2 : 1
            ucsUnits &+= size
            if ucsFill &+ size > SMSAnalysis.ucs2PartLimit {
                ucsParts &+= 1
                ucsFill = size
            } else {
                ucsFill &+= size
            }
            if gsmPossible {
                if cost != 0 {
                    packGSM(cost)
                } else {
                    // A look-alike's replacement is made of single-septet characters.
                    let replacement = SMSAnalysis.lookAlikeCost(value)
                    if replacement == 0 {
                        gsmPossible = false
                    } else {
                        for _ in 0..<replacement { packGSM(1) }
                    }
                }
            }
            guard cost == 0, Unicode.Scalar(value) != nil else { return }
            distinct.insert(value, count: &found)
        }
    }

    /// Compares encoding, units, segments and nonGSM (the look-alike information is not compared).
    public static func == (lhs: SMSAnalysis, rhs: SMSAnalysis) -> Bool {
        lhs.encoding == rhs.encoding && lhs.units == rhs.units && lhs.segments == rhs.segments
            && lhs.nonGSM == rhs.nonGSM
    }

    /// A short warning when UCS-2 was forced only by look-alikes of GSM characters (curly quotes,
    /// dashes, ellipsis, special spaces, backtick), naming them and the GSM-7 alternative.
    ///
    /// For example `"’" (U+2019) forces UCS-2: 2 parts instead of 1 with "'"`. When the part
    /// count is the same either way the warning says how much room a part loses.
    ///
    /// - Returns: The warning, or `nil` for GSM-7 text, for text that would stay UCS-2 anyway
    ///   (emoji, CJK, accented letters outside GSM) and for a decoded analysis.
    public func explanation() -> String? {
        guard encoding == .ucs2, let alternative = lookAlikeFreeSegments, !nonGSM.isEmpty else {
            return nil
        }
        var culprits: [String] = []
        var replacements: [String] = []
        for string in nonGSM {
            guard let scalar = string.unicodeScalars.first,
                let replacement = Self.lookAlikeReplacement(scalar.value)
            else { return nil }
            culprits.append("\"\(string)\" (\(Self.codePoint(scalar.value)))")
            replacements.append("\"\(replacement)\"")
        }
        let subject = culprits.joined(separator: ", ")
        let verb = culprits.count == 1 ? "forces" : "force"
        let with = "with " + replacements.joined(separator: ", ")
        if alternative != segments {
            return "\(subject) \(verb) UCS-2: \(Self.parts(segments)) instead of \(alternative) \(with)"
        }
        let (ucsRoom, gsmRoom) =
            segments > 1
            ? (Self.ucs2PartLimit, Self.gsm7PartLimit)
            : (Self.ucs2SingleLimit, Self.gsm7SingleLimit)
        return "\(subject) \(verb) UCS-2: still \(Self.parts(segments)), but a part holds "
            + "\(ucsRoom) characters instead of \(gsmRoom) \(with)"
    }

    // MARK: - Tables

    /// GSM-7 cost (0 = not GSM, 1 = basic, 2 = extension) of the scalars U+0000..U+00FF.
    private static let latinCosts: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for scalar in gsm7BasicAlphabet.unicodeScalars where scalar.value < 256 {
            table[Int(scalar.value)] = 1
        }
        for scalar in gsm7ExtensionCharacters.unicodeScalars where scalar.value < 256 {
            table[Int(scalar.value)] = 2
        }
        return table
    }()

    /// GSM-7 cost of a scalar at or above U+0100: the ten Greek capitals and the euro sign.
    @inline(__always)
    fileprivate static func highCost(_ value: UInt32) -> Int {
        switch value {
        case 0x0393, 0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9:
            return 1  // Γ Δ Θ Λ Ξ Π Σ Φ Ψ Ω
        case 0x20AC:
            return 2  // €
        default:
            return 0
        }
    }

    /// The GSM replacement of a common look-alike character, or `nil` when it has none.
    private static func lookAlikeReplacement(_ value: UInt32) -> String? {
        switch value {
        case 0x2018, 0x2019, 0x201B, 0x2032, 0x0060, 0x00B4:
            return "'"  // ‘ ’ ‛ ′ ` ´
        case 0x201C, 0x201D, 0x201F, 0x2033:
            return "\""  // “ ” ‟ ″
        case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212:
            return "-"  // hyphens, figure dash, en dash, em dash, horizontal bar, minus sign
        case 0x2026:
            return "..."  // …
        case 0x00A0, 0x2002, 0x2003, 0x2007, 0x2009, 0x200A, 0x202F:
            return " "  // no-break, en, em, figure, thin, hair and narrow no-break spaces
        default:
            return nil
        }
    }

    /// Septets of a look-alike's replacement (all single-septet characters), or 0 when none.
    fileprivate static func lookAlikeCost(_ value: UInt32) -> Int {
        lookAlikeReplacement(value)?.utf8.count ?? 0
    }

    private static func segmentCount(units: Int, concatenated: Int, singleLimit: Int) -> Int {
        if units == 0 { return 0 }
        return units <= singleLimit ? 1 : concatenated
    }

    private static func parts(_ count: Int) -> String {
        count == 1 ? "1 part" : "\(count) parts"
    }

    private static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
