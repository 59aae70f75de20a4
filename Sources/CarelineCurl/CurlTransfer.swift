import CCurl
import CarelineCore
import Foundation

/// The state of one request in flight: what libcurl's callbacks collect, and the header list it reads.
///
/// libcurl's C callbacks cannot capture Swift context, so the transfer is handed to them as an unretained
/// pointer (`CURLOPT_WRITEDATA`, `CURLOPT_HEADERDATA`); ``CurlTransport`` keeps it alive while the easy handle
/// is in the multi handle. Used only under the transport's lock.
final class CurlTransfer {
    /// Timeouts for one transfer, in libcurl's units.
    struct Options {
        var connectTimeoutMilliseconds: Int
        var totalTimeoutMilliseconds: Int
    }

    /// The request's position in the `perform` call.
    let index: Int
    /// Scheme, host and port, lower-cased: the key for connection limits.
    let origin: String
    /// Host and port only, for error messages (never the path or query, which may hold an account id).
    let host: String
    /// The most body bytes kept.
    let maxBodyBytes: Int

    /// The response body so far, at most `maxBodyBytes`.
    private(set) var body: [UInt8] = []
    /// The final response's headers so far: names lower-cased, the last value of a repeated name wins.
    private(set) var headers: [String: String] = [:]
    /// Whether more body arrived than `maxBodyBytes` (the transfer was stopped on purpose).
    private(set) var truncated = false
    /// Whether the final response's header block ended (its blank line arrived). libcurl 7.88 reports
    /// success when a server closes the connection half-way through the headers; this tells that apart.
    private(set) var headersComplete = false
    /// The request's header list; libcurl reads it until the transfer is removed.
    private var headerList: UnsafeMutablePointer<curl_slist>?

    /// Creates the state for one request.
    init(index: Int, origin: String, host: String, maxBodyBytes: Int) {
        self.index = index
        self.origin = origin
        self.host = host
        self.maxBodyBytes = maxBodyBytes
    }

    deinit {
        releaseHeaders()
    }

    /// Sets every option for `request` on a fresh (or reset) easy handle.
    ///
    /// - Returns: `nil` when the handle is ready, else why it could not be set up.
    func configure(_ handle: UnsafeMutableRawPointer, for request: HTTPRequest, options: Options)
        -> TransportError?
    {
        var failure = CURLE_OK
        func apply(_ code: CURLcode) {
            if failure == CURLE_OK { failure = code }
        }
        apply(careline_easy_setopt_string(handle, CURLOPT_URL, request.url))
        apply(careline_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        apply(careline_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        apply(careline_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        apply(careline_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        apply(careline_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        apply(
            careline_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMilliseconds))
        apply(careline_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, options.totalTimeoutMilliseconds))
        applyMethod(request, handle: handle, apply)

        guard buildHeaderList(for: request) else {
            return TransportError(.other, "out of memory building the request headers (\(host))")
        }
        apply(careline_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))

        let context = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        apply(careline_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
        apply(
            careline_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                let length = size * count
                guard let data, let context else { return length }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: length))
            })
        apply(careline_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context))
        apply(
            careline_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION) {
                data, size, count, context in
                let length = size * count
                guard let data, let context else { return length }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
                return length
            })
        guard failure == CURLE_OK else {
            return TransportError(.other, "\(CurlTransport.describe(failure)) (\(host))")
        }
        return nil
    }

    /// The outcome once libcurl reports the transfer done with `code`.
    func result(code: CURLcode, handle: UnsafeMutableRawPointer) -> Result<HTTPResponse, TransportError> {
        // A write error after the body reached its cap is the stop this transfer asked for, not a failure.
        guard code == CURLE_OK || (code == CURLE_WRITE_ERROR && truncated) else {
            if code == CURLE_OPERATION_TIMEDOUT {
                // libcurl reports a connect timeout and a response timeout alike; only the second may have
                // delivered the request. No pre-transfer time means the request never started to go out.
                var pretransfer = 0.0
                _ = careline_easy_getinfo_double(handle, CURLINFO_PRETRANSFER_TIME, &pretransfer)
                if pretransfer == 0 {
                    return .failure(
                        TransportError(.connect, "timed out before the request could be sent (\(host))"))
                }
            }
            return .failure(CurlErrorMapping.error(for: code, host: host))
        }
        guard headersComplete else {
            return .failure(
                TransportError(
                    .other, "the connection closed before the response headers were complete (\(host))"))
        }
        var status = 0
        _ = careline_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var seconds = 0.0
        _ = careline_easy_getinfo_double(handle, CURLINFO_TOTAL_TIME, &seconds)
        return .success(HTTPResponse(status: status, headers: headers, body: body, latency: seconds))
    }

    /// Frees the request's header list; call once libcurl no longer uses it.
    func releaseHeaders() {
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
    }

    /// Sets the method and, when there is one, the body (copied by libcurl).
    private func applyMethod(
        _ request: HTTPRequest, handle: UnsafeMutableRawPointer, _ apply: (CURLcode) -> Void
    ) {
        let method = request.method.uppercased()
        switch method {
        case "GET" where request.body.isEmpty:
            apply(careline_easy_setopt_long(handle, CURLOPT_HTTPGET, 1))
            return
        case "HEAD" where request.body.isEmpty:
            apply(careline_easy_setopt_long(handle, CURLOPT_NOBODY, 1))
            return
        case "POST":
            break
        default:
            apply(careline_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
            if request.body.isEmpty { return }
        }
        // POST always sends a body (Content-Length: 0 when empty); other methods only when they have one.
        // COPYPOSTFIELDS copies the bytes now: the Swift array may be gone before the transfer runs.
        apply(careline_easy_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
        let bytes = request.body.isEmpty ? [0] : request.body
        bytes.withUnsafeBytes { buffer in
            apply(careline_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, buffer.baseAddress))
        }
    }

    /// Builds the header list: the caller's headers, minus libcurl's defaults the caller did not ask for.
    ///
    /// - Returns: `false` when libcurl ran out of memory.
    private func buildHeaderList(for request: HTTPRequest) -> Bool {
        var lines: [String] = request.headers.map { header in
            // "Name:" would remove the header in libcurl; "Name;" sends it with an empty value.
            header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
        }
        let names = Set(request.headers.map { $0.name.lowercased() })
        // libcurl would otherwise wait for "100 Continue" before sending larger bodies, and label every body
        // as a form; an empty "Name:" line removes a default header.
        if !names.contains("expect") { lines.append("Expect:") }
        if !names.contains("content-type") { lines.append("Content-Type:") }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else { return false }
            headerList = appended
        }
        return true
    }

    /// Keeps body bytes up to the cap; past it, stops the transfer (the rest is never downloaded).
    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        let room = maxBodyBytes - body.count
        if bytes.count <= room {
            body.append(contentsOf: bytes)
            return bytes.count
        }
        body.append(contentsOf: bytes.prefix(room))
        truncated = true
        return 0
    }

    /// Collects one response header line; a status line starts a new set (after `100 Continue`), the blank
    /// line ends it.
    private func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        // Byte-level trimming of ASCII white space (a response has a handful of lines, every request one response).
        let line = Self.trimmed(bytes[...])
        if line.starts(with: "HTTP/".utf8) {
            headers.removeAll()
            headersComplete = false
            return
        }
        if line.isEmpty {
            headersComplete = true
            return
        }
        guard let colon = line.firstIndex(of: 0x3A) else { return }
        let name = Self.trimmed(line[..<colon])
        guard !name.isEmpty else { return }
        let lowered = name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        headers[String(decoding: lowered, as: UTF8.self)] = String(
            decoding: UnsafeRawBufferPointer(rebasing: Self.trimmed(line[(colon + 1)...])), as: UTF8.self)
    }

    /// `bytes` without leading and trailing spaces, tabs and line breaks.
    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return bytes[start..<end]
    }
}
