import Foundation

/// The parsed settings of one `[senders.NAME]` table in `careline.toml`, by kind.
///
/// Parsing checks every value (URLs, Twilio ids, numbers, durations) so a mistake is reported with the file,
/// line and dotted key before anything is sent. Secrets stay unresolved (``Secret``): they are read from the
/// environment or a file only when a sender is built, so `careline.toml` itself can be shared.
public enum SenderSettings: Sendable, Equatable {
    /// `kind = "webhook"`: a signed JSON POST per message (Standard Webhooks).
    case webhook(WebhookSettings)
    /// `kind = "twilio"`: Twilio's Messages API.
    case twilio(TwilioSettings)
    /// `kind = "file"`: one JSON line per message appended to a local file.
    case file(FileSettings)

    /// The keys each kind accepts (`kind` included); anything else is an unknown key.
    public static let knownKeys: [Configuration.Sender.Kind: [String]] = [
        .file: ["kind", "path", "price_per_segment", "currency"],
        .webhook: [
            "kind", "url", "secret", "rate", "concurrency", "timeout", "price_per_segment", "currency",
        ],
        .twilio: [
            "kind", "base_url", "account_sid", "auth_token", "from", "messaging_service_sid",
            "status_callback",
            "rate", "concurrency", "timeout", "price_per_segment", "currency",
        ],
    ]

    /// The kind of sender.
    public var kind: Configuration.Sender.Kind {
        switch self {
        case .webhook: .webhook
        case .twilio: .twilio
        case .file: .file
        }
    }

    /// What one SMS segment costs through this sender, if configured (for a later cost report).
    public var pricing: SenderPricing {
        switch self {
        case .webhook(let settings): settings.pricing
        case .twilio(let settings): settings.pricing
        case .file(let settings): settings.pricing
        }
    }

    /// Parses one `[senders.NAME]` table.
    ///
    /// - Parameters:
    ///   - name: The sender's name (the `NAME` in `[senders.NAME]`); key paths in errors are `senders.NAME.key`.
    ///   - table: The table's contents, positions included.
    ///   - file: The configuration file: errors name it, and relative paths (`path`, `file:PATH` secrets) are
    ///     resolved against its folder.
    /// - Returns: The settings of the table's kind.
    /// - Throws: ``ConfigurationError`` naming the file, line and key of the first problem: a missing or unknown
    ///   kind, an unknown key, a missing required key, a value of the wrong type or out of range.
    public static func parse(name: String, table: TOMLTable, file: String) throws(ConfigurationError)
        -> SenderSettings
    {
        let reader = SenderTableReader(file: file, path: "senders.\(name)", table: table)
        let kind = try reader.kind()
        try reader.checkKeys(known: knownKeys[kind] ?? ["kind"])
        let pricing = try reader.pricing()
        switch kind {
        case .file:
            let path = try reader.string("path") ?? "sent.jsonl"
            guard !path.isEmpty else {
                throw reader.invalid("path", "must not be empty; e.g. \"sent.jsonl\"")
            }
            return .file(FileSettings(path: reader.resolve(path), pricing: pricing))
        case .webhook:
            return .webhook(
                WebhookSettings(
                    url: try reader.url("url", required: true, example: "https://example.org/careline") ?? "",
                    secret: try reader.secret("secret", example: "env:CARELINE_WEBHOOK_SECRET"),
                    rate: try reader.rate(), concurrency: try reader.concurrency(),
                    timeout: try reader.timeout(), pricing: pricing))
        case .twilio:
            let baseURL =
                try reader.url(
                    "base_url", required: false, example: "https://api.twilio.com", allowQuery: false)
                ?? TwilioSettings.defaultBaseURL
            guard let accountSID = try reader.string("account_sid") else {
                throw reader.missing("account_sid", "add account_sid = \"AC…\" (from the Twilio console)")
            }
            guard TwilioSettings.isSID(accountSID, prefix: "AC") else {
                throw reader.invalid("account_sid", "must be AC followed by 32 hexadecimal digits")
            }
            let authToken = try reader.secret("auth_token", example: "env:TWILIO_AUTH_TOKEN")
            let from = try reader.string("from")
            let service = try reader.string("messaging_service_sid")
            let origin: TwilioSettings.Origin
            switch (from, service) {
            case (let from?, nil):
                guard let number = PhoneNumber(e164: from) else {
                    throw reader.invalid(
                        "from",
                        "must be an E.164 number such as \"+15005550006\" (+, country code, 8-15 digits)")
                }
                origin = .from(number)
            case (nil, let service?):
                guard TwilioSettings.isSID(service, prefix: "MG") else {
                    throw reader.invalid(
                        "messaging_service_sid", "must be MG followed by 32 hexadecimal digits")
                }
                origin = .messagingService(service)
            case (.some, .some):
                throw reader.invalid(
                    "messaging_service_sid", "cannot be set together with from; keep exactly one of the two")
            case (nil, nil):
                throw reader.missing(
                    "from", "add from = \"+1…\" (a Twilio number) or messaging_service_sid = \"MG…\"")
            }
            let callback = try reader.url(
                "status_callback", required: false, example: "https://example.org/twilio/status")
            if let callback, let host = URLComponents(string: callback)?.host, host.contains("_") {
                throw reader.invalid(
                    "status_callback", "must not have \"_\" in its host name (Twilio rejects it)")
            }
            return .twilio(
                TwilioSettings(
                    baseURL: baseURL, accountSID: accountSID, authToken: authToken, origin: origin,
                    statusCallback: callback, rate: try reader.rate(), concurrency: try reader.concurrency(),
                    timeout: try reader.timeout(), pricing: pricing))
        }
    }
}

/// `price_per_segment` and `currency`: what one SMS segment costs through a sender (both optional).
public struct SenderPricing: Sendable, Equatable {
    /// The price of one segment, ≥ 0.
    public var pricePerSegment: Double?
    /// An ISO 4217 code, upper-cased (`CNY`, `USD`).
    public var currency: String?

    /// Creates pricing.
    ///
    /// - Parameters:
    ///   - pricePerSegment: The price of one segment.
    ///   - currency: An ISO 4217 code.
    public init(pricePerSegment: Double? = nil, currency: String? = nil) {
        self.pricePerSegment = pricePerSegment
        self.currency = currency
    }
}

/// `kind = "webhook"` settings.
public struct WebhookSettings: Sendable, Equatable {
    /// The default `timeout`.
    public static let defaultTimeout = Duration.seconds(10)
    /// The default `concurrency`.
    public static let defaultConcurrency = 8

    /// Where to POST: an `http` or `https` URL with a host.
    public var url: String
    /// The signing secret (`whsec_…`), unresolved.
    public var secret: Secret
    /// Messages per second at most, or `nil` for no limit.
    public var rate: Double?
    /// Requests in flight at most (1-64).
    public var concurrency: Int
    /// How long one request may take.
    public var timeout: Duration
    /// Cost per segment, if configured.
    public var pricing: SenderPricing

    /// Creates settings.
    ///
    /// - Parameters:
    ///   - url: Where to POST.
    ///   - secret: The signing secret.
    ///   - rate: Messages per second at most.
    ///   - concurrency: Requests in flight at most.
    ///   - timeout: How long one request may take.
    ///   - pricing: Cost per segment.
    public init(
        url: String, secret: Secret, rate: Double? = nil, concurrency: Int = defaultConcurrency,
        timeout: Duration = defaultTimeout, pricing: SenderPricing = SenderPricing()
    ) {
        self.url = url
        self.secret = secret
        self.rate = rate
        self.concurrency = concurrency
        self.timeout = timeout
        self.pricing = pricing
    }

    /// The HMAC key in a resolved Standard Webhooks secret: `whsec_` + base64 (padding optional).
    ///
    /// - Parameter secret: The resolved secret.
    /// - Returns: The key bytes, or `nil` when the text is not `whsec_` + base64 of at least 16 bytes.
    public static func signingKey(fromSecret secret: String) -> [UInt8]? {
        guard secret.hasPrefix("whsec_") else { return nil }
        var encoded = String(secret.dropFirst(6))
        if encoded.utf8.count % 4 != 0 {
            encoded += String(repeating: "=", count: 4 - encoded.utf8.count % 4)
        }
        guard let data = Data(base64Encoded: encoded), data.count >= 16 else { return nil }
        return Array(data)
    }

    /// The HMAC key in the resolved ``secret``, or an error that points at the `secret` key.
    ///
    /// - Parameter resolved: The value ``Secret/resolve(environment:)`` returned for ``secret``.
    /// - Returns: The key bytes.
    /// - Throws: ``ConfigurationError`` (never quoting the value) when it is not `whsec_` + base64.
    public func signingKey(resolved: String) throws(ConfigurationError) -> [UInt8] {
        guard let key = Self.signingKey(fromSecret: resolved) else {
            throw secret.error(
                "the secret (\(secret)) must be whsec_ followed by base64 of at least 16 random bytes, as a "
                    + "Standard Webhooks receiver shows it")
        }
        return key
    }
}

/// `kind = "twilio"` settings.
public struct TwilioSettings: Sendable, Equatable {
    /// Twilio's API host, used when `base_url` is not set.
    public static let defaultBaseURL = "https://api.twilio.com"

    /// Who the message comes from: a Twilio number (`from`) or a Messaging Service (`messaging_service_sid`).
    public enum Origin: Sendable, Equatable {
        /// `From`: an E.164 number owned by the account.
        case from(PhoneNumber)
        /// `MessagingServiceSid`: `MG` + 32 hex digits; Twilio picks the number.
        case messagingService(String)
    }

    /// The API root without a trailing `/` (`https://api.twilio.com`, or a local fake in tests).
    public var baseURL: String
    /// `AC` + 32 hex digits.
    public var accountSID: String
    /// The auth token, unresolved.
    public var authToken: Secret
    /// `From` or `MessagingServiceSid`.
    public var origin: Origin
    /// Where Twilio posts status changes, if anywhere.
    public var statusCallback: String?
    /// Messages per second at most, or `nil` for no limit.
    public var rate: Double?
    /// Requests in flight at most (1-64).
    public var concurrency: Int
    /// How long one request may take.
    public var timeout: Duration
    /// Cost per segment, if configured.
    public var pricing: SenderPricing

    /// Creates settings.
    ///
    /// - Parameters:
    ///   - baseURL: The API root; a trailing `/` is dropped.
    ///   - accountSID: `AC` + 32 hex digits.
    ///   - authToken: The auth token.
    ///   - origin: `From` or `MessagingServiceSid`.
    ///   - statusCallback: Where Twilio posts status changes.
    ///   - rate: Messages per second at most.
    ///   - concurrency: Requests in flight at most.
    ///   - timeout: How long one request may take.
    ///   - pricing: Cost per segment.
    public init(
        baseURL: String = defaultBaseURL, accountSID: String, authToken: Secret, origin: Origin,
        statusCallback: String? = nil, rate: Double? = nil,
        concurrency: Int = WebhookSettings.defaultConcurrency,
        timeout: Duration = WebhookSettings.defaultTimeout, pricing: SenderPricing = SenderPricing()
    ) {
        var root = baseURL
        while root.hasSuffix("/") { root.removeLast() }
        self.baseURL = root
        self.accountSID = accountSID
        self.authToken = authToken
        self.origin = origin
        self.statusCallback = statusCallback
        self.rate = rate
        self.concurrency = concurrency
        self.timeout = timeout
        self.pricing = pricing
    }

    /// Whether `text` is `prefix` followed by 32 hexadecimal digits (Twilio's SID shape).
    ///
    /// - Parameters:
    ///   - text: The candidate.
    ///   - prefix: `AC`, `MG`, `SM`, ….
    /// - Returns: Whether it has the shape.
    public static func isSID(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let rest = text.utf8.dropFirst(prefix.utf8.count)
        return rest.count == 32
            && rest.allSatisfy { (48...57).contains($0) || (65...70).contains($0) || (97...102).contains($0) }
    }
}

/// `kind = "file"` settings.
public struct FileSettings: Sendable, Equatable {
    /// The JSON-lines file, resolved against the configuration file's folder.
    public var path: String
    /// Cost per segment, if configured.
    public var pricing: SenderPricing

    /// Creates settings.
    ///
    /// - Parameters:
    ///   - path: The JSON-lines file.
    ///   - pricing: Cost per segment.
    public init(path: String, pricing: SenderPricing = SenderPricing()) {
        self.path = path
        self.pricing = pricing
    }
}

/// A secret named in `careline.toml`: `env:NAME`, `file:PATH`, or (discouraged) the value itself.
///
/// Kept unresolved until a sender is built, so loading or printing the configuration never reads or shows it.
/// ``description`` shows where the value comes from, never the value.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// Where the value is.
    public enum Source: Sendable, Equatable {
        /// An environment variable's name.
        case environment(String)
        /// A file's path, resolved against the configuration file's folder; its content, without surrounding
        /// white space, is the value.
        case file(String)
        /// The value written in the configuration.
        case literal(String)
    }

    /// Where the value is.
    public var source: Source
    /// The configuration file (for errors).
    public var configurationFile: String
    /// The dotted key (`senders.hook.secret`), for errors.
    public var key: String
    /// Where the value was written, for errors.
    public var location: SourceLocation?

    /// Creates a secret from its written form.
    ///
    /// - Parameters:
    ///   - text: `env:NAME`, `file:PATH` or the value.
    ///   - key: The dotted key it was written under.
    ///   - configurationFile: The configuration file; `file:` paths are relative to its folder.
    ///   - location: Where the value was written.
    public init(parsing text: String, key: String, configurationFile: String, location: SourceLocation? = nil)
    {
        if text.hasPrefix("env:") {
            source = .environment(String(text.dropFirst(4)))
        } else if text.hasPrefix("file:") {
            source = .file(SenderTableReader.resolve(String(text.dropFirst(5)), against: configurationFile))
        } else {
            source = .literal(text)
        }
        self.configurationFile = configurationFile
        self.key = key
        self.location = location
    }

    /// Reads the value.
    ///
    /// - Parameter environment: The process environment (injected so tests need not change the real one).
    /// - Returns: The value; a file's content loses surrounding white space (a trailing newline).
    /// - Throws: ``ConfigurationError`` naming the key and saying what to do when the variable is unset or
    ///   empty, or the file is unreadable or empty. The value is never part of the message.
    public func resolve(environment: [String: String]) throws(ConfigurationError) -> String {
        switch source {
        case .environment(let name):
            guard let value = environment[name] else {
                throw error("environment variable \(name) is not set; export it or use file:PATH")
            }
            guard !value.isEmpty else {
                throw error("environment variable \(name) is empty; export the secret in it or use file:PATH")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason =
                    FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
                throw error(
                    "secret file \(path) \(reason); create it with the secret on one line, readable only by "
                        + "careline (chmod 600)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw error("secret file \(path) is not UTF-8 text; save the secret as one line of text")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else {
                throw error("secret file \(path) is empty; write the secret into it")
            }
            return value
        case .literal(let value):
            return value
        }
    }

    /// A configuration error about this secret (the value is never included).
    ///
    /// - Parameter message: What is wrong and what to do.
    /// - Returns: An `invalid-value` error at the secret's key and location.
    public func error(_ message: String) -> ConfigurationError {
        ConfigurationError(
            .invalidValue, file: configurationFile, location: location, key: key, message: message)
    }

    /// `env:NAME`, `file:PATH` or `literal (hidden)`: where the value is, never the value.
    public var description: String {
        switch source {
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        case .literal: "literal (hidden)"
        }
    }

    /// `Secret(env:NAME)`.
    public var debugDescription: String { "Secret(\(description))" }

    /// A mirror showing only ``description`` (keeps `dump` output free of a literal value).
    public var customMirror: Mirror { Mirror(self, children: ["source": description]) }
}

/// Typed access to one `[senders.NAME]` table, with errors that name the file, line and dotted key.
///
/// Separate from the configuration reader so settings parsing stays self-contained.
struct SenderTableReader {
    let file: String
    /// `senders.NAME`.
    let path: String
    let table: TOMLTable

    func key(_ name: String) -> String { "\(path).\(name)" }

    /// An invalid value at `name`'s value.
    func invalid(_ name: String, _ message: String) -> ConfigurationError {
        ConfigurationError(
            .invalidValue, file: file, location: table[name]?.location ?? table.location, key: key(name),
            message: message)
    }

    /// A required key that is absent: points at the table's header.
    func missing(_ name: String, _ hint: String) -> ConfigurationError {
        ConfigurationError(
            .invalidValue, file: file, location: table.location, key: key(name),
            message: "is missing; \(hint)")
    }

    /// `path` resolved against the configuration file's folder (absolute paths unchanged).
    func resolve(_ path: String) -> String { Self.resolve(path, against: file) }

    static func resolve(_ path: String, against file: String) -> String {
        let folder = (file as NSString).deletingLastPathComponent
        if path.hasPrefix("/") || folder.isEmpty || folder == "." { return path }
        return (folder as NSString).appendingPathComponent(path)
    }

    func kind() throws(ConfigurationError) -> Configuration.Sender.Kind {
        let kinds = Configuration.Sender.Kind.allCases.map(\.rawValue)
        guard let node = table["kind"] else {
            throw missing("kind", "add kind = \"\(kinds.joined(separator: "\" | \""))\"")
        }
        guard case .string(let text) = node.value, let kind = Configuration.Sender.Kind(rawValue: text) else {
            throw invalid("kind", "must be one of \(kinds.joined(separator: ", "))")
        }
        return kind
    }

    func checkKeys(known: [String]) throws(ConfigurationError) {
        for (name, node) in table.entries where !known.contains(name) {
            let hint = Suggestion.closest(to: name, in: known).map { " — did you mean \(key($0))?" } ?? ""
            throw ConfigurationError(
                .unknownKey, file: file, location: node.keyLocation, key: key(name),
                message: "unknown key\(hint) (known here: \(known.joined(separator: ", ")))")
        }
    }

    func string(_ name: String) throws(ConfigurationError) -> String? {
        guard let node = table[name] else { return nil }
        guard case .string(let value) = node.value else {
            throw invalid(name, "must be a string in quotes, not a \(node.value.typeName)")
        }
        return value
    }

    /// An `http`/`https` URL with a host, no user or password, no fragment (and no query unless allowed).
    func url(_ name: String, required: Bool, example: String, allowQuery: Bool = true)
        throws(ConfigurationError) -> String?
    {
        guard let text = try string(name) else {
            if required { throw missing(name, "add \(name) = \"\(example)\"") }
            return nil
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw invalid(name, "must be an http:// or https:// URL with a host, such as \"\(example)\"")
        }
        guard components.user == nil, components.password == nil else {
            throw invalid(
                name,
                "must not contain a user name or password; credentials go in their own keys, as env:NAME")
        }
        guard components.fragment == nil else { throw invalid(name, "must not have a #fragment") }
        if !allowQuery, components.query != nil {
            throw invalid(name, "must not have a ?query; give the API root, such as \"\(example)\"")
        }
        return text
    }

    func secret(_ name: String, example: String) throws(ConfigurationError) -> Secret {
        guard let text = try string(name) else {
            throw missing(name, "add \(name) = \"\(example)\" (or \"file:PATH\")")
        }
        let secret = Secret(
            parsing: text, key: key(name), configurationFile: file, location: table[name]?.location)
        switch secret.source {
        case .environment(let variable):
            let valid =
                variable.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && variable.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            guard valid else {
                throw invalid(
                    name, "env: must be followed by a variable name such as \"\(example.dropFirst(4))\"")
            }
        case .file:
            guard !text.dropFirst(5).isEmpty else {
                throw invalid(name, "file: must be followed by the path of a file holding the secret")
            }
        case .literal(let value):
            guard !value.isEmpty else {
                throw invalid(name, "must not be empty; use \"\(example)\" or \"file:PATH\"")
            }
            // `"${CARELINE_WEBHOOK_SECRET}"` would be taken as the secret itself; the value is not shown.
            guard !value.hasPrefix("$") else {
                throw invalid(
                    name,
                    "starts with $ like a shell variable, which careline does not expand; write "
                        + "\"\(example)\" to read the variable, or \"file:PATH\"")
            }
        }
        return secret
    }

    func rate() throws(ConfigurationError) -> Double? {
        guard let node = table["rate"] else { return nil }
        guard let value = node.value.doubleValue, value.isFinite, value > 0 else {
            throw invalid("rate", "must be a number of messages per second above 0, such as 50 or 0.5")
        }
        return value
    }

    func concurrency() throws(ConfigurationError) -> Int {
        guard let node = table["concurrency"] else { return WebhookSettings.defaultConcurrency }
        guard case .integer(let value) = node.value, (1...64).contains(value) else {
            throw invalid("concurrency", "must be a whole number from 1 to 64")
        }
        return Int(value)
    }

    /// `"10s"`, `"500ms"`, `"2m"`: a whole number and a unit, from 100ms to 10 minutes.
    func timeout() throws(ConfigurationError) -> Duration {
        guard let node = table["timeout"] else { return WebhookSettings.defaultTimeout }
        let message = "must be a duration from 100ms to 10m, such as \"10s\" or \"500ms\""
        guard case .string(let text) = node.value, let duration = DurationText.parse(text),
            duration >= .milliseconds(100), duration <= .seconds(600)
        else { throw invalid("timeout", message) }
        return duration
    }

    func pricing() throws(ConfigurationError) -> SenderPricing {
        var pricing = SenderPricing()
        if let node = table["price_per_segment"] {
            guard let value = node.value.doubleValue, value.isFinite, value >= 0 else {
                throw invalid("price_per_segment", "must be a number of 0 or more, such as 0.045")
            }
            pricing.pricePerSegment = value
        }
        if let currency = try string("currency") {
            guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw invalid("currency", "must be an ISO 4217 code such as \"CNY\" or \"USD\"")
            }
            pricing.currency = currency.uppercased()
        }
        return pricing
    }
}
