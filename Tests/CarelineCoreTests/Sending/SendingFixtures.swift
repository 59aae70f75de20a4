import CarelineCore
import Foundation
import Testing

/// One message and attempt shared by the sending tests: a zh body with a newline and quotes, a +86 mobile.
enum SendingFixtures {
    static let body = "【明德眼科】王女士，您好：\n请于12月4日复查。回T退订 \"ok\""

    static func message() throws -> OutboxMessage {
        OutboxMessage(
            id: "msg_01HZX5", batchID: 1, campaign: "recheck-reminder", step: "-3d", patientID: "P001",
            recipient: try #require(PhoneNumber(e164: "+8613800138000")), senders: ["file"],
            dueDate: try #require(LocalDate(year: 2026, month: 12, day: 4)),
            sendAt: try #require(Timestamp.parse("2026-12-01T11:00:00Z")),
            localDate: try #require(LocalDate(year: 2026, month: 12, day: 1)), timeZone: "Asia/Shanghai",
            expiresAt: try #require(Timestamp.parse("2026-12-01T13:00:00Z")), body: body, encoding: .ucs2,
            segments: 1, idempotencyKey: "recheck-reminder|P001|-3d|2026-12-04",
            createdAt: try #require(Timestamp.parse("2026-11-30T08:00:00Z")))
    }

    static func attempt(_ number: Int = 2) throws -> SendAttempt {
        SendAttempt(
            message: try message(), attempt: number,
            now: try #require(Timestamp.parse("2026-12-01T11:00:05Z")))
    }
}
