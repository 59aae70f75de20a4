import CarelineCore
import Testing

@testable import CarelineCurl

@Suite("CurlRequestCheck: request validation and the host named in messages")
struct CurlRequestCheckTests {
    @Test(arguments: [
        ("https://user:pw@API.example.com:8443/accounts/AC1/Messages.json?x=1", "api.example.com:8443"),
        ("http://127.0.0.1:8080", "127.0.0.1:8080"),
        ("http://[::1]:9/path", "[::1]:9"),
        ("https://hooks.example.org?token=s3cret", "hooks.example.org"),
        ("https://hooks.example.org#frag", "hooks.example.org"),
        ("not a url", "no host"),
    ])
    func hostHasNoPathQueryOrCredentials(url: String, host: String) {
        #expect(CurlRequestCheck.host(of: url) == host)
    }

    @Test func originKeepsTheScheme() {
        #expect(CurlRequestCheck.origin(of: "HTTPS://Example.com:443/a") == "https://example.com:443")
    }

    @Test(
        arguments: [
            (HTTPRequest(url: "https://example.com/a"), nil),
            (
                HTTPRequest(
                    method: "PATCH", url: "http://example.com/a", headers: [(name: "X-A", value: "")]), nil
            ),
            (HTTPRequest(url: "ftp://example.com/a"), "the URL is not http:// or https:// (example.com)"),
            (
                HTTPRequest(url: "https://example.com/a b"),
                "the URL contains a space or control character (example.com)"
            ),
            (
                HTTPRequest(method: "GET\r\nX: y", url: "https://example.com/"),
                "the method is not a valid HTTP token (example.com)"
            ),
            (
                HTTPRequest(url: "https://example.com/", headers: [(name: "Bad Name", value: "v")]),
                "header #1 has an invalid name (example.com)"
            ),
            (
                HTTPRequest(
                    url: "https://example.com/", headers: [(name: "X-Token", value: "a\r\nHost: evil")]),
                "header X-Token contains a line break or NUL character (example.com)"
            ),
        ] as [(HTTPRequest, String?)])
    func problems(request: HTTPRequest, message: String?) {
        let problem = CurlRequestCheck.problem(in: request)
        #expect(problem?.message == message)
        if problem != nil { #expect(problem?.code == .other) }
    }
}
