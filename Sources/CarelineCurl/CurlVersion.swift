import CCurl
import CarelineCore

/// The libcurl careline runs with, from `curl_version_info`: what `careline doctor` reports.
public enum CurlVersion {
    /// The linked libcurl's version, TLS library, protocols and HTTP/2 support.
    ///
    /// - Returns: The facts; a libcurl that reports nothing gives version `unknown` and no protocols.
    public static var current: DoctorFacts.Curl {
        guard let info = careline_version_info() else {
            return DoctorFacts.Curl(version: "unknown", tls: nil, protocols: [], http2: false)
        }
        let version = info.pointee.version.map { String(cString: $0) } ?? "unknown"
        let tls = info.pointee.ssl_version.map { String(cString: $0) }
        var protocols: [String] = []
        if var cursor = info.pointee.protocols {
            while let name = cursor.pointee {
                protocols.append(String(cString: name))
                cursor += 1
            }
        }
        return DoctorFacts.Curl(
            version: version, tls: tls, protocols: protocols, http2: careline_version_has_http2(info) != 0)
    }
}
