import Foundation

/// What `careline config check` found on the machine for one configuration: the templates, the campaign files,
/// the secrets, the folders careline writes into.
///
/// Gathered once by ``gather(configuration:environment:now:)`` (which reads the file system and the
/// environment) and then judged by ``ConfigCheck`` without any I/O, so the judging is tested with facts made
/// up in the test. No secret value is ever kept here: a secret is resolved, checked and dropped.
public struct ConfigCheckFacts: Sendable, Equatable {
    /// What `templates check` found in `[paths] templates`.
    public enum Templates: Sendable, Equatable {
        /// The folder cannot be read (missing, not a folder): the library error's text.
        case unreadable(String)
        /// The checker ran.
        case checked(TemplateSummary)
    }

    /// The outcome of `careline templates check` over the templates folder.
    public struct TemplateSummary: Sendable, Equatable {
        /// The templates folder.
        public var directory: String
        /// The template names (`recheck-reminder`), for checking what campaigns refer to.
        public var names: [String]
        /// How many templates were checked.
        public var templates: Int
        /// How many partials were checked.
        public var partials: Int
        /// The error diagnostics (`file:line:column: message`), in order.
        public var errors: [String]
        /// How many warnings there were.
        public var warnings: Int

        /// Creates a summary.
        public init(
            directory: String, names: [String], templates: Int, partials: Int, errors: [String], warnings: Int
        ) {
            self.directory = directory
            self.names = names
            self.templates = templates
            self.partials = partials
            self.errors = errors
            self.warnings = warnings
        }
    }

    /// What was found in `[paths] schedules`.
    public enum Schedules: Sendable, Equatable {
        /// There is no such folder.
        case missing(String)
        /// Each `*.toml` file of the folder, in name order: its campaign, or the first problem in it.
        case files(directory: String, [CampaignFact])
    }

    /// One campaign file: parsed, or why not.
    public enum CampaignFact: Sendable, Equatable {
        /// The file parsed.
        case loaded(Campaign)
        /// The file's first problem, naming file, line and key.
        case failed(file: String, error: ConfigurationError)
    }

    /// Whether one secret (`env:NAME`, `file:PATH`, literal) resolves, and how it is stored.
    public struct SecretFact: Sendable, Equatable {
        /// Where the value comes from (``Secret/description``: never the value).
        public var source: String
        /// Why it does not resolve or is malformed, or `nil` when it is usable.
        public var problem: ConfigurationError?
        /// For `file:PATH`: the file's permission bits, when it exists.
        public var fileMode: Int?
        /// Whether the value is written in `careline.toml` itself.
        public var isLiteral: Bool

        /// Creates a fact.
        public init(
            source: String, problem: ConfigurationError?, fileMode: Int? = nil, isLiteral: Bool = false
        ) {
            self.source = source
            self.problem = problem
            self.fileMode = fileMode
            self.isLiteral = isLiteral
        }
    }

    /// Whether careline can create and write files in a folder, and whether one file in it exists.
    public struct PathFact: Sendable, Equatable {
        /// The file careline writes (the database, a file sender's JSON lines).
        public var path: String
        /// Whether its folder exists (and is a folder).
        public var folderExists: Bool
        /// Whether this user may create files in the folder.
        public var folderWritable: Bool
        /// Whether the file exists.
        public var fileExists: Bool
        /// Whether this user may write the file (`true` when it does not exist yet).
        public var fileWritable: Bool

        /// Creates a fact.
        public init(
            path: String, folderExists: Bool, folderWritable: Bool, fileExists: Bool, fileWritable: Bool
        ) {
            self.path = path
            self.folderExists = folderExists
            self.folderWritable = folderWritable
            self.fileExists = fileExists
            self.fileWritable = fileWritable
        }

        /// The folder the file is in (`.` for a bare name).
        public var folder: String {
            let folder = (path as NSString).deletingLastPathComponent
            return folder.isEmpty ? "." : folder
        }

        /// Looks at `path` and its folder.
        ///
        /// - Parameter path: The file.
        /// - Returns: What the file system says, as this user.
        public static func inspect(_ path: String) -> PathFact {
            let folder = (path as NSString).deletingLastPathComponent
            let directory = folder.isEmpty ? "." : folder
            var isDirectory: ObjCBool = false
            let folderExists =
                FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
                && isDirectory.boolValue
            let fileExists = FileManager.default.fileExists(atPath: path)
            return PathFact(
                path: path, folderExists: folderExists,
                folderWritable: folderExists && FileManager.default.isWritableFile(atPath: directory),
                fileExists: fileExists,
                fileWritable: !fileExists || FileManager.default.isWritableFile(atPath: path))
        }
    }

    /// The templates.
    public var templates: Templates
    /// The campaign files.
    public var schedules: Schedules
    /// Each secret by its dotted key (`senders.hook.secret`).
    public var secrets: [String: SecretFact]
    /// The database file.
    public var store: PathFact
    /// Each file sender's output file, by sender name.
    public var fileSenders: [String: PathFact]

    /// Creates facts.
    public init(
        templates: Templates, schedules: Schedules, secrets: [String: SecretFact], store: PathFact,
        fileSenders: [String: PathFact]
    ) {
        self.templates = templates
        self.schedules = schedules
        self.secrets = secrets
        self.store = store
        self.fileSenders = fileSenders
    }

    /// Looks at everything the configuration names: runs the template checker, parses every campaign file,
    /// resolves every secret (and drops the value at once), and looks at the folders careline writes into.
    ///
    /// Reads only: nothing is created or changed.
    ///
    /// - Parameters:
    ///   - configuration: The loaded configuration.
    ///   - environment: Where `env:NAME` secrets are read.
    ///   - now: The instant the template checker renders samples for.
    /// - Returns: The facts.
    public static func gather(configuration: Configuration, environment: [String: String], now: Date)
        -> ConfigCheckFacts
    {
        let templates: Templates
        do throws(TemplateError) {
            let library = try TemplateLibrary(directory: configuration.templatesPath)
            let report = TemplateChecker(configuration: configuration, now: now).check(library)
            templates = .checked(
                TemplateSummary(
                    directory: library.directory, names: library.names, templates: report.templatesChecked,
                    partials: report.partialsChecked,
                    errors: report.diagnostics.filter { $0.severity == .error }.map(\.description),
                    warnings: report.warningCount))
        } catch {
            templates = .unreadable(error.description)
        }

        var isDirectory: ObjCBool = false
        let schedules: Schedules
        if FileManager.default.fileExists(atPath: configuration.schedulesPath, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            let names =
                (try? FileManager.default.contentsOfDirectory(atPath: configuration.schedulesPath)) ?? []
            let files = names.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            schedules = .files(
                directory: configuration.schedulesPath,
                files.map { name in
                    let path = (configuration.schedulesPath as NSString).appendingPathComponent(name)
                    do throws(ConfigurationError) {
                        return .loaded(try CampaignFile.load(path: path))
                    } catch {
                        return .failed(file: path, error: error)
                    }
                })
        } else {
            schedules = .missing(configuration.schedulesPath)
        }

        var secrets: [String: SecretFact] = [:]
        var fileSenders: [String: PathFact] = [:]
        for sender in configuration.senders.values {
            switch sender.settings {
            case .file(let settings):
                fileSenders[sender.name] = PathFact.inspect(settings.path)
            case .webhook(let settings):
                secrets[settings.secret.key] = inspect(settings.secret, environment: environment) {
                    resolved throws(ConfigurationError) in _ = try settings.signingKey(resolved: resolved)
                }
            case .twilio(let settings):
                secrets[settings.authToken.key] = inspect(settings.authToken, environment: environment) { _ in
                }
            }
        }
        return ConfigCheckFacts(
            templates: templates, schedules: schedules, secrets: secrets,
            store: PathFact.inspect(configuration.storePath), fileSenders: fileSenders)
    }

    /// Resolves `secret`, runs `validate` on the value, and keeps only whether that worked.
    private static func inspect(
        _ secret: Secret, environment: [String: String],
        validate: (String) throws(ConfigurationError) -> Void
    ) -> SecretFact {
        var problem: ConfigurationError?
        do throws(ConfigurationError) {
            try validate(try secret.resolve(environment: environment))
        } catch {
            problem = error
        }
        var mode: Int?
        var literal = false
        switch secret.source {
        case .file(let path):
            if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let permissions = attributes[.posixPermissions] as? NSNumber
            {
                mode = permissions.intValue & 0o7777
            }
        case .literal:
            literal = true
        case .environment:
            break
        }
        return SecretFact(source: secret.description, problem: problem, fileMode: mode, isLiteral: literal)
    }
}
