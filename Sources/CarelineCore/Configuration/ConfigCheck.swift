import Foundation

/// Judges a loaded configuration and the facts gathered about it: one ``CheckResult`` per thing an IT person
/// would look at, each saying what to do when it is not right.
///
/// No I/O: everything comes in as ``ConfigCheckFacts``. Loading the file already validated every key (a bad key
/// never gets here: it is the one error line of ``loadFailure(_:)``). No line ever shows a secret's value, a
/// URL's path or query (which may carry a token), or a phone number.
public struct ConfigCheck: Sendable {
    /// The configuration.
    public var configuration: Configuration
    /// What was found on the machine.
    public var facts: ConfigCheckFacts

    /// Creates a check.
    ///
    /// - Parameters:
    ///   - configuration: The loaded configuration.
    ///   - facts: What was found on the machine for it.
    public init(configuration: Configuration, facts: ConfigCheckFacts) {
        self.configuration = configuration
        self.facts = facts
    }

    /// The one line for a configuration that did not load.
    ///
    /// - Parameter error: Why it did not load (names the file, line and key).
    /// - Returns: An error line: ``CheckFailure/missingInput`` for a missing file, else
    ///   ``CheckFailure/configuration``.
    public static func loadFailure(_ error: ConfigurationError) -> CheckResult {
        .error(
            "configuration", error.description,
            error.code == .notFound ? .missingInput : .configuration)
    }

    /// Every check, in a fixed order: the file, the clinic and policy, templates, campaign files, the store,
    /// then each sender (in name order) with its secret.
    ///
    /// - Returns: The results.
    public func run() -> [CheckResult] {
        var results: [CheckResult] = [fileCheck()]
        results += clinicAndPolicyChecks()
        results.append(templatesCheck())
        results += schedulesChecks()
        results.append(storeCheck())
        for sender in configuration.senders.values.sorted(by: { $0.name < $1.name }) {
            results += senderChecks(sender)
        }
        return results
    }

    // MARK: - The file, clinic and policy

    func fileCheck() -> CheckResult {
        guard let file = configuration.file else {
            return .warning(
                "configuration",
                "no careline.toml found (no --config, no $CARELINE_CONFIG, none in this folder): the defaults "
                    + "are used; create one or point --config at it")
        }
        return .ok("configuration", "\(file): every key is valid")
    }

    func clinicAndPolicyChecks() -> [CheckResult] {
        var results: [CheckResult] = []
        if configuration.file != nil {
            if let zone = configuration.clinic.timeZone {
                results.append(.ok("clinic.timezone", zone.identifier))
            } else {
                results.append(
                    .warning(
                        "clinic.timezone",
                        "not set: patients without their own timezone get windows and quiet hours in UTC; add "
                            + "timezone = \"Asia/Shanghai\" (or yours) under [clinic]"))
            }
        }
        let policy = configuration.policy
        if let quiet = policy.quietHours {
            let open = 1440 - quiet.nominalMinutes
            if open < 4 * 60 {
                results.append(
                    .warning(
                        "policy.quiet_hours",
                        "\(quiet) leaves only \(Self.hours(open)) a day to send; messages pile up and expire. "
                            + "Shorten quiet_hours (e.g. \"21:00-08:00\")"))
            } else {
                results.append(
                    .ok(
                        "policy.quiet_hours",
                        "\(quiet) in each patient's zone (\(Self.hours(open)) a day open)"))
            }
        } else {
            results.append(
                .warning(
                    "policy.quiet_hours",
                    "\"none\": only the campaigns' windows keep messages from arriving at night; set "
                        + "quiet_hours = \"21:00-08:00\" unless that is intended"))
        }
        if policy.maxPerWeek < policy.maxPerDay {
            results.append(
                .warning(
                    "policy.max_per_week",
                    "\(policy.maxPerWeek) is below max_per_day (\(policy.maxPerDay)), so the daily cap can never "
                        + "be reached; raise max_per_week or lower max_per_day"))
        } else {
            results.append(
                .ok(
                    "policy.caps",
                    "at most \(policy.maxPerDay) per patient per day and \(policy.maxPerWeek) per week"))
        }
        return results
    }

    // MARK: - Templates and campaigns

    func templatesCheck() -> CheckResult {
        switch facts.templates {
        case .unreadable(let reason):
            // The library's error names the folder and says what to do.
            return .error("templates", reason, .configuration)
        case .checked(let summary):
            let counted =
                "\(summary.templates) templates and \(summary.partials) partials in \(summary.directory)"
            if let first = summary.errors.first {
                let more = summary.errors.count > 1 ? " (and \(summary.errors.count - 1) more)" : ""
                return .error(
                    "templates",
                    "\(summary.errors.count) \(summary.errors.count == 1 ? "error" : "errors") in \(counted): "
                        + "\(first)\(more); run careline templates check to see them all", .data)
            }
            if summary.templates == 0 {
                return .warning(
                    "templates", "no templates in \(summary.directory); campaigns need at least one")
            }
            if summary.warnings > 0 {
                return .warning(
                    "templates",
                    "\(counted) pass with \(summary.warnings) \(summary.warnings == 1 ? "warning" : "warnings"); "
                        + "run careline templates check to see them")
            }
            return .ok("templates", "\(counted) pass careline templates check")
        }
    }

    func schedulesChecks() -> [CheckResult] {
        switch facts.schedules {
        case .missing(let directory):
            guard configuration.file != nil else { return [] }
            return [
                .warning(
                    "schedules",
                    "no folder \(directory): careline queue reads campaign files from it; create it or fix "
                        + "[paths] schedules")
            ]
        case .files(let directory, let files):
            guard !files.isEmpty else {
                return [.warning("schedules", "no campaign files (*.toml) in \(directory)")]
            }
            return files.map(campaignCheck)
        }
    }

    func campaignCheck(_ fact: ConfigCheckFacts.CampaignFact) -> CheckResult {
        switch fact {
        case .failed(let file, let error):
            let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            return .error("schedules.\(name)", error.description, .configuration)
        case .loaded(let campaign):
            let name = "schedules.\(campaign.name)"
            if case .checked(let summary) = facts.templates, !summary.names.contains(campaign.template) {
                let hint =
                    Suggestion.closest(to: campaign.template, in: summary.names).map {
                        " — did you mean \($0)?"
                    }
                    ?? ""
                return .error(
                    name,
                    "\(campaign.file): template \"\(campaign.template)\" is not in \(summary.directory)\(hint)",
                    .configuration)
            }
            let known = configuration.senders.keys.sorted()
            for sender in campaign.senders where configuration.senders[sender] == nil {
                let hint = Suggestion.closest(to: sender, in: known).map { " — did you mean \($0)?" } ?? ""
                return .error(
                    name,
                    "\(campaign.file): sender \"\(sender)\" is not configured\(hint) (configured: "
                        + "\(known.joined(separator: ", "))); add [senders.\(sender)] or fix senders",
                    .configuration)
            }
            if campaign.windowZone == .patient, let quiet = configuration.policy.quietHours,
                Self.openMinutes(campaign.hours, outside: quiet) == 0
            {
                let hours = campaign.hours.map(\.description).joined(separator: ", ")
                return .error(
                    name,
                    "\(campaign.file): window.hours \(hours) lie entirely inside quiet hours \(quiet), so no "
                        + "message of it can ever be sent; move the window or change policy.quiet_hours",
                    .configuration)
            }
            let senders = campaign.senders.joined(separator: " → ")
            return .ok(name, "template \(campaign.template), senders \(senders)")
        }
    }

    // MARK: - Store and senders

    func storeCheck() -> CheckResult {
        let store = facts.store
        if !store.folderExists {
            return .error(
                "store",
                "the folder \(store.folder) of [store] path does not exist; create it (owned by the user careline "
                    + "runs as) or fix [store] path", .configuration)
        }
        if store.fileExists {
            guard store.fileWritable, store.folderWritable else {
                return .error(
                    "store",
                    "\(store.path) exists but this user cannot write \(store.fileWritable ? "its folder" : "it") "
                        + "(SQLite needs both, for its -wal and -shm files); run careline as the owner or fix the "
                        + "owner", .unavailable)
            }
            return .ok("store", "\(store.path) is writable")
        }
        guard store.folderWritable else {
            return .error(
                "store",
                "this user cannot create \(store.path): the folder is not writable; run careline as its owner or "
                    + "fix the owner", .unavailable)
        }
        return .ok(
            "store",
            "no database yet at \(store.path); the first careline patients import or queue creates it")
    }

    func senderChecks(_ sender: Configuration.Sender) -> [CheckResult] {
        let name = "senders.\(sender.name)"
        switch sender.settings {
        case .file(let settings):
            guard let fact = facts.fileSenders[sender.name] else { return [] }
            if !fact.folderExists {
                return [
                    .error(
                        name,
                        "file sender: the folder \(fact.folder) of path does not exist; create it or fix "
                            + "\(name).path", .configuration)
                ]
            }
            guard fact.folderWritable || (fact.fileExists && fact.fileWritable), fact.fileWritable else {
                return [
                    .error(
                        name,
                        "file sender: this user cannot write \(settings.path); fix its owner or the path",
                        .unavailable)
                ]
            }
            return [.ok(name, "file sender appending to \(settings.path)")]
        case .webhook(let settings):
            return [Self.urlCheck(name, kind: "webhook", url: settings.url, key: "url")]
                + secretCheck(settings.secret)
        case .twilio(let settings):
            var results = [Self.urlCheck(name, kind: "twilio", url: settings.baseURL, key: "base_url")]
            if let callback = settings.statusCallback {
                results.append(
                    Self.urlCheck("\(name).status_callback", kind: "status callback", url: callback, key: nil)
                )
            }
            return results + secretCheck(settings.authToken)
        }
    }

    func secretCheck(_ secret: Secret) -> [CheckResult] {
        guard let fact = facts.secrets[secret.key] else { return [] }
        if let problem = fact.problem {
            return [.error(secret.key, problem.description, .configuration)]
        }
        if fact.isLiteral {
            return [
                .warning(
                    secret.key,
                    "the secret is written in the configuration file itself; move it to secrets.env as "
                        + "env:NAME (or a file as file:PATH) so careline.toml can be shared")
            ]
        }
        if let mode = fact.fileMode, mode & 0o077 != 0 {
            return [
                .warning(
                    secret.key,
                    "\(fact.source) resolves, but the file has mode \(Self.octal(mode)): others may read it; "
                        + "chmod 600 it")
            ]
        }
        return [.ok(secret.key, "\(fact.source) resolves (value not shown)")]
    }

    // MARK: - Pure helpers

    /// The line for one URL: https is fine, http only to this machine.
    ///
    /// - Parameters:
    ///   - name: The check's name.
    ///   - kind: What the URL is for (`webhook`, `twilio`).
    ///   - url: The URL; only its scheme, host and port are shown.
    ///   - key: The key to name in the hint, if it is not the check's own name.
    /// - Returns: ok for https or loopback http, a warning for http to another host.
    public static func urlCheck(_ name: String, kind: String, url: String, key: String?) -> CheckResult {
        let components = URLComponents(string: url)
        let scheme = components?.scheme?.lowercased() ?? ""
        var host = components?.host ?? ""
        let origin = "\(scheme)://\(host)\(components?.port.map { ":\($0)" } ?? "")"
        if scheme == "https" { return .ok(name, "\(kind) at \(origin)") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if isLoopback(host) { return .ok(name, "\(kind) at \(origin) (plain http, this machine only)") }
        return .warning(
            name,
            "\(kind) at \(origin) over plain http: messages and credentials cross the network unencrypted; use "
                + "https in \(key.map { "\(name).\($0)" } ?? name)")
    }

    /// Whether `host` names this machine: `localhost`, `127.0.0.0/8`, `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The minutes of a day inside one of `hours` but outside `quiet` (nominal, ignoring DST).
    static func openMinutes(_ hours: [TimeRange], outside quiet: TimeRange) -> Int {
        func covers(_ range: TimeRange, _ minute: Int) -> Bool {
            range.crossesMidnight
                ? minute >= range.start.minutes || minute < range.end.minutes
                : minute >= range.start.minutes && minute < range.end.minutes
        }
        return (0..<1440).filter { minute in
            hours.contains { covers($0, minute) } && !covers(quiet, minute)
        }.count
    }

    /// `11 h`, `90 min`, `11 h 30 min`.
    static func hours(_ minutes: Int) -> String {
        if minutes < 60 { return "\(minutes) min" }
        return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
    }

    /// `0644`.
    static func octal(_ mode: Int) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
