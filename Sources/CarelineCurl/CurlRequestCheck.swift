import CarelineCore
import Foundation

/// Checks a request before libcurl sees it, and names its origin and host without its path or query.
enum CurlRequestCheck {
    /// Why `request` cannot be sent as it is, or `nil` when it can.
    ///
    /// Rejects what would let a value smuggle extra protocol lines (line breaks in a method or header) and any
    /// URL scheme other than `http` and `https`. Messages name the host and header position, never values.
    static func problem(in request: HTTPRequest) -> TransportError? {
        // Named only in a problem's message: every request passes through here, so it is not worked out for
        // the ones that pass.
        var host: String { Self.host(of: request.url) }
        guard hasHTTPScheme(request.url) else {
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
        guard let separator = schemeSeparator(in: url) else { return "" }
        return url[..<separator.lowerBound].lowercased() + "://" + host(of: url)
    }

    /// The host and port of `url` (lower-cased, without user information, path or query), for messages.
    static func host(of url: String) -> String {
        guard let separator = schemeSeparator(in: url) else { return "no host" }
        let rest = url.utf8[separator.upperBound...]
        var authority = rest[
            ..<(rest.firstIndex(where: { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 }) ?? rest.endIndex)]
        if let at = authority.lastIndex(of: 0x40) { authority = authority[authority.index(after: at)...] }
        return authority.isEmpty ? "no host" : String(Substring(authority)).lowercased()
    }

    /// Whether `url` starts with `http://` or `https://`, in any case.
    static func hasHTTPScheme(_ url: String) -> Bool {
        guard let separator = schemeSeparator(in: url) else { return false }
        let scheme = url.utf8[..<separator.lowerBound].map { $0 | 0x20 }
        return scheme.elementsEqual("http".utf8) || scheme.elementsEqual("https".utf8)
    }

    /// Where the first `://` is, as UTF-8 indices (a plain byte scan: this runs for every request).
    private static func schemeSeparator(in url: String) -> Range<String.Index>? {
        let bytes = url.utf8
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if bytes[index] == 0x3A {
                let slash1 = bytes.index(after: index)
                if slash1 != bytes.endIndex, bytes[slash1] == 0x2F {
                    let slash2 = bytes.index(after: slash1)
                    if slash2 != bytes.endIndex, bytes[slash2] == 0x2F {
                        return index..<bytes.index(after: slash2)
                    }
                }
            }
            index = bytes.index(after: index)
        }
        return nil
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
