import Foundation
import Logging

/// A configured sender and the transport its HTTP requests go through (`nil` for a sender that does its own
/// work, like the file sender).
public struct SenderRoute: Sendable {
    public var sender: any MessageSender
    public var transport: (any HTTPTransport)?

    public init(sender: any MessageSender, transport: (any HTTPTransport)?) {
        self.sender = sender
        self.transport = transport
    }
}

/// What `careline dispatch` was asked to do.
public struct DispatchOptions: Sendable {
    /// A fixed "now" (`--now`) for every check and plan of the run; `nil` reads the clock.
    public var now: Date?
    /// Send at most this many messages (`--limit`).
    public var limit: Int?
    /// Stop claiming messages after this long (`--max-duration`); what is in flight finishes.
    public var maxDuration: Duration?
    /// Check and count, write nothing, send nothing (`--dry-run`).
    public var dryRun: Bool
    /// Who the audit trail names.
    public var actor: String
    /// Messages read from the store at a time.
    public var pageSize: Int

    public init(
        now: Date? = nil, limit: Int? = nil, maxDuration: Duration? = nil, dryRun: Bool = false,
        actor: String = "dispatch", pageSize: Int = 512
    ) {
        self.now = now
        self.limit = limit
        self.maxDuration = maxDuration
        self.dryRun = dryRun
        self.actor = actor
        self.pageSize = max(1, pageSize)
    }
}

/// Renders a message again for another local date (its relative dates, "明天", would be wrong otherwise).
public protocol MessageRerendering: Sendable {
    /// The body for `message` sent on `localDate`, or `nil` when its patient or template is gone.
    func rerender(_ message: OutboxMessage, campaign: Campaign, on localDate: LocalDate) throws
        -> RenderedMessage?
}

/// Sends what is due: the heart of `careline dispatch`.
///
/// For every pending message planned at or before now, in planned order, it re-checks at send time what
/// may have changed since the message was queued: expiry, the opt-out list and the patient's own opt-out,
/// the campaign's window and the clinic's quiet hours in the patient's zone (with the patient's current
/// preferred time), and the daily and weekly caps. A message outside its window is planned again for the next
/// opening; one past its expiry becomes `expired`; an opted-out one `cancelled`.
///
/// Each attempt is recorded as `sending` (attempt number included) in a durable transaction **before** its
/// request leaves, and its outcome right after. A run that finds messages left `sending` by a crash resends
/// them only through a sender whose resend is harmless (the webhook, same `webhook-id`); through any other
/// they become `unknown` and wait for `careline reconcile`. Temporary failures are retried with exponential
/// backoff and jitter, inside the window and before expiry; a permanent failure moves to the next sender of
/// the message's chain, or ends as `failed`.
///
/// One dispatcher per database at a time: the caller holds the lock.
public final class Dispatcher: @unchecked Sendable {
    let store: any DispatchStore
    let routes: [String: SenderRoute]
    let configuration: Configuration
    let clock: any DispatchClock
    let retry: RetryPolicy
    let random: @Sendable () -> Double
    let rerenderer: (any MessageRerendering)?
    let logger: Logger
    let planner: SendPlanner

    /// Campaign definitions as queued, by batch and campaign (`nil`: not kept, or unreadable).
    private var campaigns: [String: Campaign?] = [:]
    /// The latest approval decision per batch, read once per run.
    private var decisions: [Int64: BatchDecision?] = [:]
    /// Batches whose held messages were logged this run (once each).
    private var heldLogged: Set<Int64> = []
    private var zones: [String: TimeZone] = [:]
    /// Per sender: when the next message may start, on the monotonic clock (rate limits).
    private var nextSlot: [String: Duration] = [:]

    /// Creates a dispatcher.
    ///
    /// - Parameters:
    ///   - store: The outbox.
    ///   - routes: The configured senders by name, with their transports.
    ///   - configuration: Quiet hours and caps (`[policy]`), the clinic's zone.
    ///   - clock: Wall and monotonic time, and sleep.
    ///   - retry: Backoff, attempts, jitter.
    ///   - random: A number in 0..<1 for jitter (tests pass a constant).
    ///   - rerenderer: Renders a message again when it moves to another local date; `nil` keeps the body.
    ///   - logger: Where each outcome is logged (ids, senders, states, masked phones; never bodies).
    public init(
        store: any DispatchStore, routes: [String: SenderRoute], configuration: Configuration,
        clock: any DispatchClock, retry: RetryPolicy = .standard,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        rerenderer: (any MessageRerendering)? = nil, logger: Logger = Logger(label: "careline.dispatch")
    ) {
        self.store = store
        self.routes = routes
        self.configuration = configuration
        self.clock = clock
        self.retry = retry
        self.random = random
        self.rerenderer = rerenderer
        self.logger = logger
        self.planner = SendPlanner(quietHours: configuration.policy.quietHours)
    }

    /// Runs once: recovery, then every due message.
    ///
    /// - Parameter options: `--now`, `--limit`, `--max-duration`, `--dry-run`.
    /// - Returns: The counts of the run.
    /// - Throws: Store errors (the run stops; what was recorded stays recorded).
    public func run(_ options: DispatchOptions) throws -> DispatchSummary {
        var run = Run(dispatcher: self, options: options, started: clock.elapsed())
        if !options.dryRun { try recover(&run) }
        var position: (sendAt: Date, id: String)?
        pages: while !run.stopClaiming() {
            let page = try store.dueMessages(at: run.now(), after: position, limit: options.pageSize)
            guard let last = page.last else { break }
            position = (last.sendAt, last.id)
            for message in page { run.batchOf[message.id] = message.batchID }
            var sendable: [OutboxMessage] = []
            var updates: [(MessageUpdate, Counted)] = []
            // Per patient, the local dates of the messages this page is about to send (daily and weekly caps).
            var sendingNow: [String: [LocalDate]] = [:]
            // Per patient, the moves decided on this page but not yet written (caps of the next ones see them).
            var movedNow: [String: [(from: LocalDate, to: LocalDate)]] = [:]
            for message in page {
                if run.limitReached(extra: sendable.count) { break }
                switch try check(
                    message, at: run.now(), dryRun: options.dryRun, sendingNow: sendingNow, movedNow: movedNow
                )
                {
                case .send(let ready):
                    sendable.append(ready)
                    sendingNow[ready.patientID, default: []].append(ready.localDate)
                case .change(let update, let counted):
                    updates.append((update, counted))
                    if let to = update.localDate, update.to.isPending {
                        movedNow[message.patientID, default: []].append((message.localDate, to))
                    }
                case .leave(let counted): run.count(counted, id: message.id)
                }
            }
            try record(updates, in: &run)
            try send(sendable, in: &run)
            if run.limitReached(extra: 0) { break pages }
        }
        if !options.dryRun, run.summary.changedAnything {
            // One line for the run, and one per batch it touched (so `careline audit --batch` shows outcomes).
            // A run that only held messages or found nothing writes none: a timer every few minutes would fill
            // the trail with empty lines.
            let at = clock.now()
            var audit = [
                AuditEntry(
                    at: at, actor: options.actor, action: "dispatch", subject: nil, detail: run.summary.text)
            ]
            for (batch, summary) in run.perBatch.sorted(by: { $0.key < $1.key }) where summary.changedAnything
            {
                audit.append(
                    AuditEntry(
                        at: at, actor: options.actor, action: "dispatch", subject: "batch \(batch)",
                        detail: summary.text))
            }
            _ = try store.apply([], audit: audit, durability: .processCrash)
        }
        logger.info("dispatch finished", metadata: ["summary": "\(run.summary.text)"])
        return run.summary
    }

    // MARK: - The run

    /// Which summary count a decision adds to.
    enum Counted {
        case sent, retry, failed, unknown, rescheduled, skipped, held, none
    }

    /// The state of one run.
    struct Run {
        let dispatcher: Dispatcher
        let options: DispatchOptions
        let started: Duration
        var summary = DispatchSummary()
        /// Messages claimed for sending so far (the `--limit`).
        var claimed = 0
        /// The batch of each message seen, and the counts per batch.
        var batchOf: [String: Int64] = [:]
        var perBatch: [Int64: DispatchSummary] = [:]

        func now() -> Date { options.now ?? dispatcher.clock.now() }

        func stopClaiming() -> Bool {
            if let maxDuration = options.maxDuration, dispatcher.clock.elapsed() - started >= maxDuration {
                return true
            }
            return limitReached(extra: 0)
        }

        func limitReached(extra: Int) -> Bool {
            guard let limit = options.limit else { return false }
            return claimed + extra >= limit
        }

        mutating func count(_ counted: Counted, id: String) {
            Self.add(counted, to: &summary)
            if let batch = batchOf[id], counted != .none {
                Self.add(counted, to: &perBatch[batch, default: DispatchSummary()])
            }
        }

        static func add(_ counted: Counted, to summary: inout DispatchSummary) {
            switch counted {
            case .sent: summary.sent += 1
            case .retry: summary.retry += 1
            case .failed: summary.failed += 1
            case .unknown: summary.unknown += 1
            case .rescheduled: summary.rescheduled += 1
            case .skipped: summary.skipped += 1
            case .held: summary.held += 1
            case .none: break
            }
        }
    }

    /// Settles the messages a crashed run left `sending`.
    private func recover(_ run: inout Run) throws {
        var updates: [(MessageUpdate, Counted)] = []
        while true {
            let stuck = try store.messages(in: .sending, limit: run.options.pageSize)
            guard !stuck.isEmpty else { break }
            updates.removeAll(keepingCapacity: true)
            let now = run.now()
            for message in stuck {
                run.batchOf[message.id] = message.batchID
                let name = message.currentSender ?? "?"
                if let route = routes[name], route.sender.resendIsSafe {
                    // Resent with the same attempt number: the claim adds the one taken away here.
                    logger.notice(
                        "resending a message interrupted by a crash",
                        metadata: [
                            "id": "\(message.id)", "sender": "\(name)", "attempt": "\(message.attempts)",
                        ])
                    updates.append(
                        (
                            MessageUpdate(
                                id: message.id, from: .sending, to: .retry, at: now,
                                attempts: max(0, message.attempts - 1),
                                lastError:
                                    "interrupted while sending; resent (the receiver de-duplicates by id)"),
                            .none
                        ))
                } else {
                    logger.warning(
                        "a send was interrupted by a crash; the provider may have it",
                        metadata: [
                            "id": "\(message.id)", "sender": "\(name)", "to": "\(message.recipient.masked)",
                        ])
                    updates.append(
                        (
                            MessageUpdate(
                                id: message.id, from: .sending, to: .unknown, at: now,
                                lastError:
                                    "interrupted while sending through \(name); check the provider, then run "
                                    + "careline reconcile --id \(message.id) with --mark-sent, --mark-failed or --resend"
                            ),
                            .unknown
                        ))
                }
            }
            try record(updates, in: &run)
        }
    }

    // MARK: - Send-time checks

    /// What to do with a due message.
    enum Decision {
        /// Send it now (possibly with a new body and local date).
        case send(OutboxMessage)
        /// Change its state (expired, cancelled, rescheduled) without sending.
        case change(MessageUpdate, Counted)
        /// Leave it as it is.
        case leave(Counted)
    }

    /// Re-checks a due message at send time.
    func check(
        _ message: OutboxMessage, at now: Date, dryRun: Bool, sendingNow: [String: [LocalDate]] = [:],
        movedNow: [String: [(from: LocalDate, to: LocalDate)]] = [:]
    ) throws -> Decision {
        guard let senderName = message.currentSender, routes[senderName] != nil else {
            logger.error(
                "the message's sender is not configured; add it to careline.toml or cancel the message",
                metadata: ["id": "\(message.id)", "sender": "\(message.currentSender ?? "none")"])
            return .leave(.skipped)
        }
        if now >= message.expiresAt {
            return .change(
                MessageUpdate(
                    id: message.id, from: message.state, to: .expired, at: now,
                    lastError: "not sent before it expired"),
                .skipped)
        }
        let patient = try store.patient(id: message.patientID)
        let optedOut = try store.isOptedOut(patientID: message.patientID, phone: message.recipient)
        if patient?.optOut == true || optedOut {
            logger.info("opted out since it was queued; cancelled", metadata: ["id": "\(message.id)"])
            return .change(
                MessageUpdate(
                    id: message.id, from: message.state, to: .cancelled, at: now,
                    lastError: "opted out since it was queued"),
                .skipped)
        }
        if message.requiresApproval, let held = try heldForApproval(message) {
            if heldLogged.insert(message.batchID).inserted {
                logger.info("held: the batch \(held)", metadata: ["batch": "\(message.batchID)"])
            }
            return .leave(.held)
        }
        let campaign = try campaign(for: message)
        let patientZone = zone(message.timeZone)
        let slot = try plan(
            message, campaign: campaign, patientPreferred: patient?.preferredTime, from: now, sendsNow: now,
            sendingNow: sendingNow[message.patientID] ?? [], movedNow: movedNow[message.patientID] ?? [])
        guard let slot else {
            return .change(
                MessageUpdate(
                    id: message.id, from: message.state, to: .expired, at: now,
                    lastError: "no allowed time left in its window before it expires"),
                .skipped)
        }
        let localDate = LocalDate(slot, in: patientZone)
        let body = try rerenderIfNeeded(message, campaign: campaign, on: localDate)
        if slot > now {
            logger.info(
                "outside its window, quiet hours or caps; planned for the next opening",
                metadata: ["id": "\(message.id)", "send_at": "\(OutboxMessage.utcText(slot))"])
            return .change(
                MessageUpdate(
                    id: message.id, from: message.state, to: message.state, at: now, sendAt: slot,
                    localDate: localDate, body: body),
                .rescheduled)
        }
        var ready = message
        if !dryRun, localDate != message.localDate || body != nil {
            // Sent on another local date than planned: keep the store in step before the claim.
            let update = MessageUpdate(
                id: message.id, from: message.state, to: message.state, at: now, localDate: localDate,
                body: body)
            guard try store.apply([update], audit: [], durability: .processCrash).contains(message.id) else {
                return .leave(.none)
            }
            ready.localDate = localDate
            if let body {
                ready.body = body.text
                ready.encoding = body.encoding
                ready.segments = body.segments
            }
        }
        return .send(ready)
    }

    /// The earliest allowed instant from `start` inside the message's window, quiet hours and caps, or `nil`
    /// when none is left before it expires.
    ///
    /// A slot at `sendsNow` or earlier is checked against what already went out to the patient that day and week
    /// (and `sendingNow`, the patient's messages this run is about to send); a later slot against everything
    /// planned for the patient, as `careline queue` does.
    func plan(
        _ message: OutboxMessage, campaign: Campaign?, patientPreferred: TimeRange?, from start: Date,
        sendsNow: Date? = nil, sendingNow: [LocalDate] = [], movedNow: [(from: LocalDate, to: LocalDate)] = []
    ) throws -> Date? {
        let patientZone = zone(message.timeZone)
        var request: SendPlanner.Request
        if let campaign {
            let windowZone: TimeZone
            switch campaign.windowZone {
            case .patient: windowZone = patientZone
            case .fixed(let zone): windowZone = zone
            }
            request = SendPlanner.Request(
                notBefore: start, dueDate: message.dueDate,
                lastDate: message.dueDate.adding(days: campaign.expireAfterDays), zone: windowZone,
                quietZone: patientZone,
                window: ContactWindow(
                    hours: campaign.hours, days: campaign.days, skipDates: campaign.skipDates),
                preferredTime: patientPreferred)
        } else {
            // Queued before campaign files were kept: the whole day, so only quiet hours and expiry apply.
            let midnight = LocalTime(hour: 0, minute: 0)!
            request = SendPlanner.Request(
                notBefore: start, dueDate: message.localDate,
                lastDate: LocalDate(message.expiresAt, in: patientZone),
                zone: patientZone, quietZone: patientZone,
                window: ContactWindow(
                    hours: [TimeRange(start: midnight, end: midnight)], days: Set(Weekday.allCases),
                    skipDates: []),
                preferredTime: patientPreferred)
        }
        var planned: [LocalDate]?
        var delivered: [LocalDate]?
        while true {
            guard case .at(let instant) = planner.plan(request), instant < message.expiresAt else {
                return nil
            }
            let local = LocalDate(instant, in: patientZone)
            let others: [LocalDate]
            if let sendsNow, instant <= sendsNow {
                if delivered == nil { delivered = try store.deliveredDates(patientID: message.patientID) }
                others = (delivered ?? []) + sendingNow
            } else {
                if planned == nil {
                    // The message itself counts on its stored local date.
                    var dates = try store.capDates(patientID: message.patientID)
                    if let own = dates.firstIndex(of: message.localDate) { dates.remove(at: own) }
                    for move in movedNow {
                        if let old = dates.firstIndex(of: move.from) { dates.remove(at: old) }
                        dates.append(move.to)
                    }
                    planned = dates
                }
                others = planned ?? []
            }
            if configuration.policy.allowsOneMore(on: local, besides: others) { return instant }
            request.notBefore = LocalTimeResolution.instant(
                local.adding(days: 1), LocalTime(hour: 0, minute: 0)!, in: patientZone)
        }
    }

    /// A new body when the message moves to another local date and its campaign can be rendered again.
    private func rerenderIfNeeded(_ message: OutboxMessage, campaign: Campaign?, on localDate: LocalDate)
        throws
        -> (text: String, encoding: SMSEncoding, segments: Int)?
    {
        // An approved text goes out as approved: a message that needs approval is never rendered again.
        guard localDate != message.localDate, !message.requiresApproval, let campaign, let rerenderer else {
            return nil
        }
        guard let rendered = try rerenderer.rerender(message, campaign: campaign, on: localDate),
            rendered.body != message.body
        else { return nil }
        return (rendered.body, rendered.sms.encoding, rendered.sms.segments)
    }

    /// Why a message that needs approval may not go out now (`nil` when it may): its batch has no approval,
    /// or the message changed since it was approved.
    private func heldForApproval(_ message: OutboxMessage) throws -> String? {
        let decision: BatchDecision?
        if let cached = decisions[message.batchID] {
            decision = cached
        } else {
            decision = try store.latestDecision(batchID: message.batchID)
            decisions[message.batchID] = decision
        }
        guard let decision, decision.kind == .approved else {
            return "waits for approval (careline review, approve)"
        }
        let approved = try store.approvedHash(messageID: message.id, batchID: message.batchID)
        guard approved == ApprovalHash.message(message) else {
            return "has messages changed since approval; they wait until it is approved again"
        }
        return nil
    }

    private func campaign(for message: OutboxMessage) throws -> Campaign? {
        let key = "\(message.batchID)|\(message.campaign)"
        if let cached = campaigns[key] { return cached }
        var campaign: Campaign?
        if let source = try store.campaignSource(batchID: message.batchID, campaign: message.campaign) {
            do throws(ConfigurationError) {
                campaign = try CampaignFile.parse(source, file: "\(message.campaign).toml")
            } catch {
                logger.error(
                    "the campaign kept with this batch cannot be read; only quiet hours and expiry are checked",
                    metadata: ["batch": "\(message.batchID)", "error": "\(error.description)"])
            }
        }
        campaigns[key] = campaign
        return campaign
    }

    private func zone(_ identifier: String) -> TimeZone {
        if let cached = zones[identifier] { return cached }
        let zone =
            TimeZone(identifier: identifier) ?? configuration.clinic.timeZone ?? TimeZone(identifier: "UTC")!
        zones[identifier] = zone
        return zone
    }

    // MARK: - Recording

    /// Applies decisions in one transaction and counts those that took effect.
    private func record(_ updates: [(MessageUpdate, Counted)], in run: inout Run) throws {
        guard !updates.isEmpty else { return }
        if run.options.dryRun {
            for (update, counted) in updates { run.count(counted, id: update.id) }
            return
        }
        // Outcomes and reschedules: one lost to a power loss is found `sending` (recovered as after a crash) or
        // pending again, so nothing is sent twice through a provider that does not de-duplicate.
        let changed = try store.apply(updates.map(\.0), audit: [], durability: .processCrash)
        for (update, counted) in updates where changed.contains(update.id) {
            run.count(counted, id: update.id)
        }
    }

    // MARK: - Sending

    /// Sends messages grouped by their current sender, each group in rounds of its concurrency.
    private func send(_ messages: [OutboxMessage], in run: inout Run) throws {
        var pending = messages
        // Fallback rounds finish messages already claimed: they neither count toward --limit nor stop at
        // --max-duration.
        var fallbackPass = false
        while !pending.isEmpty {
            var fallbacks: [OutboxMessage] = []
            var order: [String] = []
            var groups: [String: [OutboxMessage]] = [:]
            for message in pending {
                guard let name = message.currentSender else { continue }
                if groups[name] == nil { order.append(name) }
                groups[name, default: []].append(message)
            }
            for name in order {
                guard let route = routes[name], let group = groups[name] else { continue }
                var start = 0
                while start < group.count {
                    if !fallbackPass, run.stopClaiming() { return }
                    let size = min(roundSize(route.sender), group.count - start)
                    let round = Array(group[start..<(start + size)])
                    start += size
                    if run.options.dryRun {
                        run.claimed += round.count
                        for message in round { run.count(.sent, id: message.id) }
                        continue
                    }
                    fallbacks += try sendRound(round, through: route, counted: !fallbackPass, in: &run)
                }
            }
            pending = fallbacks
            fallbackPass = true
        }
    }

    /// Messages per round through a sender: a multiple of its concurrency, no more than its rate per second.
    ///
    /// A round is claimed in one transaction and settled in another, so larger rounds mean fewer commits (and
    /// fewer `fsync`s); but what a crash leaves `sending` is a round at most: through a sender whose resend is not
    /// safe (Twilio) those become `unknown`, so its rounds stay small (4 × concurrency) and a de-duplicating
    /// one's are larger (64 × concurrency: a crash resends at most that many, each under its own id).
    private func roundSize(_ sender: any MessageSender) -> Int {
        var size = max(1, sender.concurrency) * (sender.resendIsSafe ? 64 : 4)
        if let rate = sender.rate { size = min(size, max(1, Int(rate))) }
        return size
    }

    /// Waits until the sender's rate allows `count` more messages, and reserves them.
    private func pace(_ sender: any MessageSender, count: Int) {
        guard let rate = sender.rate, rate > 0 else { return }
        // The round leaves at once, so it waits for the slot of its last message: evenly spaced on average, and
        // never more than `rate` messages in any second.
        let now = clock.elapsed()
        let first = max(nextSlot[sender.name] ?? now, now)
        let last = first + .seconds(Double(count - 1) / rate)
        if last > now { clock.sleep(for: last - now) }
        nextSlot[sender.name] = last + .seconds(1 / rate)
    }

    /// One round through one sender: claim durably, send, record the outcomes durably.
    ///
    /// - Returns: The messages to try again at once through the next sender of their chain.
    private func sendRound(
        _ round: [OutboxMessage], through route: SenderRoute, counted: Bool, in run: inout Run
    ) throws
        -> [OutboxMessage]
    {
        let sender = route.sender
        pace(sender, count: round.count)
        let claimedAt = run.now()
        let claims = round.map { message in
            MessageUpdate(
                id: message.id, from: message.state, to: .sending, at: claimedAt,
                attempts: message.attempts + 1,
                senderIndex: message.senderIndex)
        }
        // Through an SMS provider that does not de-duplicate, the claim must be on disk before the request
        // leaves: a claim lost to a power loss would send the text again. A webhook receiver de-duplicates by id.
        let claimed = try store.apply(
            claims, audit: [], durability: sender.resendIsSafe ? .processCrash : .powerLoss)
        if counted { run.claimed += claimed.count }
        var attempts: [SendAttempt] = []
        for message in round where claimed.contains(message.id) {
            var sending = message
            sending.state = .sending
            sending.attempts += 1
            attempts.append(SendAttempt(message: sending, attempt: sending.attempts, now: clock.now()))
        }
        var outcomes: [(SendAttempt, SendOutcome)] = []
        var requests: [HTTPRequest] = []
        var requested: [SendAttempt] = []
        for attempt in attempts {
            switch sender.prepare(attempt) {
            case .done(let outcome):
                outcomes.append((attempt, outcome))
                log(attempt, sender: sender.name, outcome: outcome, status: nil, latency: nil)
            case .http(let request):
                requests.append(request)
                requested.append(attempt)
            }
        }
        var settledEarly: [(attempt: SendAttempt, outcome: SendOutcome, fallback: OutboxMessage?)] = []
        if !requests.isEmpty {
            if let transport = route.transport {
                // Through a sender whose resend is not safe, each outcome is recorded as its answer arrives: a
                // crash later in the round must not turn a text the provider accepted into `unknown`. (A
                // de-duplicating sender's outcomes are recorded together after the round: a crash resends them
                // under their own ids.)
                var recordError: (any Error)?
                transport.perform(requests) { index, result in
                    let attempt = requested[index]
                    let outcome = sender.interpret(result, for: attempt)
                    let response = try? result.get()
                    log(
                        attempt, sender: sender.name, outcome: outcome, status: response?.status,
                        latency: response?.latency)
                    guard !sender.resendIsSafe, recordError == nil else {
                        outcomes.append((attempt, outcome))
                        return
                    }
                    do {
                        let (update, counted, fallback) = try settle(attempt, outcome, at: run.now())
                        try record([(update, counted)], in: &run)
                        settledEarly.append((attempt, outcome, fallback))
                    } catch {
                        recordError = error
                        outcomes.append((attempt, outcome))
                    }
                }
                if let recordError { throw recordError }
            } else {
                for attempt in requested {
                    outcomes.append(
                        (attempt, .permanent(reason: "no transport for \(sender.name)", optOut: false)))
                }
            }
        }
        var updates: [(MessageUpdate, Counted)] = []
        var fallbacks: [OutboxMessage] = []
        var optOuts: [OutboxMessage] = []
        let now = run.now()
        for (attempt, outcome) in outcomes {
            let (update, counted, fallback) = try settle(attempt, outcome, at: now)
            updates.append((update, counted))
            if let fallback { fallbacks.append(fallback) }
            if case .permanent(_, true) = outcome { optOuts.append(attempt.message) }
        }
        try record(updates, in: &run)
        for (attempt, outcome, fallback) in settledEarly {
            // Recorded already; what is left is the fallback and the opt-out.
            if let fallback { fallbacks.append(fallback) }
            if case .permanent(_, true) = outcome { optOuts.append(attempt.message) }
        }
        for message in optOuts {
            _ = try store.addOptOut(
                OptOut(
                    phone: message.recipient, patientID: nil, reason: "unsubscribed at the provider",
                    at: now, source: sender.name),
                audit: AuditEntry(
                    at: now, actor: run.options.actor, action: "opt-out",
                    subject: message.recipient.masked, detail: "source=\(sender.name) message=\(message.id)"))
        }
        return fallbacks
    }

    /// The recorded result of one attempt, and the message to send through the next sender, if any.
    func settle(_ attempt: SendAttempt, _ outcome: SendOutcome, at now: Date) throws
        -> (MessageUpdate, Counted, OutboxMessage?)
    {
        let message = attempt.message
        switch outcome {
        case .sent(let providerID):
            return (
                MessageUpdate(
                    id: message.id, from: .sending, to: .sent, at: now, providerID: providerID, lastError: ""),
                .sent, nil
            )
        case .unknown(let reason):
            return (
                MessageUpdate(id: message.id, from: .sending, to: .unknown, at: now, lastError: reason),
                .unknown, nil
            )
        case .permanent(let reason, let optOut):
            if optOut {
                return (
                    MessageUpdate(id: message.id, from: .sending, to: .failed, at: now, lastError: reason),
                    .failed, nil
                )
            }
            return fallBack(message, reason: reason, at: now)
        case .retry(let after, let reason):
            guard attempt.attempt < retry.maxAttempts else {
                return fallBack(
                    message, reason: "\(reason) (gave up after \(attempt.attempt) attempts)", at: now)
            }
            var wait = retry.wait(afterAttempt: attempt.attempt)
            wait += wait * (retry.jitter * random())
            if let after, after > wait { wait = after }
            let earliest = now.addingTimeInterval(
                Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
            let campaign = try campaign(for: message)
            let preferred = try store.patient(id: message.patientID)?.preferredTime
            guard
                let slot = try plan(message, campaign: campaign, patientPreferred: preferred, from: earliest)
            else {
                return (
                    MessageUpdate(
                        id: message.id, from: .sending, to: .expired, at: now,
                        lastError: "\(reason); no time left to retry before it expires"),
                    .skipped, nil
                )
            }
            let localDate = LocalDate(slot, in: zone(message.timeZone))
            let body = try rerenderIfNeeded(message, campaign: campaign, on: localDate)
            return (
                MessageUpdate(
                    id: message.id, from: .sending, to: .retry, at: now, sendAt: slot, localDate: localDate,
                    lastError: reason, body: body),
                .retry, nil
            )
        }
    }

    /// Moves a permanently failed message to the next sender of its chain, or fails it.
    private func fallBack(_ message: OutboxMessage, reason: String, at now: Date) -> (
        MessageUpdate, Counted, OutboxMessage?
    ) {
        let next = message.senderIndex + 1
        guard next < message.senders.count else {
            return (
                MessageUpdate(id: message.id, from: .sending, to: .failed, at: now, lastError: reason),
                .failed, nil
            )
        }
        logger.notice(
            "falling back to the next sender",
            metadata: [
                "id": "\(message.id)", "from": "\(message.senders[message.senderIndex])",
                "to_sender": "\(message.senders[next])",
            ])
        var moved = message
        moved.state = .queued
        moved.senderIndex = next
        moved.attempts = 0
        moved.lastError = reason
        return (
            MessageUpdate(
                id: message.id, from: .sending, to: .queued, at: now, attempts: 0, senderIndex: next,
                lastError: "\(message.senders[message.senderIndex]): \(reason)"),
            .none, moved
        )
    }

    private func log(
        _ attempt: SendAttempt, sender: String, outcome: SendOutcome, status: Int?, latency: Double?
    ) {
        var metadata: Logger.Metadata = [
            "id": "\(attempt.message.id)", "sender": "\(sender)", "to": "\(attempt.message.recipient.masked)",
            "attempt": "\(attempt.attempt)",
        ]
        if let status { metadata["status"] = "\(status)" }
        if let latency { metadata["latency_ms"] = "\(Int((latency * 1000).rounded()))" }
        switch outcome {
        case .sent:
            metadata["state"] = "sent"
            logger.info("sent", metadata: metadata)
        case .retry(_, let reason):
            metadata["state"] = "retry"
            metadata["reason"] = "\(reason)"
            logger.warning("not sent; will retry", metadata: metadata)
        case .permanent(let reason, _):
            metadata["state"] = "failed"
            metadata["reason"] = "\(reason)"
            logger.warning("rejected", metadata: metadata)
        case .unknown(let reason):
            metadata["state"] = "unknown"
            metadata["reason"] = "\(reason)"
            logger.error("no answer; the provider may have it", metadata: metadata)
        }
    }
}
