import CarelineCore
import CarelineCurl
import CarelineTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// CurlTransport over real loopback TCP against ``LoopbackServer``. Serialized so the one timing bound is
/// not measured while the suite's other servers compete for the two cores.
@Suite("CurlTransport against a loopback HTTP server", .serialized)
struct CurlTransportTests {
    typealias Outcome = Result<HTTPResponse, TransportError>

    /// Runs one `perform` call and returns every result by index, with how often each index was reported.
    private func perform(_ transport: CurlTransport, _ requests: [HTTPRequest]) -> (
        results: [Int: Outcome], calls: [Int: Int]
    ) {
        var results: [Int: Outcome] = [:]
        var calls: [Int: Int] = [:]
        transport.perform(requests) { index, result in
            results[index] = result
            calls[index, default: 0] += 1
        }
        return (results, calls)
    }

    /// The result of a single request.
    private func performOne(_ transport: CurlTransport, _ request: HTTPRequest) throws -> Outcome {
        try #require(perform(transport, [request]).results[0])
    }

    private func response(_ outcome: Outcome) throws -> HTTPResponse {
        switch outcome {
        case .success(let response): return response
        case .failure(let error): throw error
        }
    }

    private func failure(_ outcome: Outcome) -> TransportError? {
        if case .failure(let error) = outcome { return error }
        return nil
    }

    @Test func postBodyAndHeadersArriveExactly() throws {
        let server = try LoopbackServer { _ in .text("accepted", status: 202) }
        defer { server.stop() }
        let transport = try CurlTransport()
        let body = Array(#"{"text":"再診のお知らせ","to":"+81 90-1234-5678"}"#.utf8)
        let request = HTTPRequest(
            url: server.url(path: "/hooks/clinic-7?account=AC123"),
            headers: [
                (name: "Content-Type", value: "application/json"),
                (name: "Authorization", value: "Bearer token-1"),
                (name: "Webhook-Id", value: "msg_42"),
                (name: "X-Empty", value: ""),
            ],
            body: body)

        let reply = try response(try performOne(transport, request))

        #expect(reply.status == 202)
        #expect(reply.body == Array("accepted".utf8))
        let received = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(received.method == "POST")
        #expect(received.path == "/hooks/clinic-7?account=AC123")
        #expect(received.body == body)
        #expect(received.headers["content-type"] == "application/json")
        #expect(received.headers["authorization"] == "Bearer token-1")
        #expect(received.headers["webhook-id"] == "msg_42")
        #expect(received.headers["x-empty"] == "")
        #expect(received.headers["content-length"] == "\(body.count)")
        #expect(received.headers["expect"] == nil)
        #expect(received.headers["host"] == "127.0.0.1:\(server.port)")
    }

    @Test(arguments: [
        ("GET", ""), ("PUT", "put-body"), ("PATCH", "patch-body"), ("DELETE", ""), ("POST", ""),
    ])
    func methodAndBodyArrive(method: String, body: String) throws {
        let server = try LoopbackServer { _ in .response(status: 204) }
        defer { server.stop() }
        let transport = try CurlTransport()

        let reply = try response(
            try performOne(
                transport,
                HTTPRequest(method: method, url: server.url(path: "/item/1"), body: Array(body.utf8))))

        #expect(reply.status == 204)
        let received = try #require(server.requests.first)
        #expect(received.method == method)
        #expect(received.path == "/item/1")
        #expect(received.bodyText == body)
        #expect(received.headers["content-type"] == nil)
    }

    @Test func statusHeadersAndBodyComeBack() throws {
        let server = try LoopbackServer { _ in
            .response(
                status: 201,
                headers: [
                    (name: "X-Request-Id", value: "req-7"), (name: "X-Dup", value: "first"),
                    (name: "X-Dup", value: "second"),
                ],
                body: Array("created".utf8))
        }
        defer { server.stop() }
        let transport = try CurlTransport()

        let reply = try response(try performOne(transport, HTTPRequest(url: server.url(path: "/messages"))))

        #expect(reply.status == 201)
        #expect(reply.body == Array("created".utf8))
        #expect(reply.headers["x-request-id"] == "req-7")
        #expect(reply.headers["x-dup"] == "second")
        #expect(reply.headers["content-length"] == "7")
        #expect(reply.latency > 0 && reply.latency < 5)
    }

    @Test func hundredRequestsRunConcurrentlyOnBoundedConnections() throws {
        let server = try LoopbackServer { request in
            .response(status: 200, body: Array(request.path.utf8), delay: .milliseconds(50))
        }
        defer { server.stop() }
        let transport = try CurlTransport(maxConnectionsPerHost: 8)
        let requests = (0..<100).map {
            HTTPRequest(url: server.url(path: "/n/\($0)"), body: Array("\($0)".utf8))
        }

        let clock = ContinuousClock()
        let start = clock.now
        let (results, calls) = perform(transport, requests)
        let elapsed = clock.now - start

        // Serially this is 100 × 50 ms = 5 s; eight at a time it is about 13 × 50 ms.
        #expect(elapsed < .milliseconds(30 * 50))
        #expect(server.connectionsAccepted <= 8)
        #expect(server.requests.count == 100)
        #expect(calls == Dictionary(uniqueKeysWithValues: (0..<100).map { ($0, 1) }))
        for index in 0..<100 {
            let reply = try response(try #require(results[index]))
            #expect(reply.status == 200)
            #expect(reply.body == Array("/n/\(index)".utf8))
        }
    }

    @Test func secondCallReusesTheConnections() throws {
        let server = try LoopbackServer { _ in .text("ok", delay: .milliseconds(20)) }
        defer { server.stop() }
        let transport = try CurlTransport(maxConnectionsPerHost: 4)
        let requests = (0..<16).map { HTTPRequest(url: server.url(path: "/r/\($0)")) }

        let first = perform(transport, requests)
        let connections = server.connectionsAccepted
        let second = perform(transport, requests)

        #expect(first.results.values.allSatisfy { (try? $0.get().status) == 200 })
        #expect(second.results.values.allSatisfy { (try? $0.get().status) == 200 })
        #expect(second.results.count == 16)
        #expect((1...4).contains(connections))
        #expect(server.connectionsAccepted == connections)
        #expect(server.requests.count == 32)
    }

    @Test func callsFromTwoThreadsAtOnceBothComplete() throws {
        let server = try LoopbackServer { request in
            .response(status: 200, body: Array(request.path.utf8), delay: .milliseconds(5))
        }
        defer { server.stop() }
        let transport = try CurlTransport(maxConnectionsPerHost: 4)
        let matched = Mutex([0, 0])

        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            let requests = (0..<20).map { HTTPRequest(url: server.url(path: "/t\(caller)/\($0)")) }
            var count = 0
            transport.perform(requests) { index, result in
                if (try? result.get().body) == Array("/t\(caller)/\(index)".utf8) { count += 1 }
            }
            matched.withLock { $0[caller] = count }
        }

        #expect(matched.withLock { $0 } == [20, 20])
        #expect(server.requests.count == 40)
        #expect(server.connectionsAccepted <= 4)
    }

    @Test func refusedConnectionIsConnectError() throws {
        let port = try LoopbackServer.unusedPort()
        let transport = try CurlTransport()

        let outcome = try performOne(
            transport, HTTPRequest(url: "http://127.0.0.1:\(port)/accounts/AC123/messages?token=s3cret"))

        let error = try #require(failure(outcome))
        #expect(error.code == .connect)
        #expect(error.message.contains("127.0.0.1:\(port)"))
        #expect(!error.message.contains("AC123"))
        #expect(!error.message.contains("s3cret"))
    }

    /// A request that never got a connection cannot have been delivered: a connect that times out is `.connect`
    /// (a sender may retry it safely), not `.timeout`. The listener's accept queue is full and nobody accepts, so
    /// the kernel drops the next SYNs and the connect hangs.
    @Test func connectTimeoutIsAConnectErrorNotAMaybeDelivered() throws {
        let listener = try FullListener()
        defer { listener.close() }
        let transport = try CurlTransport(connectTimeout: .milliseconds(300), totalTimeout: .seconds(5))
        let started = ContinuousClock.now
        let outcome = try performOne(transport, HTTPRequest(url: "http://127.0.0.1:\(listener.port)/hook"))
        let error = try #require(failure(outcome))
        #expect(error.code == .connect)
        #expect(!error.mayHaveBeenDelivered)
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test func hangingServerTimesOutAfterTotalTimeout() throws {
        let server = try LoopbackServer { _ in .hang }
        defer { server.stop() }
        let transport = try CurlTransport(totalTimeout: .milliseconds(300))

        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try performOne(
            transport, HTTPRequest(url: server.url(path: "/accounts/AC123?token=s3cret")))
        let elapsed = clock.now - start

        let error = try #require(failure(outcome))
        #expect(error.code == .timeout)
        #expect(error.mayHaveBeenDelivered)
        #expect(elapsed >= .milliseconds(290))
        #expect(elapsed < .seconds(5))
        #expect(!error.message.contains("AC123"))
        #expect(!error.message.contains("s3cret"))
        #expect(server.requests.count == 1)
    }

    @Test(arguments: [LoopbackServer.Reply.closeMidResponse, .closeMidBody, .closeWithoutAnswer])
    func brokenConnectionIsOther(reply: LoopbackServer.Reply) throws {
        let server = try LoopbackServer { _ in reply }
        defer { server.stop() }
        let transport = try CurlTransport(totalTimeout: .seconds(5))

        let outcome = try performOne(transport, HTTPRequest(url: server.url(path: "/broken")))

        let error = try #require(failure(outcome))
        #expect(error.code == .other)
        #expect(error.mayHaveBeenDelivered)
        #expect(error.message.contains("127.0.0.1:\(server.port)"))
    }

    @Test func redirectIsReturnedNotFollowed() throws {
        let server = try LoopbackServer { _ in
            .response(status: 302, headers: [(name: "Location", value: "/elsewhere")])
        }
        defer { server.stop() }
        let transport = try CurlTransport()

        let reply = try response(try performOne(transport, HTTPRequest(url: server.url(path: "/start"))))

        #expect(reply.status == 302)
        #expect(reply.headers["location"] == "/elsewhere")
        #expect(server.requests.map(\.path) == ["/start"])
    }

    @Test(arguments: [(1_048_576, 65_536), (10, 10), (0, 16), (17, 16)])
    func responseBodyIsCapped(size: Int, cap: Int) throws {
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let server = try LoopbackServer { _ in .response(status: 200, body: body) }
        defer { server.stop() }
        let transport = try CurlTransport(maxResponseBytes: cap)

        let reply = try response(
            try performOne(transport, HTTPRequest(method: "GET", url: server.url(path: "/big"))))

        #expect(reply.status == 200)
        #expect(reply.body.count == min(size, cap))
        #expect(reply.body == Array(body.prefix(cap)))
    }

    @Test func httpsToAPlainServerFails() throws {
        let server = try LoopbackServer { _ in .text("plain") }
        defer { server.stop() }
        let transport = try CurlTransport(totalTimeout: .seconds(5))

        let outcome = try performOne(transport, HTTPRequest(url: "https://127.0.0.1:\(server.port)/secure"))

        let error = try #require(failure(outcome))
        #expect(error.code == .tls)
        #expect(server.requests.isEmpty)
    }

    @Test func completedIsCalledOncePerIndexOnTheCallingThread() throws {
        let server = try LoopbackServer { request in
            switch request.path {
            case "/close": .closeWithoutAnswer
            case "/mid": .closeMidResponse
            default: .text("ok")
            }
        }
        defer { server.stop() }
        let refused = try LoopbackServer.unusedPort()
        let transport = try CurlTransport(totalTimeout: .seconds(5))
        let requests = [
            HTTPRequest(url: server.url(path: "/ok")),
            HTTPRequest(url: server.url(path: "/close")),
            HTTPRequest(url: server.url(path: "/mid")),
            HTTPRequest(url: "http://127.0.0.1:\(refused)/refused"),
            HTTPRequest(method: "BAD METHOD", url: server.url(path: "/ok")),
            HTTPRequest(url: "ftp://127.0.0.1:\(server.port)/file"),
            HTTPRequest(
                url: server.url(path: "/ok"), headers: [(name: "X-Injected", value: "a\r\nHost: evil")]),
            HTTPRequest(url: server.url(path: "/ok")),
        ]
        let caller = Thread.current
        var calls: [Int: Int] = [:]
        var codes: [Int: String] = [:]
        var onCaller = true

        transport.perform(requests) { index, result in
            calls[index, default: 0] += 1
            onCaller = onCaller && Thread.current === caller
            switch result {
            case .success(let response): codes[index] = "\(response.status)"
            case .failure(let error): codes[index] = error.code.rawValue
            }
        }

        #expect(calls == Dictionary(uniqueKeysWithValues: (0..<requests.count).map { ($0, 1) }))
        #expect(onCaller)
        #expect(
            codes == [
                0: "200", 1: "other", 2: "other", 3: "connect", 4: "other", 5: "other", 6: "other", 7: "200",
            ])
        #expect(!server.requests.contains { $0.headers["x-injected"] != nil })
    }

    @Test func emptyBatchReturnsWithoutCallbacks() throws {
        let transport = try CurlTransport()
        #expect(perform(transport, []).calls.isEmpty)
    }

    @Test func versionNamesLibcurl() {
        #expect(CurlTransport.versionDescription.hasPrefix("libcurl/"))
    }
}

struct ListenerError: Error {
    var operation: String
    var code: Int32
}

/// A loopback listener with a backlog of one that never accepts, its queue filled by idle connections.
final class FullListener {
    let port: Int
    private var descriptors: [Int32] = []

    init() throws {
        #if canImport(Darwin)
            let stream = SOCK_STREAM
        #else
            let stream = Int32(SOCK_STREAM.rawValue)
        #endif
        let listener = socket(AF_INET, stream, 0)
        guard listener >= 0 else { throw ListenerError(operation: "socket", code: errno) }
        descriptors.append(listener)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 0) == 0 else {
            throw ListenerError(operation: "bind/listen", code: errno)
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        // Fill the accept queue: these connections complete and wait; the next SYNs are dropped.
        for _ in 0..<4 {
            let client = socket(AF_INET, stream, 0)
            guard client >= 0 else { continue }
            descriptors.append(client)
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            var target = address
            _ = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        usleep(50_000)
    }

    func close() {
        for descriptor in descriptors { _ = Glibc.close(descriptor) }
        descriptors = []
    }
}
