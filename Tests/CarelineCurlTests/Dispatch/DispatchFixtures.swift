import CarelineCore
import CarelineCurl
import CarelineSQLite
import CarelineTesting
import Foundation
import Testing

/// A dispatcher's world for one test: a SQLite file in its own temporary folder, a manual clock at a fixed
/// instant, and senders built the way `careline dispatch` builds them (``SenderRoutes/make``), pointed at
/// loopback servers.
final class DispatchWorld {
    /// The campaign every test message belongs to.
    static let campaign = "care-note"
    /// Standard Webhooks vector 1's secret.
    static let webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    /// Where the routes read their secrets.
    static let environment = ["HOOK_SECRET": webhookSecret, "TWILIO_TOKEN": TwilioFake.authToken]
    /// The first patient's number; its last four digits (8000) make the Twilio fake accept.
    static let phone = "+8613800138000"
    /// The body every message carries (a receiver must never see it in `last_error`).
    static let body = "【明德眼科】王女士，您好：请于12月4日复查。"

    let folder: TemporaryDirectory
    let store: SQLiteStore
    let clock: ManualClock

    /// A fresh world whose clock reads `start`.
    init(start: Date) throws {
        folder = try TemporaryDirectory()
        store = try SQLiteStore(path: folder.path("careline.sqlite"))
        clock = ManualClock(start: start)
    }

    /// The text of the campaign file kept with the batch: a one-off on 2026-12-01 in the patient's zone.
    static func campaignSource(
        senders: [String] = ["hook"], hours: String = "09:00-21:00", expireAfter: String = "1d"
    ) -> String {
        let list = senders.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            template = "x"
            senders = [\(list)]
            kind = "reminder"
            [trigger]
            at = 2026-12-01
            [window]
            hours = ["\(hours)"]
            [limits]
            expire_after = "\(expireAfter)"

            """
    }

    /// A message of ``campaign`` due on 2026-12-01 in UTC, for its own patient (caps count per patient).
    static func message(
        _ id: String, patient: String? = nil, phone: String = phone, senders: [String] = ["hook"],
        sendAt: Date, expiresAt: Date? = nil
    ) throws -> OutboxMessage {
        let due = try #require(LocalDate(year: 2026, month: 12, day: 1))
        let patientID = patient ?? "P-\(id)"
        return OutboxMessage(
            id: id, batchID: 0, campaign: campaign, step: "at", patientID: patientID,
            recipient: try #require(PhoneNumber(e164: phone)), senders: senders, dueDate: due,
            sendAt: sendAt, localDate: LocalDate(sendAt, in: try utc()), timeZone: "UTC",
            expiresAt: expiresAt ?? sendAt.addingTimeInterval(2 * 86_400), body: body, encoding: .ucs2,
            segments: 1,
            idempotencyKey: OutboxMessage.idempotencyKey(
                campaign: campaign, patientID: patientID, step: "at", dueDate: due),
            createdAt: sendAt.addingTimeInterval(-3600))
    }

    /// UTC.
    static func utc() throws -> TimeZone { try #require(TimeZone(identifier: "UTC")) }

    /// An instant written as ISO 8601 UTC (`2026-12-01T10:00:00Z`).
    static func at(_ text: String) throws -> Date { try #require(Timestamp.parse(text)) }

    /// Queues `messages` in one batch that keeps the campaign file `source`.
    func queue(_ messages: [OutboxMessage], source: String = DispatchWorld.campaignSource()) throws {
        let record = try store.queueBatch(
            campaigns: [Self.campaign], createdAt: clock.now().addingTimeInterval(-3600), createdBy: "tester"
        ) { writer in
            for message in messages {
                guard try writer.insert(message) else { throw CancellationError() }
            }
            try writer.saveCampaignSource(campaign: Self.campaign, source: source)
            return (
                true,
                AuditEntry(
                    at: clock.now(), actor: "tester", action: "queue", subject: nil,
                    detail: "\(messages.count)")
            )
        }
        #expect(record?.queued == messages.count)
    }

    /// One stored message.
    func message(_ id: String) throws -> OutboxMessage {
        var found: OutboxMessage?
        try store.forEachMessage(MessageFilter(id: id), limit: 1) { found = $0 }
        return try #require(found, "message \(id) is not in the store")
    }

    /// Every stored message, in send order.
    func messages() throws -> [OutboxMessage] {
        var all: [OutboxMessage] = []
        try store.forEachMessage(MessageFilter(), limit: nil) { all.append($0) }
        return all
    }

    /// A dispatcher over this world's store and clock; jitter is always 0.
    func dispatcher(
        senders: [String: SenderSettings], policy: Configuration.Policy = Configuration.Policy()
    ) throws -> Dispatcher {
        var configuration = Configuration(policy: policy)
        configuration.senders = senders.reduce(into: [:]) { table, entry in
            table[entry.key] = Configuration.Sender(name: entry.key, settings: entry.value)
        }
        let routes = try SenderRoutes.make(configuration: configuration, environment: Self.environment)
        return dispatcher(routes: routes, policy: policy)
    }

    /// A dispatcher over this world's store and clock with routes a test built itself.
    func dispatcher(routes: [String: SenderRoute], policy: Configuration.Policy = Configuration.Policy())
        -> Dispatcher
    {
        Dispatcher(
            store: store, routes: routes, configuration: Configuration(policy: policy), clock: clock,
            retry: .standard, random: { 0 })
    }

    /// `[senders.hook]`: a webhook to `url`.
    static func webhook(
        _ url: String, rate: Double? = nil, concurrency: Int = WebhookSettings.defaultConcurrency,
        timeout: Duration = .seconds(5)
    ) -> SenderSettings {
        .webhook(
            WebhookSettings(
                url: url,
                secret: Secret(
                    parsing: "env:HOOK_SECRET", key: "senders.hook.secret", configurationFile: "careline.toml"
                ),
                rate: rate, concurrency: concurrency, timeout: timeout))
    }

    /// `[senders.sms]`: Twilio through the fake.
    static func twilio(_ fake: TwilioFake, timeout: Duration = .seconds(5)) throws -> SenderSettings {
        .twilio(
            TwilioSettings(
                baseURL: fake.baseURL, accountSID: TwilioFake.accountSID,
                authToken: Secret(
                    parsing: "env:TWILIO_TOKEN", key: "senders.sms.auth_token",
                    configurationFile: "careline.toml"),
                origin: .from(try #require(PhoneNumber(e164: "+15005550006"))), timeout: timeout))
    }

    /// Quiet hours off, for tests that need the whole day.
    static let noQuietHours = Configuration.Policy(quietHours: nil)
}

/// What a webhook receiver got.
extension LoopbackServer.RecordedRequest {
    /// The JSON body's `attempt`.
    var webhookAttempt: Int? {
        let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        return (object?["attempt"] as? NSNumber)?.intValue
    }
}

extension Duration {
    /// The duration in seconds.
    var inSeconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
