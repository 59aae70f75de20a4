import Foundation

/// A queue run: plans every step of every campaign for every patient in its audience, renders the messages and
/// writes them in one transaction.
///
/// For each patient (in id order) and campaign: the audience filter; opt-outs (the patient's `opt_out` and the
/// opt-out list); each step's due date (date field + offset, or the broadcast date); the idempotency key
/// (campaign + patient + step + due date, or the phone number instead of the patient with `dedupe = "phone"`);
/// the planned instant from ``SendPlanner`` (window, quiet hours, preferred time, expiry); the caps (messages
/// per local date and per Monday-to-Sunday week, across campaigns: a step over a cap moves to the next day while
/// it can); the render in the patient's locale for the planned local date.
public struct CampaignQueue: Sendable {
    public var campaigns: [Campaign]
    public var library: TemplateLibrary
    public var configuration: Configuration
    /// The instant planning starts from (`--now`).
    public var now: Date
    /// When the run happens, for the batch and the audit trail (the wall clock, even when `now` is set for
    /// planning); defaults to `now`.
    public var recordedAt: Date
    /// Who queues (`--by`, else `$USER`).
    public var actor: String
    /// Makes message ids (default: ``MessageIDs``, increasing from a random start).
    public var makeID: @Sendable () -> String

    public init(
        campaigns: [Campaign], library: TemplateLibrary, configuration: Configuration, now: Date,
        recordedAt: Date? = nil, actor: String,
        makeID: (@Sendable () -> String)? = nil
    ) {
        self.recordedAt = recordedAt ?? now
        self.campaigns = campaigns
        self.library = library
        self.configuration = configuration
        self.now = now
        self.actor = actor
        // Increasing within the run, so the id index grows in one place (see ``MessageIDs``).
        self.makeID = makeID ?? { [ids = MessageIDs()] in ids.make() }
    }

    /// Checks that every campaign's template and senders exist before anything is planned.
    ///
    /// - Throws: ``ConfigurationError`` naming the schedule file and its `template` or `senders` key.
    public func validate() throws(ConfigurationError) {
        let known = configuration.senders.keys.sorted()
        for campaign in campaigns {
            for (index, sender) in campaign.senders.enumerated() where configuration.senders[sender] == nil {
                let hint = Suggestion.closest(to: sender, in: known).map { " — did you mean \($0)?" } ?? ""
                throw ConfigurationError(
                    .invalidValue, file: campaign.file,
                    location: Self.location(in: campaign, key: "senders", index: index),
                    key: "senders[\(index)]",
                    message:
                        "no sender \"\(sender)\" in \(configuration.file ?? "the configuration")\(hint); add "
                        + "[senders.\(sender)] there, or use one of: \(known.joined(separator: ", "))")
            }
        }
        for campaign in campaigns where !library.names.contains(campaign.template) {
            let hint =
                Suggestion.closest(to: campaign.template, in: library.names).map { " — did you mean \($0)?" }
                ?? ""
            throw ConfigurationError(
                .invalidValue, file: campaign.file, location: Self.location(in: campaign, key: "template"),
                key: "template",
                message: "no template \"\(campaign.template)\" in \(library.directory)\(hint)")
        }
    }

    /// Compiles every locale variant of every campaign's template (with its partials) before anything is
    /// planned.
    ///
    /// A template with a syntax error fails the run even when every message would be a duplicate (so none is
    /// rendered) or `--skip-invalid` is given: the file is broken for every patient, and the coordinator who
    /// just edited it should hear so now, not on the day a new patient needs it.
    /// - Throws: ``TemplateError`` naming the template file, line and column.
    public func compileTemplates() throws(TemplateError) {
        var checked: Set<String> = []
        for campaign in campaigns where checked.insert(campaign.template).inserted {
            for entry in library.entries where entry.name == campaign.template {
                _ = try library.load(entry)
            }
        }
    }

    /// Where a top-level key's value (or one element of its list) is written in the campaign's file, read
    /// again from the text kept with the campaign; `nil` for a campaign built in code.
    static func location(in campaign: Campaign, key: String, index: Int? = nil) -> SourceLocation? {
        guard let source = campaign.source, let node = try? TOML.parse(source)[key] else { return nil }
        guard let index, let elements = node.value.arrayValue, elements.indices.contains(index) else {
            return node.location
        }
        return elements[index].location
    }

    /// Plans, renders and (unless `dryRun`, or there are errors without `skipInvalid`) writes the messages.
    ///
    /// - Throws: ``ConfigurationError`` for a campaign whose template does not exist; ``TemplateError`` for
    ///   one whose template file does not compile; store errors.
    public func run(store: any OutboxStore, dryRun: Bool, skipInvalid: Bool) throws -> QueueReport {
        try validate()
        try compileTemplates()
        var report = QueueReport()
        let batch = try store.queueBatch(
            campaigns: campaigns.map(\.name), createdAt: recordedAt, createdBy: actor
        ) { writer in
            for campaign in campaigns {
                if let source = campaign.source {
                    try writer.saveCampaignSource(campaign: campaign.name, source: source)
                }
            }
            var run = Run(queue: self, writer: writer)
            try writer.forEachPatient { patient in try run.plan(patient) }
            report = run.report
            let keep = !dryRun && report.queued > 0 && (report.errorCount == 0 || skipInvalid)
            if keep {
                try writer.saveSkipped(
                    ReviewReport.Skipped(
                        duplicate: report.duplicates, optedOut: report.optedOut, expired: report.expired,
                        capped: report.capped, invalid: report.errorCount))
            }
            let detail =
                "campaigns=\(campaigns.map(\.name).joined(separator: ",")) queued=\(report.queued) "
                + "duplicates=\(report.duplicates) opted_out=\(report.optedOut) expired=\(report.expired) "
                + "capped=\(report.capped) errors=\(report.errorCount)"
            return (
                keep,
                AuditEntry(
                    at: recordedAt, actor: actor, action: "queue", subject: "batch \(writer.batchID)",
                    detail: detail
                )
            )
        }
        report.batchID = batch?.id
        report.committed = batch != nil
        return report
    }

    /// The state of one run: caches and counters.
    struct Run {
        let queue: CampaignQueue
        let writer: any BatchWriter
        let planner: SendPlanner
        let clinic: ClinicFields?
        let policy: MessagePolicy
        var report = QueueReport()
        var zones: [String: TimeZone?] = [:]
        var templates: [String: Result<MessageTemplate, TemplateError>] = [:]

        init(queue: CampaignQueue, writer: any BatchWriter) {
            self.queue = queue
            self.writer = writer
            self.planner = SendPlanner(quietHours: queue.configuration.policy.quietHours)
            self.clinic = queue.configuration.clinicFields
            self.policy = MessagePolicy(queue.configuration)
        }

        mutating func plan(_ patient: Patient) throws {
            var capDates: [LocalDate]?
            for campaign in queue.campaigns where Self.inAudience(patient, campaign.audience) {
                try plan(patient, campaign, capDates: &capDates)
            }
        }

        private mutating func plan(_ patient: Patient, _ campaign: Campaign, capDates: inout [LocalDate]?)
            throws
        {
            let steps: [(step: String, due: LocalDate)]
            switch campaign.trigger {
            case .at(let date):
                steps = [("at", date)]
            case .offsets(let field, let offsets):
                guard let text = patient.value(of: field) else {
                    return fail(
                        campaign, patient, nil,
                        "has no \(field); add it, or add \"\(field)\" to [audience] require")
                }
                guard let date = LocalDate(iso: text) else {
                    return fail(campaign, patient, nil, "\(field) is not a date (YYYY-MM-DD)")
                }
                steps = offsets.map { ($0.text, date.adding(days: $0.days)) }
            }
            let optedOut =
                try patient.optOut || writer.isOptedOut(patientID: patient.id, phone: patient.phone)
            if optedOut {
                for step in steps { skip(.optedOut, campaign, patient, step.step) }
                report.optedOut += steps.count
                return
            }
            guard let phone = patient.phone else {
                return fail(campaign, patient, nil, "has no phone number; add one in the patients file")
            }
            let patientZone =
                zone(patient.timeZone) ?? queue.configuration.clinic.timeZone ?? TimeZone(identifier: "UTC")!
            let windowZone: TimeZone
            switch campaign.windowZone {
            case .patient: windowZone = patientZone
            case .fixed(let zone): windowZone = zone
            }
            for (step, due) in steps {
                let owner = campaign.dedupe == .phone ? "tel:\(phone.e164)" : patient.id
                let key = OutboxMessage.idempotencyKey(
                    campaign: campaign.name, patientID: owner, step: step, dueDate: due)
                if try writer.containsKey(key) {
                    report.duplicates += 1
                    skip(.duplicate, campaign, patient, step)
                    continue
                }
                let lastDate = due.adding(days: campaign.expireAfterDays)
                var request = SendPlanner.Request(
                    notBefore: queue.now, dueDate: due, lastDate: lastDate, zone: windowZone,
                    quietZone: patientZone,
                    window: ContactWindow(
                        hours: campaign.hours, days: campaign.days, skipDates: campaign.skipDates),
                    preferredTime: patient.preferredTime)
                if capDates == nil { capDates = try writer.capDates(patientID: patient.id) }
                var movedByCap = false
                var planned: (instant: Date, local: LocalDate)?
                while planned == nil {
                    guard case .at(let instant) = planner.plan(request) else { break }
                    let local = LocalDate(instant, in: patientZone)
                    if queue.configuration.policy.allowsOneMore(on: local, besides: capDates ?? []) {
                        planned = (instant, local)
                    } else {
                        movedByCap = true
                        request.notBefore = LocalTimeResolution.instant(
                            local.adding(days: 1), LocalTime(hour: 0, minute: 0)!, in: patientZone)
                    }
                }
                guard let planned else {
                    if movedByCap {
                        report.capped += 1
                        skip(.capped, campaign, patient, step)
                    } else {
                        report.expired += 1
                        skip(.expired, campaign, patient, step)
                    }
                    continue
                }
                let rendered: RenderedMessage
                do throws(TemplateError) {
                    let template = try template(campaign.template, locale: patient.locale)
                    rendered = try template.renderMessage(
                        data: .object(["patient": patient.templateFields]), clinic: clinic,
                        sendDate: planned.local,
                        policy: policy)
                } catch {
                    fail(campaign, patient, step, error.description)
                    continue
                }
                let message = OutboxMessage(
                    id: queue.makeID(), batchID: writer.batchID, campaign: campaign.name, step: step,
                    patientID: patient.id, recipient: phone, senders: campaign.senders, dueDate: due,
                    sendAt: planned.instant, localDate: planned.local, timeZone: patientZone.identifier,
                    expiresAt: LocalTimeResolution.instant(
                        lastDate.adding(days: 1), LocalTime(hour: 0, minute: 0)!, in: windowZone),
                    body: rendered.body, encoding: rendered.sms.encoding, segments: rendered.sms.segments,
                    idempotencyKey: key, createdAt: queue.recordedAt,
                    requiresApproval: queue.configuration.policy.requiresApproval(campaign))
                if try writer.insert(message) {
                    report.queued += 1
                    capDates?.append(planned.local)
                } else {
                    report.duplicates += 1
                    skip(.duplicate, campaign, patient, step)
                }
            }
        }

        private mutating func zone(_ identifier: String?) -> TimeZone? {
            guard let identifier, !identifier.isEmpty else { return nil }
            if let cached = zones[identifier] { return cached }
            let zone = TimeZone(identifier: identifier)
            zones[identifier] = zone
            return zone
        }

        private mutating func template(_ name: String, locale: String?) throws(TemplateError)
            -> MessageTemplate
        {
            let wanted = (locale?.isEmpty ?? true) ? queue.configuration.clinic.defaultLocale : locale!
            let key = "\(name)|\(wanted)"
            if let cached = templates[key] { return try cached.get() }
            let library = queue.library
            let loaded = Result { () throws(TemplateError) -> MessageTemplate in
                try library.load(name: name, locale: wanted)
            }
            templates[key] = loaded
            return try loaded.get()
        }

        static func inAudience(_ patient: Patient, _ audience: Campaign.Audience) -> Bool {
            for tag in audience.tags where !patient.tags.contains(tag) { return false }
            for tag in audience.excludeTags where patient.tags.contains(tag) { return false }
            for field in audience.require where patient.value(of: field) == nil { return false }
            for (field, value) in audience.whereEquals where patient.value(of: field) != value {
                return false
            }
            return true
        }

        private mutating func fail(
            _ campaign: Campaign, _ patient: Patient, _ step: String?, _ message: String
        ) {
            report.errorCount += 1
            guard report.errors.count < QueueReport.maximumListed else { return }
            report.errors.append(
                QueueProblem(campaign: campaign.name, patientID: patient.id, step: step, message: message))
        }

        private mutating func skip(
            _ reason: QueueSkip.Reason, _ campaign: Campaign, _ patient: Patient, _ step: String
        ) {
            guard report.skips.count < QueueReport.maximumListed else { return }
            report.skips.append(
                QueueSkip(reason: reason, campaign: campaign.name, patientID: patient.id, step: step))
        }
    }
}
