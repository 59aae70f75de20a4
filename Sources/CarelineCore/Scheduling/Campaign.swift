import Foundation

/// One step of a campaign relative to a date field: `-3d` is three days before it, `+1w` a week after.
///
/// Kept with the text as written so plans and errors can show the user's own spelling.
public struct StepOffset: Sendable, Hashable, CustomStringConvertible {
    /// Days after the field's date; negative is before it (`-1w` is -7).
    public var days: Int
    /// The offset as written in the schedule, e.g. `"-3d"`.
    public var text: String

    /// The largest offset, in days, a schedule may use either way (about ten years).
    public static let maximumDays = 3660

    /// Creates an offset from its parts, without checking that they agree.
    ///
    /// - Parameters:
    ///   - days: Days after the field's date; negative is before it.
    ///   - text: How it is written, e.g. `"-3d"`.
    public init(days: Int, text: String) {
        self.days = days
        self.text = text
    }

    /// Parses one step: an optional sign (`+` or `-`), a whole number, and a unit, `d` (days) or `w` (weeks):
    /// `-3d`, `+2d`, `0d`, `-1w`.
    ///
    /// Returns `nil` for anything else (`3`, `-3x`, `3.5d`, `--3d`, `1w2d`, spaces) and for steps longer
    /// than ``maximumDays``.
    /// - Parameter text: The offset text.
    public init?(parsing text: String) {
        var bytes = Substring(text).utf8[...]
        var sign = 1
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            sign = first == UInt8(ascii: "-") ? -1 : 1
            bytes = bytes.dropFirst()
        }
        guard let unit = bytes.last else { return nil }
        let digits = bytes.dropLast()
        guard !digits.isEmpty, digits.count <= 5,
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        let number = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        let factor: Int
        switch unit {
        case UInt8(ascii: "d"): factor = 1
        case UInt8(ascii: "w"): factor = 7
        default: return nil
        }
        guard number * factor <= Self.maximumDays else { return nil }
        self.init(days: sign * number * factor, text: text)
    }

    /// The text as written.
    public var description: String { text }

    /// Plain words for messages: `3 days before`, `2 days after`, `the same day`.
    var phrase: String {
        if days == 0 { return "the same day" }
        let count = abs(days)
        return "\(count) day\(count == 1 ? "" : "s") \(days < 0 ? "before" : "after")"
    }
}

/// A campaign: one `Schedules/<name>.toml` file, saying which template goes to which patients, when, and
/// through which senders.
///
/// Read with ``CampaignFile``; the planner turns it, the patients and a date into outbox messages.
public struct Campaign: Sendable, Equatable {
    /// What makes a patient due for a message.
    public enum Trigger: Sendable, Equatable {
        /// A one-off broadcast on this local date (`[trigger] at = 2026-12-01`).
        case at(LocalDate)
        /// One message per step, on the patient's date in `field` moved by the step
        /// (`[trigger] field = "recheck_date"`, `offsets = ["-3d", "-1d"]`).
        case offsets(field: String, steps: [StepOffset])
    }

    /// The zone the contact window (`[window] hours`, `days`, `skip_dates`) is read in.
    public enum WindowZone: Sendable, Equatable {
        /// Each patient's own zone (their `timezone`, else the clinic's).
        case patient
        /// One zone for everyone, e.g. the clinic's `Asia/Shanghai`.
        case fixed(TimeZone)
    }

    /// Which messages of a campaign count as the same one, so a person gets it only once.
    public enum Dedupe: String, Sendable {
        /// Once per patient id.
        case patient
        /// Once per phone number (families sharing one phone get one message).
        case phone
    }

    /// `[audience]`: which patients the campaign is for. An empty audience means every patient.
    public struct Audience: Sendable, Equatable {
        /// The patient must have every one of these tags.
        public var tags: [String]
        /// The patient must have none of these tags.
        public var excludeTags: [String]
        /// Fields that must be present (non-empty) for the patient.
        public var require: [String]
        /// Fields that must equal these values exactly (`where = { complaint_status = "resolved" }`).
        public var whereEquals: [String: String]

        /// Creates an audience; the defaults select every patient.
        ///
        /// - Parameters:
        ///   - tags: Tags a patient must all have.
        ///   - excludeTags: Tags a patient must not have.
        ///   - require: Fields that must be present.
        ///   - whereEquals: Fields that must equal the given values.
        public init(
            tags: [String] = [], excludeTags: [String] = [], require: [String] = [],
            whereEquals: [String: String] = [:]
        ) {
            self.tags = tags
            self.excludeTags = excludeTags
            self.require = require
            self.whereEquals = whereEquals
        }
    }

    /// The contact hours used when `[window] hours` is not given: `19:00-21:00`.
    public static let defaultHours = [TimeRange(parsing: "19:00-21:00")!]  // a literal, not user data

    /// The file's stem: `recheck-reminder` for `Schedules/recheck-reminder.toml`.
    public var name: String
    /// The path as given to the loader, for messages.
    public var file: String
    /// The template's name: `Templates/<template>.<locale>.mustache`.
    public var template: String
    /// Names of senders from `careline.toml`, in fallback order; never empty.
    public var senders: [String]
    /// What the messages are for.
    public var kind: MessageKind
    /// Whether messages wait for approval before sending; `nil` when the file does not say.
    public var requireApproval: Bool?
    /// A note for people reading plans.
    public var description: String?
    /// When patients are due.
    public var trigger: Trigger
    /// Who receives the messages.
    public var audience: Audience
    /// The daily contact hours (each may cross midnight); never empty.
    public var hours: [TimeRange]
    /// The weekdays on which messages may go out; never empty.
    public var days: Set<Weekday>
    /// The zone `hours`, `days` and `skipDates` are read in.
    public var windowZone: WindowZone
    /// Local dates on which nothing is sent (holidays).
    public var skipDates: Set<LocalDate>
    /// How many days after its planned date an unsent message is still sent; 0 means only on that date.
    public var expireAfterDays: Int
    /// What counts as the same recipient.
    public var dedupe: Dedupe
    /// The file's text as parsed, kept with the queued messages so the dispatcher re-checks each message
    /// against the window it was planned in, even after the file changed or was removed.
    public var source: String?

    /// Creates a campaign; the defaults are those of a file that leaves the optional keys out.
    ///
    /// - Parameters:
    ///   - name: The file's stem.
    ///   - file: The file's path.
    ///   - template: The template's name.
    ///   - senders: Sender names in fallback order.
    ///   - kind: What the messages are for.
    ///   - requireApproval: Whether messages wait for approval, if the file says.
    ///   - description: A note for people.
    ///   - trigger: When patients are due.
    ///   - audience: Who receives the messages.
    ///   - hours: Daily contact hours.
    ///   - days: Weekdays messages may go out.
    ///   - windowZone: The zone of the window.
    ///   - skipDates: Dates nothing is sent.
    ///   - expireAfterDays: Days an unsent message stays valid.
    ///   - dedupe: What counts as the same recipient.
    public init(
        name: String, file: String, template: String, senders: [String], kind: MessageKind,
        requireApproval: Bool? = nil, description: String? = nil, trigger: Trigger,
        audience: Audience = Audience(), hours: [TimeRange] = Campaign.defaultHours,
        days: Set<Weekday> = Set(Weekday.allCases), windowZone: WindowZone = .patient,
        skipDates: Set<LocalDate> = [], expireAfterDays: Int = 0, dedupe: Dedupe = .patient
    ) {
        self.name = name
        self.file = file
        self.template = template
        self.senders = senders
        self.kind = kind
        self.requireApproval = requireApproval
        self.description = description
        self.trigger = trigger
        self.audience = audience
        self.hours = hours
        self.days = days
        self.windowZone = windowZone
        self.skipDates = skipDates
        self.expireAfterDays = expireAfterDays
        self.dedupe = dedupe
    }
}
