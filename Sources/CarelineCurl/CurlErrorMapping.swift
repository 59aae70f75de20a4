import CCurl
import CarelineCore

/// Maps libcurl's result codes to ``TransportError``.
enum CurlErrorMapping {
    /// The error for a transfer that ended with `code`; the message is libcurl's text plus the host only.
    static func error(for code: CURLcode, host: String) -> TransportError {
        TransportError(self.code(for: code), "\(CurlTransport.describe(code)) (\(host))")
    }

    /// The ``TransportError/Code`` for a libcurl result code.
    static func code(for code: CURLcode) -> TransportError.Code {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connect
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
            return .tls
        default:
            return .other
        }
    }
}
