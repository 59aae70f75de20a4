import CarelineCore
import Foundation

/// The text forms of values stored in columns: instants as Unix milliseconds, string lists and maps as JSON.
///
/// JSON is written and read by hand for the two shapes careline stores (an array of strings, an object of
/// strings): a queue run reads every patient, and `JSONDecoder` costs microseconds per row. Text written by
/// another tool is still read, through `JSONSerialization`, when the fast reader does not understand it.
enum StoredText {
    /// An instant as integer milliseconds since 1970 (sub-millisecond parts are rounded away).
    static func millis(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The instant of integer milliseconds since 1970.
    static func date(millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    /// `["a","b"]`.
    static func jsonArray(_ strings: [String]) -> String {
        if strings.isEmpty { return "[]" }
        var out = "["
        for (index, string) in strings.enumerated() {
            if index > 0 { out += "," }
            appendQuoted(string, to: &out)
        }
        out += "]"
        return out
    }

    /// `{"a":"1","b":"2"}`, keys sorted so equal maps give equal text.
    static func jsonObject(_ map: [String: String]) -> String {
        if map.isEmpty { return "{}" }
        var out = "{"
        for (index, key) in map.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            appendQuoted(key, to: &out)
            out += ":"
            appendQuoted(map[key] ?? "", to: &out)
        }
        out += "}"
        return out
    }

    /// Reads a JSON array of strings, or nil when the text is not one.
    static func strings(fromJSON text: String) -> [String]? {
        if text == "[]" { return [] }
        var reader = Reader(text)
        if let strings = reader.array(), reader.atEnd { return strings }
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        return object as? [String]
    }

    /// Reads a JSON object of strings, or nil when the text is not one.
    static func map(fromJSON text: String) -> [String: String]? {
        if text == "{}" { return [:] }
        var reader = Reader(text)
        if let map = reader.object(), reader.atEnd { return map }
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        return object as? [String: String]
    }

    /// Appends `"text"` with JSON escapes (the same escaping as every JSON careline prints).
    private static func appendQuoted(_ text: String, to out: inout String) {
        JSONLine.appendQuoted(text, to: &out)
    }

    /// A reader for the JSON that ``jsonArray(_:)`` and ``jsonObject(_:)`` write (whitespace allowed).
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(_ text: String) { bytes = Array(text.utf8) }

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return index == bytes.count
            }
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func expect(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func array() -> [String]? {
            guard expect(UInt8(ascii: "[")) else { return nil }
            var result: [String] = []
            if expect(UInt8(ascii: "]")) { return result }
            repeat {
                guard let string = string() else { return nil }
                result.append(string)
            } while expect(UInt8(ascii: ","))
            return expect(UInt8(ascii: "]")) ? result : nil
        }

        mutating func object() -> [String: String]? {
            guard expect(UInt8(ascii: "{")) else { return nil }
            var result: [String: String] = [:]
            if expect(UInt8(ascii: "}")) { return result }
            repeat {
                guard let key = string(), expect(UInt8(ascii: ":")), let value = string() else { return nil }
                result[key] = value
            } while expect(UInt8(ascii: ","))
            return expect(UInt8(ascii: "}")) ? result : nil
        }

        mutating func string() -> String? {
            guard expect(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\")
            {
                index += 1
            }
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes[start..<index - 1], as: UTF8.self)
            }
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                guard byte == UInt8(ascii: "\\") else {
                    out.append(byte)
                    continue
                }
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard var value = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(value) {
                        guard expect(UInt8(ascii: "\\")), index < bytes.count,
                            bytes[index] == UInt8(ascii: "u")
                        else { return nil }
                        index += 1
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(value) else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else { return nil }
                value = value * 16 + UInt32(digit)
                index += 1
            }
            return value
        }
    }

    /// A 64-bit FNV-1a hash of `parts` joined by `|`, in 16 hex digits: tells whether a stored message's
    /// recipient, body or senders were altered after queuing. Not a security hash.
    static func contentHash(_ parts: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (index, part) in parts.enumerated() {
            if index > 0 {
                hash ^= UInt64(UInt8(ascii: "|"))
                hash = hash &* 0x0000_0100_0000_01b3
            }
            // Over the contiguous UTF-8 bytes: a queue run hashes every body, and the generic `utf8` iteration
            // costs several times more per byte.
            var text = part
            text.withUTF8 { bytes in
                for byte in bytes {
                    hash ^= UInt64(byte)
                    hash = hash &* 0x0000_0100_0000_01b3
                }
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
