import Foundation
import Testing

@testable import CarelineSQLite

@Suite("Stored text")
struct StoredTextTests {
    static let awkward = [
        "", "plain", "quote \" and backslash \\", "line\nbreak\r\ttab", "bell \u{07} unit \u{1F}", "中文", "🙂👍🏽",
        "slash / semicolon ;",
    ]

    @Test(arguments: awkward)
    func stringListsRoundTrip(text: String) {
        let list = [text, "second", text]
        #expect(StoredText.strings(fromJSON: StoredText.jsonArray(list)) == list)
        let map = ["key \(text)": text, "b": "2"]
        #expect(StoredText.map(fromJSON: StoredText.jsonObject(map)) == map)
    }

    @Test func writesCompactJSONWithSortedKeys() {
        #expect(StoredText.jsonArray([]) == "[]")
        #expect(StoredText.jsonArray(["a", "b\"c"]) == #"["a","b\"c"]"#)
        #expect(StoredText.jsonObject(["z": "1", "a": "\n\u{01}"]) == #"{"a":"\n\u0001","z":"1"}"#)
    }

    @Test func readsJSONWrittenByOtherTools() {
        #expect(StoredText.strings(fromJSON: #" [ "a" , "\u00e9\ud83d\ude42\/" ] "#) == ["a", "é🙂/"])
        #expect(StoredText.map(fromJSON: "{\n  \"k\": \"v\"\n}") == ["k": "v"])
        #expect(StoredText.strings(fromJSON: #"["a", 1]"#) == nil)
        #expect(StoredText.strings(fromJSON: "a;b") == nil)
        #expect(StoredText.map(fromJSON: #"["a"]"#) == nil)
    }

    @Test func instantsAreWholeMilliseconds() {
        let date = Date(timeIntervalSince1970: 1_764_547_200.123)
        #expect(StoredText.millis(date) == 1_764_547_200_123)
        #expect(StoredText.date(millis: 1_764_547_200_123) == date)
        #expect(StoredText.millis(Date(timeIntervalSince1970: -1.5)) == -1500)
    }

    @Test func contentHashIsFNV1a64() {
        #expect(StoredText.contentHash([""]) == "cbf29ce484222325")
        #expect(StoredText.contentHash(["a"]) == "af63dc4c8601ec8c")
        #expect(
            StoredText.contentHash(["msg_1", "+8613800138000"])
                == StoredText.contentHash(["msg_1|+8613800138000"]))
    }
}
