import CarelineCore
import Foundation

/// `careline config check --probe`: contacts each HTTP sender once, without sending a message, and says whether
/// it answered.
///
/// - webhook: `HEAD url`. Any HTTP answer (a 404 or 405 too) means the receiver is reachable; a refused
///   connection, a TLS failure or no answer within the sender's `timeout` is an error naming the cause.
/// - twilio: `GET {base_url}/2010-04-01/Accounts/{account_sid}.json` with the sender's credentials (basic auth):
///   200 means Twilio accepts them, 401 or 403 that it rejects them.
/// - file: nothing to contact.
///
/// Lines name the sender, the scheme, host and port, the HTTP status and the time taken; never a path, a query,
/// the account SID or a secret.
public struct SenderProbe: Sendable {
    /// Makes the transport for one sender, given its `timeout`.
    public typealias TransportFactory = @Sendable (_ timeout: Duration) throws -> any HTTPTransport

    private let makeTransport: TransportFactory

    /// Creates a probe.
    ///
    /// - Parameter makeTransport: Makes the transport for one sender (default: a ``CurlTransport`` with the
    ///   sender's `timeout`, connecting within 5 s at most).
    public init(makeTransport: @escaping TransportFactory = SenderProbe.curlTransport) {
        self.makeTransport = makeTransport
    }

    /// A ``CurlTransport`` for one probe: one connection, the sender's timeout, a small body cap.
    ///
    /// - Parameter timeout: The sender's `timeout`.
    /// - Returns: The transport.
    /// - Throws: ``TransportError`` when libcurl cannot be initialised.
    public static let curlTransport: TransportFactory = { timeout in
        try CurlTransport(
            connectTimeout: min(timeout, .seconds(5)), totalTimeout: timeout, maxResponseBytes: 4096,
            maxConnectionsPerHost: 1)
    }

    /// Probes every HTTP sender of the configuration, in name order.
    ///
    /// - Parameters:
    ///   - configuration: The loaded configuration.
    ///   - environment: Where `env:NAME` secrets are read (Twilio's auth token).
    /// - Returns: One line per webhook and Twilio sender (`senders.NAME.probe`).
    public func probe(_ configuration: Configuration, environment: [String: String]) -> [CheckResult] {
        configuration.senders.values.sorted { $0.name < $1.name }.compactMap { sender in
            probe(sender, environment: environment)
        }
    }

    /// Probes one sender.
    ///
    /// - Parameters:
    ///   - sender: The sender.
    ///   - environment: Where `env:NAME` secrets are read.
    /// - Returns: Its line, or `nil` for a file sender.
    public func probe(_ sender: Configuration.Sender, environment: [String: String]) -> CheckResult? {
        let name = "senders.\(sender.name).probe"
        let request: HTTPRequest
        let timeout: Duration
        switch sender.settings {
        case .file:
            return nil
        case .webhook(let settings):
            request = HTTPRequest(
                method: "HEAD", url: settings.url, headers: [("User-Agent", "careline-probe")])
            timeout = settings.timeout
        case .twilio(let settings):
            let token: String
            do throws(ConfigurationError) {
                token = try settings.authToken.resolve(environment: environment)
            } catch {
                return .warning(
                    name, "not probed: \(settings.authToken.key) cannot be resolved (see its line)")
            }
            request = Self.twilioAccountRequest(settings, authToken: token)
            timeout = settings.timeout
        }
        let transport: any HTTPTransport
        do {
            transport = try makeTransport(timeout)
        } catch {
            return .error(name, "libcurl could not be set up (\(error)); run careline doctor", .unavailable)
        }
        var outcome: Result<HTTPResponse, TransportError> = .failure(TransportError(.other, "no result"))
        transport.perform([request]) { _, result in outcome = result }
        return Self.result(
            name: name, kind: sender.kind, origin: Self.origin(of: request.url), timeout: timeout,
            outcome: outcome)
    }

    /// `GET {base_url}/2010-04-01/Accounts/{AccountSid}.json` with basic auth: reads the account, changes nothing.
    ///
    /// - Parameters:
    ///   - settings: The Twilio sender's settings.
    ///   - authToken: The resolved auth token.
    /// - Returns: The request.
    public static func twilioAccountRequest(_ settings: TwilioSettings, authToken: String) -> HTTPRequest {
        let credentials = Data("\(settings.accountSID):\(authToken)".utf8).base64EncodedString()
        return HTTPRequest(
            method: "GET", url: "\(settings.baseURL)/2010-04-01/Accounts/\(settings.accountSID).json",
            headers: [("Authorization", "Basic \(credentials)"), ("Accept", "application/json")])
    }

    /// The line for one probe's outcome.
    ///
    /// - Parameters:
    ///   - name: The check's name (`senders.hook.probe`).
    ///   - kind: The sender's kind: a Twilio answer is judged by its status, a webhook's is reachable whatever it is.
    ///   - origin: `https://host:port`, for the message.
    ///   - timeout: The sender's timeout, for the message of a timeout.
    ///   - outcome: What the transport returned.
    /// - Returns: The line: ok, a warning (Twilio answered something unexpected) or an error (``CheckFailure/unavailable``).
    public static func result(
        name: String, kind: Configuration.Sender.Kind, origin: String, timeout: Duration,
        outcome: Result<HTTPResponse, TransportError>
    ) -> CheckResult {
        switch outcome {
        case .failure(let error):
            let cause: String
            switch error.code {
            case .connect:
                cause =
                    "cannot connect to \(origin) (\(error.message)): check the URL, that the receiver runs, DNS "
                    + "and the firewall or proxy"
            case .timeout:
                cause =
                    "no answer from \(origin) within \(durationText(timeout)) (\(error.message)): check the receiver, or "
                    + "raise timeout"
            case .tls:
                cause =
                    "TLS with \(origin) failed (\(error.message)): check the server's certificate chain and "
                    + "host name; careline always verifies them"
            case .other:
                cause = "the request to \(origin) failed (\(error.message))"
            }
            return .error(name, cause, .unavailable)
        case .success(let response):
            let answered = "HTTP \(response.status) in \(Int((response.latency * 1000).rounded())) ms"
            guard kind == .twilio else {
                return .ok(name, "\(origin) is reachable: \(answered)")
            }
            switch response.status {
            case 200:
                return .ok(name, "\(origin) accepts the credentials: \(answered)")
            case 401, 403:
                return .error(
                    name, "\(origin) rejects the credentials (\(answered)): check account_sid and auth_token",
                    .unavailable)
            case 404:
                return .error(
                    name, "\(origin) knows no such account (\(answered)): check account_sid and base_url",
                    .unavailable)
            default:
                return .warning(
                    name, "\(origin) answered \(answered), not 200; try again later, or check base_url")
            }
        }
    }

    /// `10s`, `500ms`: a duration as `timeout` is written.
    static func durationText(_ duration: Duration) -> String {
        let milliseconds = CurlTransport.milliseconds(duration)
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }

    /// `scheme://host:port` of `url`, without user, path or query.
    static func origin(of url: String) -> String {
        CurlRequestCheck.origin(of: url)
    }
}
