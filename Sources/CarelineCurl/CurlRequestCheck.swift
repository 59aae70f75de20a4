import CarelineCore
import Foundation

/// Checks a request before libcurl sees it, and names its origin and host without its path or query.
enum CurlRequestCheck {
    /// Why `request` cannot be sent as it is, or `nil` when it can.
    ///
    /// Rejects what would let a value smuggle extra protocol lines (line breaks in a method or header) and any
    /// URL scheme other than `http` and `https`. Messages name the host and header position, never values.
    static func problem(in request: HTTPRequest) -> TransportError? {
        let host = host(of: request.url)
        let url = request.url.lowercased()
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            return TransportError(.other, "the URL is not http:// or https:// (\(host))")
        }
        guard !request.url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            return TransportError(.other, "the URL contains a space or control character (\(host))")
        }
        guard isToken(request.method) else {
            return TransportError(.other, "the method is not a valid HTTP token (\(host))")
        }
        for (position, header) in request.headers.enumerated() {
            guard isToken(header.name) else {
                return TransportError(.other, "header #\(position + 1) has an invalid name (\(host))")
            }
            let breaks = header.value.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
            guard !breaks else {
                return TransportError(
                    .other, "header \(header.name) contains a line break or NUL character (\(host))")
            }
        }
        return nil
    }

    /// `scheme://host:port` lower-cased, without user information: the key for per-host connection limits.
    static func origin(of url: String) -> String {
        guard let separator = url.range(of: "://") else { return "" }
        return url[..<separator.lowerBound].lowercased() + "://" + host(of: url)
    }

    /// The host and port of `url` (lower-cased, without user information, path or query), for messages.
    static func host(of url: String) -> String {
        guard let separator = url.range(of: "://") else { return "no host" }
        let rest = url[separator.upperBound...]
        var authority = rest[..<(rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex)]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return authority.isEmpty ? "no host" : authority.lowercased()
    }

    /// Whether `text` is an HTTP token (RFC 9110 `tchar`s, at least one).
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
            }
    }
}
