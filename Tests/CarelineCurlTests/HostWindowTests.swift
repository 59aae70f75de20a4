import Testing

@testable import CarelineCurl

@Suite("HostWindow: per-origin limits on requests in flight")
struct HostWindowTests {
    @Test func startsUpToTheLimitPerOriginInRequestOrder() {
        var window = HostWindow(limit: 2)
        for index in 0..<5 { window.enqueue(index, origin: "https://a") }
        window.enqueue(5, origin: "https://b")
        window.enqueue(6, origin: "https://b")
        window.enqueue(7, origin: "https://b")

        #expect(window.takeStartable() == [0, 1, 5, 6])
        #expect(window.takeStartable() == [])
        window.finished(origin: "https://b")
        #expect(window.takeStartable() == [7])
        window.finished(origin: "https://a")
        window.finished(origin: "https://a")
        #expect(window.takeStartable() == [2, 3])
        #expect(window.takeAll() == [4])
        window.finished(origin: "https://a")
        #expect(window.takeStartable() == [])
    }
}
