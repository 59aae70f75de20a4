import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real HTTP/1.1 server on 127.0.0.1 for testing HTTP clients over loopback TCP.
///
/// It listens on a port the kernel picks, serves each connection on its own thread (keep-alive, Nagle off,
/// `Content-Length` request bodies), records every request it receives, and answers with whatever the
/// handler returns, including misbehaviour: a delay, never answering, closing half-way through the headers,
/// or closing without a word. Bytes that do not start like an HTTP request (a TLS handshake, say) get a
/// `400` and a closed connection, and are not recorded.
///
/// `stop()` (also run when the server is released) closes the listening socket and every connection and
/// waits for every server thread to end, so a test never leaves threads behind.
///
/// ```swift
/// let server = try LoopbackServer { request in .response(status: 201, body: Array("ok".utf8)) }
/// defer { server.stop() }
/// // … send to server.url(path: "/hooks") …
/// #expect(server.requests.map(\.method) == ["POST"])
/// ```
public final class LoopbackServer: Sendable {
    /// One request as the server received it.
    public struct RecordedRequest: Sendable {
        /// The method, as sent (`POST`).
        public var method: String
        /// The request target as sent: path and query (`/hooks/a?b=1`).
        public var path: String
        /// Header fields by lower-cased name; the values of a repeated name are joined with ", ".
        public var headers: [String: String]
        /// Header fields in the order received, names as written.
        public var headerFields: [(name: String, value: String)]
        /// The body bytes (empty without `Content-Length`).
        public var body: [UInt8]
        /// Which connection carried the request: 1 for the first the server accepted, and so on.
        public var connection: Int

        /// The body decoded as UTF-8.
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// How the server answers one request.
    public enum Reply: Sendable {
        /// Waits `delay`, then answers with `status`, `headers` (in order, repeats allowed) and `body`.
        /// `Content-Length` is added unless given; `Connection: close` in `headers` closes the connection after.
        case response(
            status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
            delay: Duration = .zero)
        /// Never answers; the connection stays open until the client closes it or the server stops.
        case hang
        /// Sends the status line and part of a header, then closes the connection.
        case closeMidResponse
        /// Sends complete headers announcing a 100-byte body, 10 bytes of it, then closes the connection.
        case closeMidBody
        /// Closes the connection without sending anything.
        case closeWithoutAnswer

        /// A response whose body is `text` in UTF-8, labelled `text/plain`.
        ///
        /// - Parameters:
        ///   - text: The body.
        ///   - status: The status code.
        ///   - delay: How long to wait before answering.
        /// - Returns: The reply.
        public static func text(_ text: String, status: Int = 200, delay: Duration = .zero) -> Reply {
            .response(
                status: status, headers: [(name: "Content-Type", value: "text/plain; charset=utf-8")],
                body: Array(text.utf8), delay: delay)
        }
    }

    /// A socket call that failed while starting the server.
    public struct SocketError: Error, CustomStringConvertible {
        /// The call (`bind`, `listen`, …).
        public var operation: String
        /// The `errno` it left.
        public var code: Int32

        /// The call and the system's text for the error.
        public var description: String {
            "LoopbackServer: \(operation) failed: \(String(cString: strerror(code)))"
        }
    }

    /// The port the server listens on (kernel-assigned).
    public let port: Int
    private let core: ServerCore

    /// Starts a server on 127.0.0.1 with a kernel-assigned port.
    ///
    /// - Parameter handler: Decides the reply to each request; called on the connection's thread, possibly
    ///   on several threads at once.
    /// - Throws: ``SocketError`` when the listening socket cannot be set up.
    public init(handler: @escaping @Sendable (RecordedRequest) -> Reply) throws {
        let (listener, port) = try Socket.listen()
        self.port = port
        core = ServerCore(listener: listener, handler: handler)
        core.startAccepting()
    }

    deinit {
        core.stop()
    }

    /// The `http://127.0.0.1:PORT` URL of `path`.
    ///
    /// - Parameter path: A path (and query) starting with `/`.
    /// - Returns: The absolute URL.
    public func url(path: String) -> String {
        "http://127.0.0.1:\(port)\(path.hasPrefix("/") ? path : "/" + path)"
    }

    /// Every request received so far, in the order their reading completed.
    public var requests: [RecordedRequest] { core.recordedRequests }

    /// How many connections the server has accepted so far.
    public var connectionsAccepted: Int { core.acceptedCount }

    /// Closes the listening socket and every connection, and waits (up to 10 s) for every server thread to
    /// end. Idempotent.
    public func stop() {
        core.stop()
    }

    /// A loopback port with nothing listening on it (bound once, then closed), for "connection refused".
    ///
    /// - Returns: The port.
    /// - Throws: ``SocketError`` when no socket can be bound.
    public static func unusedPort() throws -> Int {
        let (descriptor, port) = try Socket.bound()
        _ = close(descriptor)
        return port
    }
}

/// The server's shared state and threads; kept apart from ``LoopbackServer`` so that releasing the server
/// (which its threads do not retain) stops it.
private final class ServerCore: @unchecked Sendable {
    /// Guards every variable below and wakes delayed replies and `stop()`.
    private let state = NSCondition()
    private let listener: Int32
    private let handler: @Sendable (LoopbackServer.RecordedRequest) -> LoopbackServer.Reply
    private var stopped = false
    private var accepted = 0
    private var liveThreads = 0
    private var connections: [Int: Int32] = [:]
    private var recorded: [LoopbackServer.RecordedRequest] = []

    init(
        listener: Int32, handler: @escaping @Sendable (LoopbackServer.RecordedRequest) -> LoopbackServer.Reply
    ) {
        self.listener = listener
        self.handler = handler
    }

    var recordedRequests: [LoopbackServer.RecordedRequest] {
        state.lock()
        defer { state.unlock() }
        return recorded
    }

    var acceptedCount: Int {
        state.lock()
        defer { state.unlock() }
        return accepted
    }

    func startAccepting() {
        state.lock()
        liveThreads += 1
        state.unlock()
        Thread { [self] in acceptLoop() }.start()
    }

    func stop() {
        state.lock()
        defer { state.unlock() }
        if !stopped {
            stopped = true
            _ = shutdown(listener, Int32(SHUT_RDWR))
            for descriptor in connections.values { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
            state.broadcast()
        }
        let deadline = Date(timeIntervalSinceNow: 10)
        while liveThreads > 0, Date() < deadline { _ = state.wait(until: deadline) }
    }

    private var isStopped: Bool {
        state.lock()
        defer { state.unlock() }
        return stopped
    }

    private func threadEnded() {
        state.lock()
        liveThreads -= 1
        state.broadcast()
        state.unlock()
    }

    private func acceptLoop() {
        defer {
            _ = close(listener)
            threadEnded()
        }
        while !isStopped {
            // Poll with a short timeout: a blocked accept() is not woken by close() on every platform.
            var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) > 0 else { continue }
            let descriptor = accept(listener, nil, nil)
            guard descriptor >= 0 else {
                usleep(1000)
                continue
            }
            Socket.configureConnection(descriptor)
            state.lock()
            if stopped {
                state.unlock()
                _ = close(descriptor)
                return
            }
            accepted += 1
            let number = accepted
            connections[number] = descriptor
            liveThreads += 1
            state.unlock()
            Thread { [self] in serve(descriptor, number: number) }.start()
        }
    }

    private func serve(_ descriptor: Int32, number: Int) {
        defer {
            // Forget the descriptor before closing it, so stop() never shuts down a reused number.
            state.lock()
            connections[number] = nil
            state.unlock()
            _ = close(descriptor)
            threadEnded()
        }
        var connection = Connection(descriptor: descriptor)
        while true {
            let request: LoopbackServer.RecordedRequest
            switch connection.readRequest(number: number) {
            case .request(let received):
                request = received
            case .closed:
                return
            case .rejected(let status):
                connection.write(
                    Array("HTTP/1.1 \(status)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                return
            }
            state.lock()
            recorded.append(request)
            state.unlock()

            switch handler(request) {
            case .response(let status, let headers, let body, let delay):
                guard pause(delay) else { return }
                let keepAlive = connection.write(response: status, headers: headers, body: body, to: request)
                if !keepAlive { return }
            case .hang:
                connection.drain()
                return
            case .closeMidResponse:
                connection.write(Array("HTTP/1.1 200 OK\r\nContent-Le".utf8))
                return
            case .closeMidBody:
                connection.write(Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".utf8))
                return
            case .closeWithoutAnswer:
                return
            }
        }
    }

    /// Waits `delay` or until the server stops; `false` when it stopped.
    private func pause(_ delay: Duration) -> Bool {
        let (seconds, attoseconds) = delay.components
        let interval = Double(seconds) + Double(attoseconds) / 1e18
        state.lock()
        defer { state.unlock() }
        guard interval > 0 else { return !stopped }
        let deadline = Date(timeIntervalSinceNow: interval)
        while !stopped, Date() < deadline { _ = state.wait(until: deadline) }
        return !stopped
    }
}

/// One accepted connection: reads requests, writes responses.
private struct Connection {
    /// What reading the next request produced.
    enum Reading {
        case request(LoopbackServer.RecordedRequest)
        /// The peer closed the connection (or it failed) between requests.
        case closed
        /// Not a request the server accepts; answer with this status line text and close.
        case rejected(String)
    }

    static let maxHeadBytes = 64 * 1024
    static let maxBodyBytes = 16 * 1024 * 1024

    let descriptor: Int32
    /// Bytes received and not yet consumed (the start of a pipelined next request, say).
    private var buffer: [UInt8] = []

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    mutating func readRequest(number: Int) -> Reading {
        var scanned = 0
        var headEnd: Int?
        while headEnd == nil {
            // A request starts with a method's first letter; a TLS ClientHello starts with 0x16.
            if let first = buffer.first, !Self.isLetter(first) {
                return .rejected("400 Bad Request")
            }
            if let found = Self.find(Array("\r\n\r\n".utf8), in: buffer, from: max(0, scanned - 3)) {
                headEnd = found + 4
                break
            }
            scanned = buffer.count
            if buffer.count > Self.maxHeadBytes { return .rejected("431 Request Header Fields Too Large") }
            guard receive() else { return .closed }
        }
        guard let headEnd, let head = Self.parseHead(Array(buffer[..<headEnd])) else {
            return .rejected("400 Bad Request")
        }
        if head.headers["transfer-encoding"] != nil { return .rejected("501 Not Implemented") }
        var length = 0
        if let text = head.headers["content-length"] {
            guard let value = Int(text), value >= 0 else { return .rejected("400 Bad Request") }
            guard value <= Self.maxBodyBytes else { return .rejected("413 Content Too Large") }
            length = value
        }
        if head.headers["expect"]?.lowercased() == "100-continue", buffer.count < headEnd + length {
            write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        while buffer.count < headEnd + length {
            guard receive() else { return .closed }
        }
        let body = Array(buffer[headEnd..<(headEnd + length)])
        buffer.removeFirst(headEnd + length)
        return .request(
            LoopbackServer.RecordedRequest(
                method: head.method, path: head.path, headers: head.headers, headerFields: head.fields,
                body: body, connection: number))
    }

    /// Writes a response; returns whether the connection stays open for another request.
    func write(
        response status: Int, headers: [(name: String, value: String)], body: [UInt8],
        to request: LoopbackServer.RecordedRequest
    ) -> Bool {
        let names = Set(headers.map { $0.name.lowercased() })
        let bodyless = status == 204 || status == 304 || (100..<200).contains(status)
        var head = "HTTP/1.1 \(status) \(Self.reason(for: status))\r\n"
        for header in headers { head += "\(header.name): \(header.value)\r\n" }
        if !bodyless, !names.contains("content-length") { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if !bodyless, request.method != "HEAD" { bytes += body }
        guard write(bytes) else { return false }
        let closing =
            headers.contains { $0.name.lowercased() == "connection" && $0.value.lowercased() == "close" }
            || request.headers["connection"]?.lowercased() == "close"
        return !closing
    }

    /// Sends every byte; `false` when the connection failed.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return true }
            var offset = 0
            while offset < buffer.count {
                let sent = send(descriptor, base + offset, buffer.count - offset, Socket.sendFlags)
                if sent < 0, errno == EINTR { continue }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }

    /// Reads and discards until the peer closes the connection or the server stops.
    mutating func drain() {
        while receive() { buffer.removeAll(keepingCapacity: true) }
    }

    /// Appends whatever arrives next to `buffer`; `false` at end of stream or on error.
    private mutating func receive() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer += chunk[..<count]
            return true
        }
    }

    private struct Head {
        var method: String
        var path: String
        var headers: [String: String]
        var fields: [(name: String, value: String)]
    }

    private static func parseHead(_ bytes: [UInt8]) -> Head? {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n").filter {
            !$0.isEmpty
        }
        guard let requestLine = lines.first else { return nil }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return nil }
        var head = Head(method: String(parts[0]), path: String(parts[1]), headers: [:], fields: [])
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            head.fields.append((name: name, value: value))
            let key = name.lowercased()
            head.headers[key] = head.headers[key].map { "\($0), \(value)" } ?? value
        }
        return head
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count)
        where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }

    private static func reason(for status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// The few socket calls the server needs, with the platform differences in one place.
private enum Socket {
    #if canImport(Darwin)
        static let sendFlags: Int32 = 0
    #else
        static let sendFlags = Int32(MSG_NOSIGNAL)
    #endif

    /// A TCP socket bound to 127.0.0.1 on a kernel-assigned port, not yet listening.
    static func bound() throws -> (descriptor: Int32, port: Int) {
        #if canImport(Darwin)
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #else
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard descriptor >= 0 else { throw LoopbackServer.SocketError(operation: "socket", code: errno) }
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        #if canImport(Darwin)
            address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        let bindResult = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bindResult == 0 else {
            let code = errno
            _ = close(descriptor)
            throw LoopbackServer.SocketError(operation: "bind", code: code)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let nameResult = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard nameResult == 0 else {
            let code = errno
            _ = close(descriptor)
            throw LoopbackServer.SocketError(operation: "getsockname", code: code)
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A listening socket on 127.0.0.1 with a kernel-assigned port.
    static func listen() throws -> (descriptor: Int32, port: Int) {
        let (descriptor, port) = try bound()
        #if canImport(Darwin)
            let result = Darwin.listen(descriptor, 128)
        #else
            let result = Glibc.listen(descriptor, 128)
        #endif
        guard result == 0 else {
            let code = errno
            _ = close(descriptor)
            throw LoopbackServer.SocketError(operation: "listen", code: code)
        }
        return (descriptor, port)
    }

    /// Turns Nagle's algorithm off (small keep-alive responses would otherwise wait ~40 ms for an ACK) and,
    /// where `MSG_NOSIGNAL` does not exist, SIGPIPE.
    static func configureConnection(_ descriptor: Int32) {
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
            _ = setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }
}
