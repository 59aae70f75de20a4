import Foundation

/// One HTTP request a sender wants made.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// An absolute `http://` or `https://` URL.
    public var url: String
    /// Header lines in order; names as written (`Content-Type`).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        method: String = "POST", url: String, headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// What came back: status, headers (names lower-cased), body (capped by the transport).
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    /// Seconds from sending the request to the complete response.
    public var latency: Double

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = [], latency: Double = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.latency = latency
    }
}

/// A request that got no HTTP response.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Nothing accepted the connection (refused, unreachable, DNS).
        case connect
        /// The connect or total timeout passed. The request may have reached the server.
        case timeout
        /// TLS failed (certificate, handshake). Never retried silently with verification off.
        case tls
        /// The connection broke after the request was (maybe) sent, or any other failure.
        case other
    }
    public var code: Code
    /// What happened, without URLs' secrets or bodies.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Whether the server may have received the request (then a resend may duplicate it).
    public var mayHaveBeenDelivered: Bool { code == .timeout || code == .other }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Makes HTTP requests: many at once on one thread, connections kept alive between calls.
///
/// ## Implementation requirements
/// - `perform` returns only when every request has its result; `completed` is called once per request, on the
///   caller's thread, as each finishes (in completion order), so the caller can record outcomes at once.
/// - TLS verification is always on; redirects are not followed; response bodies are capped.
public protocol HTTPTransport: Sendable {
    func perform(
        _ requests: [HTTPRequest],
        _ completed: (_ index: Int, _ result: Result<HTTPResponse, TransportError>) -> Void)
}
