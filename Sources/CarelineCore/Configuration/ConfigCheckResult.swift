/// How one check of `careline config check` or `careline doctor` came out.
public enum CheckStatus: String, Sendable, Equatable {
    /// Nothing to do.
    case ok
    /// It works, but something should be looked at (the message says what).
    case warning
    /// It does not work; the command exits non-zero.
    case error
}

/// What kind of failure an error line is, so that the command can choose its exit code (sysexits).
public enum CheckFailure: Sendable, Equatable {
    /// `careline.toml` is invalid, points somewhere that does not work, or a secret cannot be resolved (78).
    case configuration
    /// The configuration file named by `--config` or `$CARELINE_CONFIG` does not exist (66).
    case missingInput
    /// A template or campaign file has an error (65).
    case data
    /// A service careline needs is unavailable: a sender cannot be reached, the database is unusable (69).
    case unavailable

    /// The sysexits code of this kind of failure.
    public var exitCode: Int32 {
        switch self {
        case .configuration: 78
        case .missingInput: 66
        case .data: 65
        case .unavailable: 69
        }
    }
}

/// One line of a check report: what was checked, how it came out, and what to do.
///
/// The message never holds a secret, a message body or a full phone number.
public struct CheckResult: Sendable, Equatable {
    /// What was checked, e.g. `templates`, `senders.hook.secret`, `database`.
    public var name: String
    /// How it came out.
    public var status: CheckStatus
    /// What was found and, unless all is well, what to do.
    public var message: String
    /// For an error: which exit code it asks for.
    public var failure: CheckFailure?

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - name: What was checked.
    ///   - status: How it came out.
    ///   - message: What was found and what to do.
    ///   - failure: For an error, its kind (default ``CheckFailure/configuration``); ignored otherwise.
    public init(name: String, status: CheckStatus, message: String, failure: CheckFailure? = nil) {
        self.name = name
        self.status = status
        self.message = message
        self.failure = status == .error ? (failure ?? .configuration) : nil
    }

    /// A passed check.
    public static func ok(_ name: String, _ message: String) -> CheckResult {
        CheckResult(name: name, status: .ok, message: message)
    }

    /// A check that passed with something to look at.
    public static func warning(_ name: String, _ message: String) -> CheckResult {
        CheckResult(name: name, status: .warning, message: message)
    }

    /// A failed check.
    public static func error(_ name: String, _ message: String, _ failure: CheckFailure) -> CheckResult {
        CheckResult(name: name, status: .error, message: message, failure: failure)
    }

    /// `ok      templates: 11 templates and 2 partials, no problems`: the status padded to one width, so the
    /// lines of a report line up.
    public var line: String {
        let label = status.rawValue
        return label + String(repeating: " ", count: max(1, 8 - label.count)) + "\(name): \(message)"
    }
}

/// Every line of `careline config check` or `careline doctor`, and the exit code they add up to.
public struct CheckReport: Sendable, Equatable {
    /// The checks, in the order they ran.
    public var checks: [CheckResult]

    /// Creates a report.
    ///
    /// - Parameter checks: The checks, in the order they ran.
    public init(checks: [CheckResult]) {
        self.checks = checks
    }

    /// Whether no check failed (warnings allowed).
    public var ok: Bool { !checks.contains { $0.status == .error } }

    /// The exit code: 0 without errors, else the code of the most fundamental failure: configuration (78)
    /// before a missing input (66), bad data (65) and an unavailable service (69) — fixing the configuration
    /// first is what makes the other checks meaningful.
    public var exitCode: Int32 {
        let failures = checks.compactMap(\.failure)
        for kind in [CheckFailure.configuration, .missingInput, .data, .unavailable]
        where failures.contains(kind) {
            return kind.exitCode
        }
        return 0
    }

    /// The count of checks with `status`.
    public func count(_ status: CheckStatus) -> Int { checks.filter { $0.status == status }.count }

    /// One ``CheckResult/line`` per check and a summary line (`12 ok, 1 warning, 0 errors`).
    public var text: String {
        var lines = checks.map(\.line)
        let warnings = count(.warning)
        let errors = count(.error)
        lines.append(
            "\(count(.ok)) ok, \(warnings) \(warnings == 1 ? "warning" : "warnings"), "
                + "\(errors) \(errors == 1 ? "error" : "errors")")
        return lines.joined(separator: "\n")
    }

    /// `{"ok":bool,"checks":[{"name","status","message"}]}` on one line.
    public var json: String {
        var text = "{\"ok\":\(ok ? "true" : "false"),\"checks\":["
        for (index, check) in checks.enumerated() {
            if index > 0 { text += "," }
            var object = JSONLine()
            object.add("name", check.name)
            object.add("status", check.status.rawValue)
            object.add("message", check.message)
            text += object.string
        }
        return text + "]}"
    }
}
