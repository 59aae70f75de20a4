import Foundation

/// The clinic's settings, from one file: `careline.toml`.
///
/// Found by `--config PATH`, else `$CARELINE_CONFIG`, else `./careline.toml`. Relative paths inside it are
/// relative to its folder. Without a file every setting has its default and `clinic.*` fields are absent.
public struct Configuration: Sendable {
    /// `[clinic]`: who sends, and the defaults for patients.
    public struct Clinic: Sendable, Equatable {
        public var name: String?
        public var phone: String?
        /// Put at the start of zh SMS bodies, e.g. `【明德眼科】`.
        public var signature: String?
        /// The zone of patients without their own `timezone`.
        public var timeZone: TimeZone?
        /// The default region for phone numbers (`CN`, `US`).
        public var region: String?
        /// The locale of patients without their own `locale` (default from the region: `CN` → `zh-CN`, else `en`).
        public var locale: String?
        /// `[clinic.zh]` / `[clinic.en]`: `name`, `phone`, `signature` for messages in that language.
        public var localized: [MessageLanguage: [String: String]] = [:]

        public init(
            name: String? = nil, phone: String? = nil, signature: String? = nil, timeZone: TimeZone? = nil,
            region: String? = nil, locale: String? = nil
        ) {
            self.name = name
            self.phone = phone
            self.signature = signature
            self.timeZone = timeZone
            self.region = region
            self.locale = locale
        }

        /// The locale used when a patient has none.
        public var defaultLocale: String {
            if let locale { return locale }
            return region?.uppercased() == "CN" ? "zh-CN" : "en"
        }
    }

    /// `[policy]`: rules every message must follow.
    public struct Policy: Sendable, Equatable {
        /// zh SMS bodies must start with `clinic.signature`.
        public var requireSignature: Bool
        /// The line `promotional` messages must end with (`回T退订`, `Reply STOP to opt out`), by language;
        /// the `nil` key holds the line for any language. Written as one string, or as a table
        /// `optout_text = { zh = "回T退订", en = "Reply STOP to opt out" }`.
        public var optoutText: [MessageLanguage?: String]

        /// Clinic-wide hours no message is sent, in the patient's zone (default `21:00-08:00`); `nil` for none.
        public var quietHours: TimeRange?
        /// The most messages one patient gets on one local date, across campaigns (default 1).
        public var maxPerDay: Int
        /// The most messages one patient gets in one week (Monday to Sunday, local dates), across campaigns
        /// (default 3).
        public var maxPerWeek: Int
        /// `require_approval`: whether batches wait for a reviewer's approval before anything is sent. `nil`
        /// (the default) means by kind: `care` and `promotional` campaigns need it, reminders and follow-ups do
        /// not. A campaign's own `require_approval` wins over both.
        public var requireApproval: Bool?
        /// `forbid_self_approval`: the person who queued a batch may not approve it (default false).
        public var forbidSelfApproval: Bool

        /// Whether one more message to a patient on local date `date` stays within `max_per_day` and
        /// `max_per_week` (Monday to Sunday), given the local dates of the patient's other messages.
        public func allowsOneMore(on date: LocalDate, besides dates: [LocalDate]) -> Bool {
            let weekStart = date.adding(days: 1 - date.weekday)
            let weekEnd = weekStart.adding(days: 6)
            var day = 0
            var week = 0
            for other in dates {
                if other == date { day += 1 }
                if other >= weekStart, other <= weekEnd { week += 1 }
            }
            return day < maxPerDay && week < maxPerWeek
        }

        /// Whether messages of `campaign` need approval.
        public func requiresApproval(_ campaign: Campaign) -> Bool {
            if let own = campaign.requireApproval { return own }
            if let all = requireApproval { return all }
            return campaign.kind == .care || campaign.kind == .promotional
        }

        public init(
            requireSignature: Bool = false, optoutText: [MessageLanguage?: String] = [:],
            quietHours: TimeRange? = TimeRange(parsing: "21:00-08:00"), maxPerDay: Int = 1,
            maxPerWeek: Int = 3, requireApproval: Bool? = nil, forbidSelfApproval: Bool = false
        ) {
            self.requireApproval = requireApproval
            self.forbidSelfApproval = forbidSelfApproval
            self.requireSignature = requireSignature
            self.optoutText = optoutText
            self.quietHours = quietHours
            self.maxPerDay = maxPerDay
            self.maxPerWeek = maxPerWeek
        }
    }

    /// The file it was read from; `nil` for the defaults.
    public var file: String?
    public var clinic: Clinic
    /// The templates folder (`[paths] templates`, default `Templates`), resolved against the file's folder.
    public var templatesPath: String
    /// The campaigns folder (`[paths] schedules`, default `Schedules`), resolved against the file's folder.
    public var schedulesPath: String
    public var policy: Policy
    /// The SQLite database (`[store] path`, default `careline.sqlite`), resolved against the file's folder.
    public var storePath: String
    /// `[store] retention`: how long finished messages keep their bodies and full numbers; `careline dispatch`
    /// purges older ones after each run. `nil` (the key absent): never purged automatically.
    public var retention: RetentionPeriod?
    /// `[senders.NAME]`, by name. Without any `[senders]` table there is one sender, `file`, writing
    /// `sent.jsonl` beside the configuration: the embedded default, nothing leaves the machine.
    public var senders: [String: Sender]

    /// One `[senders.NAME]` table: its name, its checked settings and where it was written.
    public struct Sender: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case file
            case webhook
            case twilio
        }
        public var name: String
        /// Every key of the table, checked (secrets stay unresolved until a sender is built).
        public var settings: SenderSettings
        /// The line of the `[senders.NAME]` header or key.
        public var line: Int?

        public var kind: Kind { settings.kind }

        public init(name: String, settings: SenderSettings, line: Int? = nil) {
            self.name = name
            self.settings = settings
            self.line = line
        }
    }

    /// The senders when `careline.toml` has no `[senders]` table.
    public static let defaultSenders = [
        "file": Sender(name: "file", settings: .file(FileSettings(path: "sent.jsonl")))
    ]

    /// The defaults, used when there is no `careline.toml`.
    public init(
        file: String? = nil, clinic: Clinic = Clinic(), templatesPath: String = "Templates",
        schedulesPath: String = "Schedules", policy: Policy = Policy(), storePath: String = "careline.sqlite",
        senders: [String: Sender] = Configuration.defaultSenders
    ) {
        self.senders = senders
        self.file = file
        self.clinic = clinic
        self.templatesPath = templatesPath
        self.schedulesPath = schedulesPath
        self.policy = policy
        self.storePath = storePath
    }

    /// The clinic fields as templates see them (`clinic.name`, `clinic.phone`, `clinic.signature`); `nil`
    /// without a configuration file.
    public var clinicFields: ClinicFields? {
        guard file != nil else { return nil }
        var base: [String: String] = [:]
        if let name = clinic.name { base["name"] = name }
        if let phone = clinic.phone { base["phone"] = phone }
        if let signature = clinic.signature { base["signature"] = signature }
        return ClinicFields(base: base, byLanguage: clinic.localized)
    }

    // MARK: - Locating and loading

    /// Where the configuration file is: `explicit` (from `--config`), else `$CARELINE_CONFIG`, else
    /// `./careline.toml` when it exists.
    ///
    /// - Returns: the path, and whether it was asked for explicitly (then a missing file is an error).
    public static func locate(explicit: String?, environment: [String: String]) -> (
        path: String, explicit: Bool
    )? {
        if let explicit, !explicit.isEmpty { return (explicit, true) }
        if let fromEnvironment = environment["CARELINE_CONFIG"], !fromEnvironment.isEmpty {
            return (fromEnvironment, true)
        }
        return FileManager.default.fileExists(atPath: "careline.toml") ? ("careline.toml", false) : nil
    }

    /// Loads the configuration the way every command does: from `locate`, or the defaults when there is none.
    ///
    /// - Throws: ``ConfigurationError``.
    public static func load(explicit: String?, environment: [String: String]) throws(ConfigurationError)
        -> Configuration
    {
        guard let (path, _) = locate(explicit: explicit, environment: environment) else {
            return Configuration()
        }
        return try load(path: path)
    }

    /// Reads and validates one file.
    ///
    /// - Throws: ``ConfigurationError`` naming the file, line and key of the first problem.
    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(
                .notFound, file: path, location: nil, key: nil,
                message: "configuration file not found; create it, or point --config / $CARELINE_CONFIG at it"
            )
        }
        if let bad = SourceLocation.firstInvalidUTF8(in: data) {
            throw ConfigurationError(
                .syntax, file: path, location: bad.location, key: nil,
                message: SourceLocation.notUTF8Message(byte: bad.byte))
        }
        let text = String(decoding: data, as: UTF8.self)
        return try parse(text, file: path)
    }

    /// Parses configuration text; relative paths in it are taken relative to `file`'s folder.
    ///
    /// - Throws: ``ConfigurationError``.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> Configuration {
        let table: TOMLTable
        do throws(TOMLError) {
            table = try TOML.parse(text)
        } catch {
            throw ConfigurationError(
                .syntax, file: file, location: error.location, key: nil, message: error.message)
        }
        let reader = ConfigurationReader(file: file)
        var configuration = Configuration(file: file)
        let folder = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            if path.hasPrefix("/") || folder.isEmpty || folder == "." { return path }
            return (folder as NSString).appendingPathComponent(path)
        }
        configuration.templatesPath = resolve("Templates")
        configuration.schedulesPath = resolve("Schedules")
        configuration.storePath = resolve("careline.sqlite")

        try reader.checkKeys(table, path: "", known: ["clinic", "paths", "policy", "store", "senders"])
        if let clinic = try reader.table(table, "clinic", path: "") {
            try reader.checkKeys(
                clinic, path: "clinic",
                known: ["name", "phone", "signature", "timezone", "region", "locale", "zh", "en"])
            for language in [MessageLanguage.zh, .en] {
                guard let table = try reader.table(clinic, language.rawValue, path: "clinic") else {
                    continue
                }
                let path = "clinic.\(language.rawValue)"
                try reader.checkKeys(table, path: path, known: MessageContext.clinicFields)
                var fields: [String: String] = [:]
                for key in MessageContext.clinicFields {
                    if let value = try reader.string(table, key, path: path) { fields[key] = value }
                }
                configuration.clinic.localized[language] = fields
            }
            configuration.clinic.name = try reader.string(clinic, "name", path: "clinic")
            configuration.clinic.phone = try reader.string(clinic, "phone", path: "clinic")
            configuration.clinic.signature = try reader.string(clinic, "signature", path: "clinic")
            configuration.clinic.timeZone = try reader.timeZone(clinic, "timezone", path: "clinic")
            if let region = try reader.string(clinic, "region", path: "clinic") {
                guard region.count == 2, region.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                    throw reader.invalid(
                        clinic["region"]!, "clinic.region",
                        "must be a two-letter region code such as \"CN\" or \"US\"")
                }
                configuration.clinic.region = region.uppercased()
            }
            if let locale = try reader.string(clinic, "locale", path: "clinic") {
                guard TemplateFileName.isLocale(locale[...]) else {
                    throw reader.invalid(
                        clinic["locale"]!, "clinic.locale", "must be a locale such as \"zh-CN\" or \"en\"")
                }
                configuration.clinic.locale = locale
            }
        }
        if let paths = try reader.table(table, "paths", path: "") {
            try reader.checkKeys(paths, path: "paths", known: ["templates", "schedules"])
            if let templates = try reader.string(paths, "templates", path: "paths") {
                configuration.templatesPath = resolve(templates)
            }
            if let schedules = try reader.string(paths, "schedules", path: "paths") {
                configuration.schedulesPath = resolve(schedules)
            }
        }
        if let policy = try reader.table(table, "policy", path: "") {
            try reader.checkKeys(
                policy, path: "policy",
                known: [
                    "require_signature", "optout_text", "quiet_hours", "max_per_day", "max_per_week",
                    "require_approval", "forbid_self_approval",
                ])
            configuration.policy.requireApproval = try reader.bool(policy, "require_approval", path: "policy")
            configuration.policy.forbidSelfApproval =
                try reader.bool(policy, "forbid_self_approval", path: "policy") ?? false
            configuration.policy.requireSignature =
                try reader.bool(policy, "require_signature", path: "policy") ?? false
            configuration.policy.optoutText = try reader.optoutText(policy)
            if let node = policy["quiet_hours"] {
                switch node.value {
                case .string(let text) where text.isEmpty || text == "none":
                    configuration.policy.quietHours = nil
                case .string(let text):
                    guard let range = TimeRange(parsing: text), range.start != range.end else {
                        throw reader.invalid(
                            node, "policy.quiet_hours",
                            "must be \"HH:MM-HH:MM\" (e.g. \"21:00-08:00\", crossing midnight), or \"none\"")
                    }
                    configuration.policy.quietHours = range
                default:
                    throw reader.invalid(
                        node, "policy.quiet_hours", "must be a string such as \"21:00-08:00\"")
                }
            }
            if let value = try reader.integer(policy, "max_per_day", path: "policy", range: 1...100) {
                configuration.policy.maxPerDay = value
            }
            if let value = try reader.integer(policy, "max_per_week", path: "policy", range: 1...700) {
                configuration.policy.maxPerWeek = value
            }
        }
        if let store = try reader.table(table, "store", path: "") {
            try reader.checkKeys(store, path: "store", known: ["path", "retention"])
            if let path = try reader.string(store, "path", path: "store") {
                guard !path.isEmpty else {
                    throw reader.invalid(store["path"]!, "store.path", "must not be empty")
                }
                configuration.storePath = resolve(path)
            }
            if let node = store["retention"] {
                let message =
                    "must be a retention period above zero such as \"180d\" (a whole number and d, h, m or s); "
                    + "remove the key to keep messages for ever"
                guard case .string(let text) = node.value, let period = RetentionPeriod(text) else {
                    throw reader.invalid(node, "store.retention", message)
                }
                configuration.retention = period
            }
        }
        if let senders = try reader.table(table, "senders", path: "") {
            configuration.senders = try reader.senders(senders)
        } else {
            configuration.senders = [
                "file": Sender(name: "file", settings: .file(FileSettings(path: resolve("sent.jsonl"))))
            ]
        }
        if configuration.policy.requireSignature, configuration.clinic.signature == nil {
            throw ConfigurationError(
                .invalidValue, file: file, location: table["policy"]?.keyLocation,
                key: "policy.require_signature",
                message: "is true but [clinic] signature is not set; add signature = \"【…】\" under [clinic]")
        }
        return configuration
    }
}

/// Typed access to TOML tables with errors that name the file, line and dotted key.
struct ConfigurationReader {
    let file: String

    func invalid(_ node: TOMLNode, _ key: String, _ message: String) -> ConfigurationError {
        ConfigurationError(.invalidValue, file: file, location: node.location, key: key, message: message)
    }

    private func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func checkKeys(_ table: TOMLTable, path: String, known: [String]) throws(ConfigurationError) {
        for (key, node) in table.entries where !known.contains(key) {
            let hint =
                Suggestion.closest(to: key, in: known).map { " — did you mean \(join(path, $0))?" } ?? ""
            throw ConfigurationError(
                .unknownKey, file: file, location: node.keyLocation, key: join(path, key),
                message: "unknown key\(hint) (known here: \(known.joined(separator: ", ")))")
        }
    }

    func table(_ table: TOMLTable, _ key: String, path: String) throws(ConfigurationError) -> TOMLTable? {
        guard let node = table[key] else { return nil }
        guard case .table(let value) = node.value else {
            throw invalid(
                node, join(path, key), "must be a table ([\(join(path, key))]), not a \(node.value.typeName)")
        }
        return value
    }

    func string(_ table: TOMLTable, _ key: String, path: String) throws(ConfigurationError) -> String? {
        guard let node = table[key] else { return nil }
        guard case .string(let value) = node.value else {
            throw invalid(node, join(path, key), "must be a string in quotes, not a \(node.value.typeName)")
        }
        return value
    }

    func bool(_ table: TOMLTable, _ key: String, path: String) throws(ConfigurationError) -> Bool? {
        guard let node = table[key] else { return nil }
        guard case .boolean(let value) = node.value else {
            throw invalid(node, join(path, key), "must be true or false, not a \(node.value.typeName)")
        }
        return value
    }

    func optoutText(_ table: TOMLTable) throws(ConfigurationError) -> [MessageLanguage?: String] {
        guard let node = table["optout_text"] else { return [:] }
        switch node.value {
        case .string(let text):
            return [nil: text]
        case .table(let byLanguage):
            var result: [MessageLanguage?: String] = [:]
            for (key, entry) in byLanguage.entries {
                guard let language = MessageLanguage(rawValue: key) else {
                    throw ConfigurationError(
                        .unknownKey, file: file, location: entry.keyLocation,
                        key: "policy.optout_text.\(key)",
                        message: "unknown language; use zh or en")
                }
                guard case .string(let text) = entry.value else {
                    throw invalid(entry, "policy.optout_text.\(key)", "must be a string")
                }
                result[language] = text
            }
            return result
        default:
            throw invalid(
                node, "policy.optout_text",
                "must be a string, or a table such as { zh = \"回T退订\", en = \"Reply STOP to opt out\" }")
        }
    }

    func integer(_ table: TOMLTable, _ key: String, path: String, range: ClosedRange<Int>)
        throws(ConfigurationError)
        -> Int?
    {
        guard let node = table[key] else { return nil }
        guard case .integer(let value) = node.value, let number = Int(exactly: value), range.contains(number)
        else {
            throw invalid(
                node, join(path, key),
                "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// `[senders.NAME]` tables: each has a `kind` and only the keys of that kind, every value checked.
    func senders(_ table: TOMLTable) throws(ConfigurationError) -> [String: Configuration.Sender] {
        var result: [String: Configuration.Sender] = [:]
        for (name, node) in table.entries {
            let path = "senders.\(name)"
            guard case .table(let sender) = node.value else {
                throw invalid(node, path, "must be a table ([\(path)]) with a kind, e.g. kind = \"file\"")
            }
            let settings = try SenderSettings.parse(name: name, table: sender, file: file)
            result[name] = Configuration.Sender(name: name, settings: settings, line: node.keyLocation.line)
        }
        return result
    }

    func timeZone(_ table: TOMLTable, _ key: String, path: String) throws(ConfigurationError) -> TimeZone? {
        guard let name = try string(table, key, path: path) else { return nil }
        guard let zone = TimeZone(identifier: name), name.contains("/") || name == "UTC" else {
            let hint =
                Suggestion.closest(to: name, in: TimeZone.knownTimeZoneIdentifiers).map {
                    " — did you mean \($0)?"
                } ?? ""
            throw invalid(
                table[key]!, join(path, key),
                "unknown time zone \"\(name)\"\(hint); use an IANA name such as \"Asia/Shanghai\"")
        }
        return zone
    }
}
