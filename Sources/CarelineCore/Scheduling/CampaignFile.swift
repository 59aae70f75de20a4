import Foundation

/// Reads campaign files, `Schedules/<name>.toml`, into ``Campaign`` values.
///
/// Parsed with careline's own TOML parser, like `careline.toml`, so every problem is reported as
/// `Schedules/x.toml:7:10: window.hours[0]: "25:00-26:00" is not a time range; …`: the file, the line and
/// column, the key as a path, what is wrong and what to write instead. Unknown keys are errors (a typo would
/// otherwise silently fall back to a default) with a "did you mean" where one is close.
///
/// Sender names are not checked against `careline.toml` here: that needs the configuration and is done
/// where both are loaded.
public enum CampaignFile {
    /// The keys allowed at the top of a campaign file.
    static let topKeys = [
        "template", "senders", "kind", "require_approval", "description", "trigger", "audience", "window",
        "limits",
    ]
    static let triggerKeys = ["field", "offsets", "at"]
    static let audienceKeys = ["tags", "exclude_tags", "require", "where"]
    static let windowKeys = ["hours", "days", "timezone", "skip_dates"]
    static let limitsKeys = ["expire_after", "dedupe"]

    /// Reads and parses one campaign file.
    ///
    /// - Parameter path: The file, e.g. `Schedules/recheck-reminder.toml`; the campaign is named after its stem.
    /// - Returns: The campaign.
    /// - Throws: ``ConfigurationError`` with code `notFound` when the file does not exist, `syntax` when it
    ///   is not UTF-8 or not TOML, else `unknownKey`, `missingKey` or `invalidValue` naming the key and line.
    public static func load(path: String) throws(ConfigurationError) -> Campaign {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(
                .notFound, file: path, location: nil, key: nil,
                message: "campaign file not found; check the name, or create it in the schedules folder")
        }
        if let bad = SourceLocation.firstInvalidUTF8(in: data) {
            throw ConfigurationError(
                .syntax, file: path, location: bad.location, key: nil,
                message: SourceLocation.notUTF8Message(byte: bad.byte))
        }
        let text = String(decoding: data, as: UTF8.self)
        return try parse(text, file: path)
    }

    /// Reads every `*.toml` file in a folder (not its subfolders; hidden files are skipped).
    ///
    /// - Parameter directory: The schedules folder, e.g. `Schedules`.
    /// - Returns: The campaigns sorted by name.
    /// - Throws: ``ConfigurationError``: `notFound` when the folder does not exist, else the first file's
    ///   first problem (files are read in name order).
    public static func loadAll(directory: String) throws(ConfigurationError) -> [Campaign] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
            isDirectory.boolValue,
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory)
        else {
            throw ConfigurationError(
                .notFound, file: directory, location: nil, key: nil,
                message: "schedules folder not found; create it, or set [paths] schedules in careline.toml")
        }
        let files = names.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var campaigns: [Campaign] = []
        for name in files {
            let path = (directory as NSString).appendingPathComponent(name)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                continue
            }
            campaigns.append(try load(path: path))
        }
        return campaigns
    }

    /// Parses the text of a campaign file.
    ///
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - file: Its path, used in errors; the campaign's name is the path's stem.
    /// - Returns: The campaign, with defaults for the keys left out.
    /// - Throws: ``ConfigurationError`` for the first problem: `syntax` (not TOML), `unknownKey`,
    ///   `missingKey` or `invalidValue`.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> Campaign {
        let root: TOMLTable
        do throws(TOMLError) {
            root = try TOML.parse(text)
        } catch {
            throw ConfigurationError(
                .syntax, file: file, location: error.location, key: nil, message: error.message)
        }
        let reader = CampaignReader(file: file)
        try reader.checkKeys(root, path: "", known: topKeys)
        // A top-level key written below a table header (`senders` after `[trigger]`) is reported as misplaced
        // before a required key is reported missing: it is there, just in the wrong place.
        for name in ["trigger", "audience", "window", "limits"] {
            if case .table(let table)? = root[name]?.value { try reader.checkMisplaced(table, path: name) }
        }

        let template = try reader.template(root)
        let senders = try reader.senders(root)
        let kind = try reader.kind(root)
        let requireApproval = try reader.bool(root, "require_approval", path: "")
        let description = try reader.string(root, "description", path: "")
        let trigger = try reader.trigger(root)

        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var campaign = Campaign(
            name: stem, file: file, template: template, senders: senders, kind: kind,
            requireApproval: requireApproval, description: description, trigger: trigger)
        campaign.source = text

        if let audience = try reader.table(root, "audience", path: "") {
            campaign.audience = try reader.audience(audience)
        }
        if let window = try reader.table(root, "window", path: "") {
            try reader.checkKeys(window, path: "window", known: windowKeys)
            if let hours = try reader.hours(window) { campaign.hours = hours }
            if let days = try reader.days(window) { campaign.days = days }
            if let zone = try reader.windowZone(window) { campaign.windowZone = zone }
            campaign.skipDates = try reader.skipDates(window)
        }
        if let limits = try reader.table(root, "limits", path: "") {
            try reader.checkKeys(limits, path: "limits", known: limitsKeys)
            if let days = try reader.expireAfter(limits) { campaign.expireAfterDays = days }
            if let dedupe = try reader.dedupe(limits) { campaign.dedupe = dedupe }
        }
        return campaign
    }
}

extension ConfigurationError.Code {
    /// A required key is not in the file.
    public static let missingKey = ConfigurationError.Code("missing-key")
}

/// Typed access to the tables of one campaign file; every error names the file, the key path and the line.
private struct CampaignReader {
    let file: String
    let base: ConfigurationReader

    init(file: String) {
        self.file = file
        self.base = ConfigurationReader(file: file)
    }

    // MARK: - Errors

    func invalid(_ location: SourceLocation?, _ key: String, _ message: String) -> ConfigurationError {
        ConfigurationError(.invalidValue, file: file, location: location, key: key, message: message)
    }

    func missing(_ location: SourceLocation?, _ key: String, _ message: String) -> ConfigurationError {
        ConfigurationError(.missingKey, file: file, location: location, key: key, message: message)
    }

    /// `a string`, `an integer`, `an array`: the value's type for messages.
    func typeName(_ value: TOMLValue) -> String {
        let name = value.typeName
        return (name.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + name
    }

    private func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: - Generic values

    /// Rejects keys not in `known`; a top-level key written below a table header gets a hint to move it.
    func checkKeys(_ table: TOMLTable, path: String, known: [String]) throws(ConfigurationError) {
        try checkMisplaced(table, path: path, known: known)
        try base.checkKeys(table, path: path, known: known)
    }

    /// Rejects a top-level key (`template`, `senders`, …) written inside the table at `path`, with a hint to
    /// move it.
    ///
    /// - Parameter known: The keys the table itself allows (none of a campaign file's tables allows a
    ///   top-level key's name; `known` keeps the top level itself from being flagged).
    func checkMisplaced(_ table: TOMLTable, path: String, known: [String] = []) throws(ConfigurationError) {
        for (key, node) in table.entries where !known.contains(key) && CampaignFile.topKeys.contains(key) {
            throw ConfigurationError(
                .unknownKey, file: file, location: node.keyLocation, key: join(path, key),
                message: "unknown key here; \(key) belongs at the top of the file, above [\(path)]")
        }
    }

    /// A boolean, or `nil` when the key is absent.
    func bool(_ table: TOMLTable, _ key: String, path: String) throws(ConfigurationError) -> Bool? {
        guard let node = table[key] else { return nil }
        guard case .boolean(let value) = node.value else {
            let quoted = ["true", "false"].contains(node.value.stringValue) ? " (without quotes)" : ""
            throw invalid(
                node.location, join(path, key), "must be true or false\(quoted), not \(typeName(node.value))")
        }
        return value
    }

    /// A table, or `nil` when the key is absent.
    func table(_ table: TOMLTable, _ key: String, path: String) throws(ConfigurationError) -> TOMLTable? {
        guard let node = table[key] else { return nil }
        guard case .table(let value) = node.value else {
            let keyPath = join(path, key)
            throw invalid(
                node.location, keyPath, "must be a table ([\(keyPath)]), not \(typeName(node.value))")
        }
        return value
    }

    /// A string value, or `nil` when the key is absent.
    func string(_ table: TOMLTable, _ key: String, path: String) throws(ConfigurationError) -> String? {
        guard let node = table[key] else { return nil }
        guard case .string(let value) = node.value else {
            throw invalid(
                node.location, join(path, key), "must be a string in quotes, not \(typeName(node.value))")
        }
        return value
    }

    /// The elements of a list of strings with their nodes, or `nil` when the key is absent.
    ///
    /// - Parameter example: What a correct list looks like, for the message when it is not a list.
    func strings(_ table: TOMLTable, _ key: String, path: String, example: String) throws(ConfigurationError)
        -> [(text: String, node: TOMLNode, key: String)]?
    {
        guard let node = table[key] else { return nil }
        let keyPath = join(path, key)
        guard case .array(let elements) = node.value else {
            let quoted = node.value.stringValue.map { " (write [\"\($0)\"] for one)" } ?? ""
            throw invalid(
                node.location, keyPath,
                "must be a list such as \(example), not \(typeName(node.value))\(quoted)")
        }
        var result: [(text: String, node: TOMLNode, key: String)] = []
        for (index, element) in elements.enumerated() {
            let elementKey = "\(keyPath)[\(index)]"
            guard case .string(let text) = element.value else {
                throw invalid(
                    element.location, elementKey,
                    "must be a string in quotes, not \(typeName(element.value)); e.g. \(example)")
            }
            result.append((text, element, elementKey))
        }
        return result
    }

    /// A local date written as a TOML date (`2026-12-01`) or a string (`"2026-12-01"`).
    func date(_ node: TOMLNode, _ key: String) throws(ConfigurationError) -> LocalDate {
        switch node.value {
        case .string(let text):
            guard let date = LocalDate(iso: text) else {
                throw invalid(
                    node.location, key, "\"\(text)\" is not a date; write YYYY-MM-DD, e.g. 2026-12-01")
            }
            return date
        case .dateTime(let value) where value.kind == .localDate:
            guard let year = value.year, let month = value.month, let day = value.day,
                let date = LocalDate(year: year, month: month, day: day)
            else {
                throw invalid(node.location, key, "\(value) is out of range; use a year from 0001 to 9999")
            }
            return date
        case .dateTime(let value):
            throw invalid(
                node.location, key, "\(value) has a time; write the date alone, e.g. 2026-12-01")
        default:
            throw invalid(
                node.location, key, "must be a date such as 2026-12-01, not \(typeName(node.value))")
        }
    }

    /// Checks a patient field name (a column of the patients file): letters, digits, `_` and `-`.
    func fieldName(_ text: String, at location: SourceLocation, key: String) throws(ConfigurationError) {
        if text.hasPrefix("patient.") {
            let column = text.dropFirst("patient.".count)
            throw invalid(
                location, key,
                "\"\(text)\": write the column name without \"patient.\", e.g. \"\(column)\"")
        }
        let allowed = { (scalar: Unicode.Scalar) in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_" || scalar == "-"
        }
        guard !text.isEmpty, text.unicodeScalars.allSatisfy(allowed) else {
            throw invalid(
                location, key,
                "\"\(text)\" is not a field name; write a column of the patients file, e.g. \"recheck_date\"")
        }
    }

    // MARK: - Top level

    func template(_ root: TOMLTable) throws(ConfigurationError) -> String {
        guard let name = try string(root, "template", path: "") else {
            throw missing(
                nil, "template",
                "is required; add template = \"<name>\" for Templates/<name>.<locale>.mustache")
        }
        let node = root["template"]
        var suggestion: String?
        if name.hasSuffix(".mustache") {
            suggestion = TemplateFileName((name as NSString).lastPathComponent)?.name
        } else if let parts = TemplateFileName(name + ".mustache"), parts.locale != nil {
            suggestion = parts.name
        }
        let valid =
            !name.isEmpty && suggestion == nil
            && !name.unicodeScalars.contains { $0 == "/" || $0 == "\\" || $0.properties.isWhitespace }
        guard valid else {
            let hint =
                suggestion.map { "write \"\($0)\"" } ?? "write the name alone, e.g. \"recheck-reminder\""
            throw invalid(
                node?.location, "template",
                "\"\(name)\" is not a template name; \(hint) (for Templates/<name>.<locale>.mustache)")
        }
        return name
    }

    func senders(_ root: TOMLTable) throws(ConfigurationError) -> [String] {
        guard let list = try strings(root, "senders", path: "", example: "[\"sms\", \"file\"]") else {
            throw missing(
                nil, "senders",
                "is required; list sender names from careline.toml in fallback order, e.g. senders = [\"sms\"]"
            )
        }
        guard !list.isEmpty else {
            throw invalid(
                root["senders"]?.location, "senders", "must name at least one sender from careline.toml")
        }
        var seen: [String] = []
        for element in list {
            guard !element.text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw invalid(
                    element.node.location, element.key, "is empty; write a sender name from careline.toml")
            }
            guard !seen.contains(element.text) else {
                throw invalid(
                    element.node.location, element.key,
                    "\"\(element.text)\" is listed twice; name each sender once, in fallback order")
            }
            seen.append(element.text)
        }
        return seen
    }

    func kind(_ root: TOMLTable) throws(ConfigurationError) -> MessageKind {
        let names = MessageKind.allCases.map(\.rawValue)
        let choices = "reminder, care, follow-up or promotional"
        guard let text = try string(root, "kind", path: "") else {
            throw missing(
                nil, "kind", "is required; add kind = \"reminder\" (or care, follow-up, promotional)")
        }
        guard let kind = MessageKind(rawValue: text) else {
            let hint = Suggestion.closest(to: text, in: names).map { " — did you mean \($0)?" } ?? ""
            throw invalid(
                root["kind"]?.location, "kind", "\"\(text)\" is not a message kind\(hint); use \(choices)")
        }
        return kind
    }

    // MARK: - [trigger]

    func trigger(_ root: TOMLTable) throws(ConfigurationError) -> Campaign.Trigger {
        let either = "field + offsets (steps relative to a date field) or at (a one-off date)"
        guard let table = try self.table(root, "trigger", path: "") else {
            throw missing(nil, "trigger", "is required; add [trigger] with \(either)")
        }
        try checkKeys(table, path: "trigger", known: CampaignFile.triggerKeys)
        if let at = table["at"] {
            if table["offsets"] != nil || table["field"] != nil {
                let name = table["offsets"] != nil ? "offsets" : "field"
                throw invalid(
                    at.keyLocation, "trigger.at",
                    "cannot be combined with trigger.\(name): use at for a one-off broadcast, or field + offsets "
                        + "for steps relative to a date field, not both")
            }
            return .at(try date(at, "trigger.at"))
        }
        guard table["field"] != nil || table["offsets"] != nil else {
            throw missing(table.location, "trigger", "is empty; give \(either)")
        }
        guard let field = try string(table, "field", path: "trigger") else {
            throw missing(
                table["offsets"]?.keyLocation, "trigger.field",
                "is required with offsets; name the date field, e.g. field = \"recheck_date\"")
        }
        if let node = table["field"] { try fieldName(field, at: node.location, key: "trigger.field") }
        guard let list = try strings(table, "offsets", path: "trigger", example: "[\"-3d\", \"-1d\"]") else {
            throw missing(
                table["field"]?.keyLocation, "trigger.offsets",
                "is required with field; add offsets such as [\"-3d\", \"-1d\"] (days or weeks, - = before)")
        }
        guard !list.isEmpty else {
            throw invalid(
                table["offsets"]?.location, "trigger.offsets",
                "must list at least one offset, e.g. [\"-3d\", \"-1d\"]")
        }
        var steps: [StepOffset] = []
        for element in list {
            guard let step = StepOffset(parsing: element.text) else {
                throw invalid(element.node.location, element.key, offsetProblem(element.text))
            }
            if let earlier = steps.first(where: { $0.days == step.days }) {
                let same =
                    earlier.text == step.text ? "" : " (\"\(earlier.text)\" is the same: \(step.phrase))"
                throw invalid(
                    element.node.location, element.key,
                    "\"\(element.text)\" is listed twice\(same); give each offset once")
            }
            steps.append(step)
        }
        return .offsets(field: field, steps: steps)
    }

    /// Says what is wrong with an offset that does not parse.
    func offsetProblem(_ text: String) -> String {
        var unsigned = Substring(text)
        if unsigned.first == "-" || unsigned.first == "+" { unsigned = unsigned.dropFirst() }
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        if !unsigned.isEmpty, unsigned.allSatisfy(isDigit) {
            return "\"\(text)\" has no unit; add d (days) or w (weeks), e.g. \"\(text)d\""
        }
        if let unit = unsigned.last, unit == "d" || unit == "w", unsigned.count > 1,
            unsigned.dropLast().allSatisfy(isDigit)
        {
            return "\"\(text)\" is too far; offsets reach at most \(StepOffset.maximumDays) days either way"
        }
        return "\"\(text)\" is not an offset; write one step: an optional sign, a whole number and d (days) "
            + "or w (weeks), e.g. \"-3d\", \"+2d\" or \"-1w\""
    }

    // MARK: - [audience]

    func audience(_ table: TOMLTable) throws(ConfigurationError) -> Campaign.Audience {
        try checkKeys(table, path: "audience", known: CampaignFile.audienceKeys)
        var audience = Campaign.Audience()
        audience.tags = try tags(table, "tags")
        audience.excludeTags = try tags(table, "exclude_tags")
        for (index, tag) in audience.excludeTags.enumerated() where audience.tags.contains(tag) {
            throw invalid(
                table["exclude_tags"]?.value.arrayValue?[index].location, "audience.exclude_tags[\(index)]",
                "\"\(tag)\" is also in audience.tags, so no patient could match; remove it from one of them")
        }
        for element in try strings(table, "require", path: "audience", example: "[\"recheck_date\"]") ?? [] {
            try fieldName(element.text, at: element.node.location, key: element.key)
            audience.require.append(element.text)
        }
        if let node = table["where"] {
            guard case .table(let filters) = node.value else {
                throw invalid(
                    node.location, "audience.where",
                    "must be a table such as { complaint_status = \"resolved\" }, not \(typeName(node.value))"
                )
            }
            for (field, entry) in filters.entries {
                let key = "audience.where.\(field)"
                try fieldName(field, at: entry.keyLocation, key: key)
                guard case .string(let value) = entry.value else {
                    let quoted =
                        switch entry.value {
                        case .integer(let number): "\(number)"
                        case .boolean(let flag): "\(flag)"
                        case .dateTime(let date): "\(date)"
                        default: "…"
                        }
                    throw invalid(
                        entry.location, key,
                        "must be a string in quotes, not \(typeName(entry.value)); write \(field) = \"\(quoted)\""
                    )
                }
                audience.whereEquals[field] = value
            }
        }
        return audience
    }

    func tags(_ table: TOMLTable, _ key: String) throws(ConfigurationError) -> [String] {
        var tags: [String] = []
        for element in try strings(table, key, path: "audience", example: "[\"cataract\"]") ?? [] {
            let tag = element.text
            guard !tag.trimmingCharacters(in: .whitespaces).isEmpty, !tag.contains(";") else {
                throw invalid(
                    element.node.location, element.key,
                    "\"\(tag)\" is not a tag; write one tag per string, e.g. [\"cataract\", \"elderly\"]")
            }
            tags.append(tag)
        }
        return tags
    }

    // MARK: - [window]

    func hours(_ table: TOMLTable) throws(ConfigurationError) -> [TimeRange]? {
        guard let list = try strings(table, "hours", path: "window", example: "[\"19:00-21:00\"]") else {
            return nil
        }
        guard !list.isEmpty else {
            throw invalid(
                table["hours"]?.location, "window.hours",
                "must list at least one range such as \"19:00-21:00\" (leave the key out for 19:00-21:00)")
        }
        var ranges: [TimeRange] = []
        for element in list {
            guard let range = TimeRange(parsing: element.text) else {
                throw invalid(
                    element.node.location, element.key,
                    "\"\(element.text)\" is not a time range; write HH:MM-HH:MM with hours 00–23 and minutes "
                        + "00–59, e.g. \"19:00-21:00\" (\"21:30-07:30\" crosses midnight)")
            }
            guard range.start != range.end else {
                throw invalid(
                    element.node.location, element.key,
                    "\"\(element.text)\" starts and ends at \(range.start), so it is empty; give a range "
                        + "such as \"19:00-21:00\"")
            }
            ranges.append(range)
        }
        return ranges
    }

    func days(_ table: TOMLTable) throws(ConfigurationError) -> Set<Weekday>? {
        let example = "[\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]"
        guard let list = try strings(table, "days", path: "window", example: example) else { return nil }
        guard !list.isEmpty else {
            throw invalid(
                table["days"]?.location, "window.days",
                "must list at least one day such as \"mon\" (leave the key out for every day)")
        }
        var days: Set<Weekday> = []
        for element in list {
            guard let day = Weekday(parsing: element.text) else {
                let names = Weekday.allCases.map(\.abbreviation)
                let hint =
                    Suggestion.closest(to: element.text, in: names + Weekday.allCases.map(\.fullName)).map {
                        " — did you mean \($0)?"
                    } ?? ""
                throw invalid(
                    element.node.location, element.key,
                    "\"\(element.text)\" is not a day\(hint); use \(names.joined(separator: ", "))")
            }
            guard days.insert(day).inserted else {
                throw invalid(
                    element.node.location, element.key,
                    "\"\(element.text)\" is listed twice; give each day once")
            }
        }
        return days
    }

    func windowZone(_ table: TOMLTable) throws(ConfigurationError) -> Campaign.WindowZone? {
        guard let name = try string(table, "timezone", path: "window") else { return nil }
        if name == "patient" { return .patient }
        guard let zone = TimeZone(identifier: name), name.contains("/") || name == "UTC" else {
            let hint =
                Suggestion.closest(
                    to: name,
                    in: ["patient", "UTC"] + TimeZone.knownTimeZoneIdentifiers.filter { $0.contains("/") }
                ).map {
                    " — did you mean \($0)?"
                } ?? ""
            throw invalid(
                table["timezone"]?.location, "window.timezone",
                "unknown time zone \"\(name)\"\(hint); use \"patient\" (each patient's zone) or an IANA name "
                    + "such as \"Asia/Shanghai\"")
        }
        return .fixed(zone)
    }

    func skipDates(_ table: TOMLTable) throws(ConfigurationError) -> Set<LocalDate> {
        guard let node = table["skip_dates"] else { return [] }
        guard case .array(let elements) = node.value else {
            throw invalid(
                node.location, "window.skip_dates",
                "must be a list of dates such as [\"2027-02-17\"], not \(typeName(node.value))")
        }
        var dates: Set<LocalDate> = []
        for (index, element) in elements.enumerated() {
            dates.insert(try date(element, "window.skip_dates[\(index)]"))
        }
        return dates
    }

    // MARK: - [limits]

    func expireAfter(_ table: TOMLTable) throws(ConfigurationError) -> Int? {
        guard let node = table["expire_after"] else { return nil }
        guard case .string(let text) = node.value else {
            let hint = node.value.integerValue.map { " (write \"\($0)d\" for \($0) days)" } ?? ""
            throw invalid(
                node.location, "limits.expire_after",
                "must be a string such as \"2d\" or \"1w\", not \(typeName(node.value))\(hint)")
        }
        guard let step = StepOffset(parsing: text) else {
            throw invalid(
                node.location, "limits.expire_after",
                "\"\(text)\" is not a duration; write days or weeks such as \"0d\", \"2d\" or \"1w\"")
        }
        guard step.days >= 0 else {
            throw invalid(
                node.location, "limits.expire_after",
                "\"\(text)\" is negative; write how many days a message may be late, e.g. \"2d\" (\"0d\": same day only)"
            )
        }
        return step.days
    }

    func dedupe(_ table: TOMLTable) throws(ConfigurationError) -> Campaign.Dedupe? {
        guard let text = try string(table, "dedupe", path: "limits") else { return nil }
        guard let dedupe = Campaign.Dedupe(rawValue: text) else {
            let hint =
                Suggestion.closest(to: text, in: ["patient", "phone"]).map { " — did you mean \($0)?" } ?? ""
            throw invalid(
                table["dedupe"]?.location, "limits.dedupe",
                "\"\(text)\" is not a dedupe mode\(hint); use \"patient\" (once per patient) or \"phone\" "
                    + "(once per phone number)")
        }
        return dedupe
    }
}
