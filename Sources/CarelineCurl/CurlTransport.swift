import CCurl
import CarelineCore
import Foundation

/// The production ``HTTPTransport``: libcurl's multi interface, many requests at once on the caller's thread,
/// connections kept alive and reused from one `perform` call to the next.
///
/// One curl multi handle lives as long as the transport and owns the connection cache; easy handles are
/// reset and reused from a pool. Every request gets TLS verification (peer and host name), no redirects,
/// a connect and a total timeout, and a response body capped at `maxResponseBytes`. Proxies come from the
/// standard environment variables (`https_proxy`, `no_proxy`, …), as libcurl does by default.
///
/// ## Threading
/// libcurl handles are not thread-safe, so every curl handle (the multi handle, the pooled easy handles) is
/// touched only while `perform` holds the transport's lock. `perform` may be called from any thread and from
/// several threads at once: the calls then run one after another, each on its own caller's thread, which also
/// receives that call's `completed` callbacks. Do not call `perform` on the same transport from inside
/// `completed`: the lock is not re-entrant and the call would deadlock. This is why the type is
/// `@unchecked Sendable`.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    /// How long connecting (TCP and TLS) may take before a request fails with ``TransportError/Code/timeout``.
    public let connectTimeout: Duration
    /// How long a whole request may take, connecting included, before it fails with
    /// ``TransportError/Code/timeout``.
    public let totalTimeout: Duration
    /// The most response-body bytes kept; the transfer stops there and the truncated response is returned.
    public let maxResponseBytes: Int
    /// The most connections to one scheme, host and port, and so the most requests in flight to it.
    public let maxConnectionsPerHost: Int

    /// Guards every curl handle; see "Threading".
    private let lock = NSLock()
    /// The multi handle: runs the transfers and owns the connection cache.
    private let multi: UnsafeMutableRawPointer
    /// Reset easy handles waiting for their next request.
    private var idleHandles: [UnsafeMutableRawPointer] = []
    /// The most easy handles kept in `idleHandles`; more are cleaned up.
    private let maxIdleHandles: Int

    /// Creates a transport with its own connection cache.
    ///
    /// - Parameters:
    ///   - connectTimeout: The limit for establishing a connection (TCP and TLS handshake).
    ///   - totalTimeout: The limit for one whole request, connecting included.
    ///   - maxResponseBytes: The most body bytes kept per response; the rest is discarded, not an error.
    ///   - maxConnectionsPerHost: The most connections (and requests in flight) per scheme, host and port;
    ///     at least 1.
    /// - Throws: ``TransportError`` with code `.other` when libcurl cannot be initialised.
    public init(
        connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(30),
        maxResponseBytes: Int = 64 * 1024, maxConnectionsPerHost: Int = 8
    ) throws {
        precondition(maxConnectionsPerHost >= 1, "maxConnectionsPerHost must be at least 1")
        precondition(maxResponseBytes >= 0, "maxResponseBytes must not be negative")
        let global = CurlGlobal.initialisation
        guard global == CURLE_OK else {
            throw TransportError(
                .other, "libcurl could not be initialised: \(CurlTransport.describe(global))")
        }
        guard let multi = curl_multi_init() else {
            throw TransportError(.other, "libcurl could not create a multi handle")
        }
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxResponseBytes = maxResponseBytes
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.multi = multi
        self.maxIdleHandles = max(16, maxConnectionsPerHost * 4)
        _ = careline_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        // Without an explicit size libcurl sizes the cache by the handles currently added and closes idle
        // connections when the last transfers of a batch finish; a fixed size keeps them for the next call.
        _ = careline_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(32, maxConnectionsPerHost * 8))
    }

    deinit {
        for handle in idleHandles { curl_easy_cleanup(handle) }
        curl_multi_cleanup(multi)
    }

    /// The libcurl version and its TLS, compression and HTTP/2 libraries, as `curl_version()` reports them
    /// (for `careline doctor`).
    public static var versionDescription: String {
        _ = CurlGlobal.initialisation
        guard let text = curl_version() else { return "libcurl (version unknown)" }
        return String(cString: text)
    }

    /// Makes every request, all at once (at most `maxConnectionsPerHost` per scheme, host and port), and
    /// returns when each has its result.
    ///
    /// - Parameters:
    ///   - requests: The requests; `http://` and `https://` URLs only.
    ///   - completed: Called exactly once per request index, on the calling thread, as each request finishes
    ///     (in completion order). Must not call `perform` on this transport.
    public func perform(
        _ requests: [HTTPRequest],
        _ completed: (_ index: Int, _ result: Result<HTTPResponse, TransportError>) -> Void
    ) {
        guard !requests.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }

        var window = HostWindow(limit: maxConnectionsPerHost)
        for (index, request) in requests.enumerated() {
            if let problem = CurlRequestCheck.problem(in: request) {
                completed(index, .failure(problem))
            } else {
                window.enqueue(index, origin: CurlRequestCheck.origin(of: request.url))
            }
        }

        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        var startable = window.takeStartable()
        while true {
            while !startable.isEmpty {
                for index in startable {
                    switch start(requests[index], index: index) {
                    case .success(let (handle, transfer)):
                        active[handle] = transfer
                    case .failure(let error):
                        window.finished(origin: CurlRequestCheck.origin(of: requests[index].url))
                        completed(index, .failure(error))
                    }
                }
                startable = window.takeStartable()
            }
            if active.isEmpty { break }

            var running: Int32 = 0
            let performCode = curl_multi_perform(multi, &running)
            if performCode != CURLM_OK {
                failAll(active: &active, window: &window, code: performCode, completed)
                break
            }
            var finishedAny = false
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else {
                    continue
                }
                let code = message.pointee.data.result
                guard let transfer = active.removeValue(forKey: handle) else { continue }
                curl_multi_remove_handle(multi, handle)
                let result = transfer.result(code: code, handle: handle)
                recycle(handle)
                transfer.releaseHeaders()
                window.finished(origin: transfer.origin)
                completed(transfer.index, result)
                finishedAny = true
            }
            if finishedAny {
                startable = window.takeStartable()
                continue
            }
            let pollCode = curl_multi_poll(multi, nil, 0, 1000, nil)
            if pollCode != CURLM_OK {
                failAll(active: &active, window: &window, code: pollCode, completed)
                break
            }
        }
    }

    /// Sets up an easy handle for one request and adds it to the multi handle.
    private func start(
        _ request: HTTPRequest, index: Int
    ) -> Result<(UnsafeMutableRawPointer, CurlTransfer), TransportError> {
        let origin = CurlRequestCheck.origin(of: request.url)
        let host = CurlRequestCheck.host(of: request.url)
        guard let handle = idleHandles.popLast() ?? curl_easy_init() else {
            return .failure(TransportError(.other, "libcurl could not create an easy handle (\(host))"))
        }
        let transfer = CurlTransfer(index: index, origin: origin, host: host, maxBodyBytes: maxResponseBytes)
        let options = CurlTransfer.Options(
            connectTimeoutMilliseconds: Self.milliseconds(connectTimeout),
            totalTimeoutMilliseconds: Self.milliseconds(totalTimeout))
        if let error = transfer.configure(handle, for: request, options: options) {
            recycle(handle)
            transfer.releaseHeaders()
            return .failure(error)
        }
        let added = curl_multi_add_handle(multi, handle)
        guard added == CURLM_OK else {
            recycle(handle)
            transfer.releaseHeaders()
            return .failure(TransportError(.other, "\(Self.describe(added)) (\(host))"))
        }
        return .success((handle, transfer))
    }

    /// Fails every transfer in flight and every one not yet started after the multi handle itself failed.
    private func failAll(
        active: inout [UnsafeMutableRawPointer: CurlTransfer], window: inout HostWindow, code: CURLMcode,
        _ completed: (_ index: Int, _ result: Result<HTTPResponse, TransportError>) -> Void
    ) {
        let reason = Self.describe(code)
        for (handle, transfer) in active.sorted(by: { $0.value.index < $1.value.index }) {
            curl_multi_remove_handle(multi, handle)
            recycle(handle)
            transfer.releaseHeaders()
            completed(transfer.index, .failure(TransportError(.other, "\(reason) (\(transfer.host))")))
        }
        active.removeAll()
        for index in window.takeAll() {
            completed(index, .failure(TransportError(.other, "\(reason) (request not sent)")))
        }
    }

    /// Resets an easy handle that is no longer part of the multi handle and keeps it for the next request.
    private func recycle(_ handle: UnsafeMutableRawPointer) {
        if idleHandles.count < maxIdleHandles {
            curl_easy_reset(handle)
            idleHandles.append(handle)
        } else {
            curl_easy_cleanup(handle)
        }
    }

    /// Whole milliseconds in `duration`, at least 1 (libcurl reads 0 as "no timeout").
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = seconds.multipliedReportingOverflow(by: 1000)
        guard !total.overflow else { return Int.max }
        return max(1, Int(total.partialValue + attoseconds / 1_000_000_000_000_000))
    }

    /// libcurl's text for an easy-interface result code.
    static func describe(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "libcurl error \(code.rawValue)" }
        return String(cString: text)
    }

    /// libcurl's text for a multi-interface result code.
    static func describe(_ code: CURLMcode) -> String {
        guard let text = curl_multi_strerror(code) else { return "libcurl multi error \(code.rawValue)" }
        return String(cString: text)
    }
}

/// `curl_global_init`, run once per process.
private enum CurlGlobal {
    /// The result of the one `curl_global_init` call; Swift runs a static initialiser once, thread-safely.
    static let initialisation: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))
}
