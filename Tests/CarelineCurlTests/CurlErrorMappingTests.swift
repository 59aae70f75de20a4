import CCurl
import CarelineCore
import Testing

@testable import CarelineCurl

@Suite("CurlErrorMapping: libcurl result codes to TransportError")
struct CurlErrorMappingTests {
    /// (CURLcode raw value, expected code): connect failures, timeouts, TLS failures and everything else.
    @Test(
        arguments: [
            (7, TransportError.Code.connect), (6, .connect), (5, .connect), (28, .timeout), (35, .tls),
            (60, .tls),
            (77, .tls), (58, .tls), (52, .other), (56, .other), (55, .other), (18, .other), (3, .other),
            (1, .other),
        ] as [(UInt32, TransportError.Code)])
    func maps(raw: UInt32, code: TransportError.Code) {
        #expect(CurlErrorMapping.code(for: CURLcode(rawValue: raw)) == code)
    }

    @Test func messageIsLibcurlTextAndHost() {
        let error = CurlErrorMapping.error(for: CURLE_COULDNT_CONNECT, host: "api.example.com:443")
        #expect(error == TransportError(.connect, "Couldn't connect to server (api.example.com:443)"))
    }
}
