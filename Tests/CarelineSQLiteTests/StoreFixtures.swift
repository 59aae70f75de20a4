import CarelineCore
import CarelineSQLite
import CarelineTesting
import Foundation
import Testing

/// The stores the conformance suite runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case memory

    var testDescription: String { rawValue }
}

/// A fresh store of one kind; a SQLite store lives in its own temporary folder, removed with the fixture.
struct StoreFixture {
    let store: any OutboxStore
    let folder: TemporaryDirectory?

    init(_ kind: StoreKind) throws {
        switch kind {
        case .sqlite:
            let folder = try TemporaryDirectory()
            self.folder = folder
            store = try SQLiteStore(path: folder.path("careline.sqlite"))
        case .memory:
            folder = nil
            store = InMemoryStore()
        }
    }
}

/// An error a caller's closure throws, to check it comes back unchanged.
struct CallerError: Error, Equatable {
    var reason: String
}

/// Shared sample values with exact, whole-second instants.
enum Sample {
    /// 2025-12-01T00:00:00Z.
    static let t0 = Date(timeIntervalSince1970: 1_764_547_200)

    static func at(hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    static func phone(_ e164: String) -> PhoneNumber {
        guard let number = PhoneNumber(e164: e164) else { fatalError("bad sample phone \(e164)") }
        return number
    }

    static let phoneA = phone("+8613800138000")
    static let phoneB = phone("+8613900139000")
    static let phoneC = phone("+12015550123")

    static func date(_ day: Int) -> LocalDate {
        guard let date = LocalDate(year: 2025, month: 12, day: day) else { fatalError("bad day \(day)") }
        return date
    }

    /// A patient with every field set, including awkward text.
    static let full = Patient(
        id: "p1", name: "王芳 \"Fang\"", phone: phoneA, gender: .female,
        birthDate: LocalDate(year: 1958, month: 3, day: 9),
        timeZone: "Asia/Shanghai", locale: "zh-CN", tags: ["diabetes", "vip;gold", "引号\"\\"], optOut: false,
        preferredTime: TimeRange(parsing: "19:00-21:00"),
        extra: ["doctor": "Dr. Li\nRoom 3", "ward": "B\t2", "emoji": "🙂", "empty-ish": " "])

    static func patient(_ id: String, name: String = "Name", phone: PhoneNumber? = nil) -> Patient {
        Patient(id: id, name: name, phone: phone)
    }

    static func audit(_ action: String, hours: Double = 0, detail: String = "", subject: String? = nil)
        -> AuditEntry
    {
        AuditEntry(at: at(hours: hours), actor: "tester", action: action, subject: subject, detail: detail)
    }

    /// A message due on December `day`, planned at `hours` after t0 unless given.
    static func message(
        _ id: String, patient: String = "p1", phone: PhoneNumber = phoneA, campaign: String = "recheck",
        step: String = "-3d", day: Int = 5, hours: Double? = nil, state: MessageState = .queued,
        batchID: Int64 = 1
    ) -> OutboxMessage {
        let due = date(day)
        return OutboxMessage(
            id: id, batchID: batchID, campaign: campaign, step: step, patientID: patient, recipient: phone,
            senders: ["sms", "webhook"], dueDate: due,
            sendAt: at(hours: hours ?? Double((day - 1) * 24 + 11)),
            localDate: due, timeZone: "Asia/Shanghai", expiresAt: at(hours: Double(day * 24)),
            body: "您好，请于12月\(day)日复诊。", encoding: .ucs2, segments: 1,
            idempotencyKey: OutboxMessage.idempotencyKey(
                campaign: campaign, patientID: patient, step: step, dueDate: due),
            state: state, attempts: 0, createdAt: t0)
    }
}

extension OutboxStore {
    /// Imports `patients` with a plain audit line.
    @discardableResult
    func importPatients(_ patients: [Patient], hours: Double = 0, detail: String = "") throws -> ImportSummary
    {
        try upsertPatients(audit: Sample.audit("import", hours: hours, detail: detail)) { emit in
            for patient in patients { try emit(patient) }
        }
    }

    /// Queues `messages` in one kept batch; returns the batch and each insert's result.
    @discardableResult
    func queue(_ messages: [OutboxMessage], hours: Double = 1, campaigns: [String] = ["recheck"]) throws -> (
        BatchRecord?, [Bool]
    ) {
        var results: [Bool] = []
        let record = try queueBatch(
            campaigns: campaigns, createdAt: Sample.at(hours: hours), createdBy: "tester"
        ) {
            writer in
            for message in messages { results.append(try writer.insert(message)) }
            return (true, Sample.audit("queue", hours: hours, subject: "batch \(writer.batchID)"))
        }
        return (record, results)
    }

    /// Every message matching `filter`, in the store's order.
    func messages(_ filter: MessageFilter = MessageFilter(), limit: Int? = nil) throws -> [OutboxMessage] {
        var result: [OutboxMessage] = []
        try forEachMessage(filter, limit: limit) { result.append($0) }
        return result
    }
}
