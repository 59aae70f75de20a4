import CarelineCore
import CarelineCurl
import Foundation
import Testing

/// One message and attempt shared by the sender tests: a zh body with a newline and quotes, a +86 mobile.
enum SenderFixtures {
    static let body = "【明德眼科】王女士，您好：\n请于12月4日复查。回T退订 \"ok\" 50% & more+"
    static let accountSID = "AC0123456789abcdef0123456789abcdef"
    static let serviceSID = "MG0123456789abcdef0123456789abcdef"
    /// Standard Webhooks vector 1's secret.
    static let webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static func message(to number: String = "+8613800138000") throws -> OutboxMessage {
        OutboxMessage(
            id: "msg_01HZX5", batchID: 1, campaign: "recheck-reminder", step: "-3d", patientID: "P001",
            recipient: try #require(PhoneNumber(e164: number)), senders: ["sms", "hook"],
            dueDate: try #require(LocalDate(year: 2026, month: 12, day: 4)),
            sendAt: try #require(Timestamp.parse("2026-12-01T11:00:00Z")),
            localDate: try #require(LocalDate(year: 2026, month: 12, day: 1)), timeZone: "Asia/Shanghai",
            expiresAt: try #require(Timestamp.parse("2026-12-01T13:00:00Z")), body: body, encoding: .ucs2,
            segments: 1, idempotencyKey: "recheck-reminder|P001|-3d|2026-12-04",
            createdAt: try #require(Timestamp.parse("2026-11-30T08:00:00Z")))
    }

    /// Attempt `number` at 2026-12-01T11:00:05Z (Unix 1796122805).
    static func attempt(_ number: Int = 2, to recipient: String = "+8613800138000") throws -> SendAttempt {
        SendAttempt(
            message: try message(to: recipient), attempt: number,
            now: try #require(Timestamp.parse("2026-12-01T11:00:05Z")))
    }

    static func webhookSender(url: String = "https://hooks.example.org/careline") throws -> WebhookSender {
        let settings = WebhookSettings(
            url: url,
            secret: Secret(
                parsing: "env:HOOK", key: "senders.hook.secret", configurationFile: "careline.toml"),
            rate: 50, concurrency: 4, timeout: .seconds(5))
        return try WebhookSender(name: "hook", settings: settings, secret: webhookSecret)
    }

    static func twilioSender(
        baseURL: String = "https://api.twilio.com", origin: TwilioSettings.Origin? = nil,
        statusCallback: String? = nil, authToken: String = "fake-auth-token"
    ) throws -> TwilioSender {
        let from = try #require(PhoneNumber(e164: "+15005550006"))
        let settings = TwilioSettings(
            baseURL: baseURL, accountSID: accountSID,
            authToken: Secret(
                parsing: "env:T", key: "senders.sms.auth_token", configurationFile: "careline.toml"),
            origin: origin ?? .from(from), statusCallback: statusCallback)
        return TwilioSender(name: "sms", settings: settings, authToken: authToken)
    }

    static func request(_ action: SenderAction) throws -> HTTPRequest {
        guard case .http(let request) = action else {
            Issue.record("expected an HTTP request, got \(action)")
            throw CancellationError()
        }
        return request
    }
}
