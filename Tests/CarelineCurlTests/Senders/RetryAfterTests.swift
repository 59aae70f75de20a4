import CarelineCore
import Foundation
import Testing

@testable import CarelineCurl

@Suite("Retry-After")
struct RetryAfterTests {
    /// 1994-11-06T08:49:30Z: seven seconds before the RFC's example date.
    static let now = Date(timeIntervalSince1970: 784_111_770)

    @Test(arguments: [
        ("120", Duration.seconds(120)), ("0", .zero), (" 5 ", .seconds(5)),
        ("Sun, 06 Nov 1994 08:49:37 GMT", .seconds(7)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", .seconds(7)),
        ("Sun Nov  6 08:49:37 1994", .seconds(7)),
        ("Sun, 06 Nov 1994 08:49:00 GMT", .zero),
        ("Mon, 07 Nov 1994 08:49:30 GMT", .seconds(86_400)),
    ])
    func parses(value: String, delay: Duration) {
        #expect(RetryAfter.parse(value, now: Self.now) == delay)
    }

    @Test(arguments: [
        "", "-1", "1.5", "soon", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "99999999999",
    ])
    func rejects(value: String) {
        #expect(RetryAfter.parse(value, now: Self.now) == nil)
    }

    @Test func readsTheLowerCasedHeader() {
        let response = HTTPResponse(status: 429, headers: ["retry-after": "2"])
        #expect(RetryAfter.delay(in: response, now: Self.now) == .seconds(2))
        #expect(RetryAfter.delay(in: HTTPResponse(status: 429), now: Self.now) == nil)
    }
}
