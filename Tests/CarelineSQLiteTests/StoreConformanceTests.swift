import CarelineCore
import CarelineSQLite
import CarelineTesting
import Foundation
import Testing

/// The semantics of `PatientStore` and `OutboxStore`, checked against the SQLite store and the in-memory one.
@Suite("Store conformance")
struct StoreConformanceTests {
    // MARK: - Patients

    @Test(arguments: StoreKind.allCases)
    func importInsertsUpdatesAndSkipsUnchanged(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        let first = try store.importPatients(
            [Sample.full, Sample.patient("p2", phone: Sample.phoneB), Sample.patient("p3")],
            detail: "patients.csv")
        #expect(first == ImportSummary(inserted: 3, updated: 0, unchanged: 0))
        #expect(try store.patientCount() == 3)
        #expect(try store.patient(id: "p1") == Sample.full)
        #expect(try store.patient(id: "p2") == Sample.patient("p2", phone: Sample.phoneB))
        #expect(try store.patient(id: "nobody") == nil)

        var changed = Sample.patient("p2", phone: Sample.phoneC)
        changed.extra = ["note": "moved"]
        let second = try store.importPatients(
            [Sample.full, changed, Sample.patient("p4"), Sample.patient("p3")], hours: 1)
        #expect(second == ImportSummary(inserted: 1, updated: 1, unchanged: 2))
        #expect(try store.patientCount() == 4)
        #expect(try store.patient(id: "p2") == changed)
        #expect(try store.patient(id: "p4") == Sample.patient("p4"))

        let audit = try store.auditEntries(since: nil)
        #expect(
            audit == [
                Sample.audit("import", hours: 0, detail: "patients.csv; inserted=3 updated=0 unchanged=0"),
                Sample.audit("import", hours: 1, detail: "inserted=1 updated=1 unchanged=2"),
            ])
    }

    @Test(arguments: StoreKind.allCases)
    func sameIdTwiceInOneImportCountsLikeTwoRows(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        let summary = try store.importPatients([
            Sample.patient("p1", name: "A"), Sample.patient("p1", name: "B"), Sample.patient("p1", name: "B"),
        ])
        #expect(summary == ImportSummary(inserted: 1, updated: 1, unchanged: 1))
        #expect(try store.patient(id: "p1")?.name == "B")
        #expect(try store.patientCount() == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func failingImportWritesNothing(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.importPatients([Sample.patient("p1", name: "Old")])
        #expect(throws: CallerError(reason: "bad row 3")) {
            try store.upsertPatients(audit: Sample.audit("import", hours: 1)) { emit in
                try emit(Sample.patient("p1", name: "New"))
                try emit(Sample.patient("p2"))
                throw CallerError(reason: "bad row 3")
            }
        }
        #expect(try store.patientCount() == 1)
        #expect(try store.patient(id: "p1")?.name == "Old")
        #expect(try store.auditEntries(since: nil).count == 1)
    }

    // MARK: - Queue runs

    @Test(arguments: StoreKind.allCases)
    func keptBatchInsertsMessagesOnceAndRecordsTheBatch(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        let first = Sample.message("msg_1", day: 5, batchID: 99)
        let second = Sample.message("msg_2", patient: "p2", phone: Sample.phoneB, day: 6)
        let duplicateKey = Sample.message("msg_3", day: 5)
        var seen: [Bool] = []
        let record = try store.queueBatch(
            campaigns: ["recheck", "birthday"], createdAt: Sample.at(hours: 2), createdBy: "ana"
        ) {
            writer in
            #expect(writer.batchID == 1)
            seen.append(try writer.containsKey(first.idempotencyKey))
            #expect(try writer.insert(first))
            seen.append(try writer.containsKey(first.idempotencyKey))
            #expect(try writer.insert(second))
            #expect(try writer.insert(duplicateKey) == false)
            return (true, Sample.audit("queue", hours: 2, detail: "2 queued", subject: "batch 1"))
        }
        #expect(seen == [false, true])
        let expected = BatchRecord(
            id: 1, campaigns: ["recheck", "birthday"], createdAt: Sample.at(hours: 2), createdBy: "ana",
            queued: 2)
        #expect(record == expected)
        var filed = first
        filed.batchID = 1
        var filedSecond = second
        filedSecond.batchID = 1
        #expect(try store.messages() == [filed, filedSecond])
        #expect(try store.status().batches == [expected])
        #expect(
            try store.auditEntries(since: nil) == [
                Sample.audit("queue", hours: 2, detail: "2 queued", subject: "batch 1")
            ])

        // A second run sees the first run's keys and gets the next id.
        let (again, results) = try store.queue(
            [Sample.message("msg_4", day: 5), Sample.message("msg_5", day: 7)], hours: 3)
        #expect(results == [false, true])
        #expect(again?.id == 2)
        #expect(again?.queued == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func batchNotKeptLeavesNothing(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        let record = try store.queueBatch(campaigns: ["recheck"], createdAt: Sample.t0, createdBy: "ana") {
            writer in
            let inserted = try writer.insert(Sample.message("msg_1"))
            #expect(inserted)
            return (false, Sample.audit("queue", detail: "dry run"))
        }
        #expect(record == nil)
        #expect(try store.messages().isEmpty)
        #expect(try store.status() == OutboxStatus(rows: [], nextSendAt: nil, batches: []))
        #expect(try store.auditEntries(since: nil).isEmpty)
        let (kept, _) = try store.queue([Sample.message("msg_1")])
        #expect(kept?.id == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func throwingBatchRollsBackAndRethrows(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.queue([Sample.message("msg_1", day: 3)])
        #expect(throws: CallerError(reason: "template missing")) {
            try store.queueBatch(campaigns: ["recheck"], createdAt: Sample.t0, createdBy: "ana") { writer in
                _ = try writer.insert(Sample.message("msg_2", day: 4))
                throw CallerError(reason: "template missing")
            }
        }
        #expect(try store.messages().map(\.id) == ["msg_1"])
        #expect(try store.status().batches.map(\.id) == [1])
        #expect(try store.auditEntries(since: nil).count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func writerStreamsPatientsInIdOrderAndSeesOptOuts(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.importPatients([
            Sample.patient("b"), Sample.patient("a", phone: Sample.phoneB), Sample.patient("c"),
            Sample.patient("A"),
            Sample.full,
        ])
        _ = try store.addOptOut(
            OptOut(
                phone: Sample.phoneC, patientID: nil, reason: "STOP", at: Sample.t0, source: "twilio 21610"),
            audit: Sample.audit("optout"))
        _ = try store.addOptOut(
            OptOut(phone: nil, patientID: "c", reason: nil, at: Sample.t0, source: "careline optout add"),
            audit: Sample.audit("optout"))
        var ids: [String] = []
        var full: Patient?
        var optedOut: [Bool] = []
        _ = try store.queueBatch(campaigns: [], createdAt: Sample.t0, createdBy: "ana") { writer in
            try writer.forEachPatient { patient in
                ids.append(patient.id)
                if patient.id == "p1" { full = patient }
            }
            optedOut = [
                try writer.isOptedOut(patientID: "c", phone: nil),
                try writer.isOptedOut(patientID: "a", phone: Sample.phoneC),
                try writer.isOptedOut(patientID: "a", phone: Sample.phoneB),
                try writer.isOptedOut(patientID: "zz", phone: nil),
            ]
            return (false, Sample.audit("queue"))
        }
        #expect(ids == ["A", "a", "b", "c", "p1"])
        #expect(full == Sample.full)
        #expect(optedOut == [true, true, false, false])
    }

    @Test(arguments: StoreKind.allCases)
    func capDatesCountOnlyStatesThatCountTowardCaps(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        let states: [MessageState] = [
            .queued, .sending, .sent, .retry, .failed, .unknown, .expired, .cancelled,
        ]
        let messages = states.enumerated().map { index, state in
            Sample.message("msg_\(index)", step: "s\(index)", day: 10 - index, state: state)
        }
        try store.queue(messages + [Sample.message("msg_other", patient: "p2", day: 1)])
        var dates: [LocalDate] = []
        _ = try store.queueBatch(campaigns: [], createdAt: Sample.t0, createdBy: "ana") { writer in
            _ = try writer.insert(Sample.message("msg_new", step: "new", day: 10))
            dates = try writer.capDates(patientID: "p1")
            return (false, Sample.audit("queue"))
        }
        // queued (10), sending (9), sent (8), retry (7), unknown (5), and this run's own insert (10).
        #expect(
            dates == [
                Sample.date(5), Sample.date(7), Sample.date(8), Sample.date(9), Sample.date(10),
                Sample.date(10),
            ])
    }

    // MARK: - Reading messages

    @Test(arguments: StoreKind.allCases)
    func messagesComeByPlannedInstantThenIdAndFilter(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.queue([
            Sample.message("msg_c", day: 2, hours: 10),
            Sample.message("msg_b", patient: "p2", step: "x", day: 2, hours: 10),
            Sample.message("msg_a", campaign: "flu", day: 3, hours: 5),
            Sample.message("msg_d", step: "y", day: 4, hours: 20, state: .sent),
        ])
        try store.queue([Sample.message("msg_e", campaign: "flu", step: "z", day: 1, hours: 30)], hours: 2)
        #expect(try store.messages().map(\.id) == ["msg_a", "msg_b", "msg_c", "msg_d", "msg_e"])
        #expect(try store.messages(MessageFilter(campaign: "flu")).map(\.id) == ["msg_a", "msg_e"])
        #expect(try store.messages(MessageFilter(batchID: 2)).map(\.id) == ["msg_e"])
        #expect(try store.messages(MessageFilter(state: .sent)).map(\.id) == ["msg_d"])
        #expect(try store.messages(MessageFilter(id: "msg_b")).map(\.id) == ["msg_b"])
        #expect(try store.messages(MessageFilter(patientID: "p2")).map(\.id) == ["msg_b"])
        #expect(
            try store.messages(MessageFilter(campaign: "recheck", patientID: "p1")).map(\.id) == [
                "msg_c", "msg_d",
            ])
        #expect(try store.messages(limit: 2).map(\.id) == ["msg_a", "msg_b"])
        #expect(try store.messages(limit: 0).isEmpty)
        #expect(try store.messages(MessageFilter(campaign: "none")).isEmpty)

        var visited: [String] = []
        #expect(throws: CallerError(reason: "stop")) {
            try store.forEachMessage(MessageFilter(), limit: nil) { message in
                visited.append(message.id)
                if visited.count == 2 { throw CallerError(reason: "stop") }
            }
        }
        #expect(visited == ["msg_a", "msg_b"])
    }

    @Test(arguments: StoreKind.allCases)
    func statusCountsPerCampaignAndStateWithNextPendingSend(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        #expect(try store.status() == OutboxStatus(rows: [], nextSendAt: nil, batches: []))
        try store.queue([
            Sample.message("msg_1", day: 2, hours: 1, state: .sent),
            Sample.message("msg_2", step: "a", day: 3, hours: 40, state: .retry),
            Sample.message("msg_3", step: "b", day: 4, hours: 50),
            Sample.message("msg_4", campaign: "flu", day: 5, hours: 30, state: .failed),
        ])
        try store.queue(
            [Sample.message("msg_5", campaign: "flu", step: "c", day: 6, hours: 60)], hours: 2,
            campaigns: ["flu"])
        let status = try store.status()
        #expect(
            status.rows == [
                OutboxStatus.Row(campaign: "flu", state: .queued, count: 1),
                OutboxStatus.Row(campaign: "flu", state: .failed, count: 1),
                OutboxStatus.Row(campaign: "recheck", state: .queued, count: 1),
                OutboxStatus.Row(campaign: "recheck", state: .sent, count: 1),
                OutboxStatus.Row(campaign: "recheck", state: .retry, count: 1),
            ])
        #expect(status.nextSendAt == Sample.at(hours: 40))
        #expect(
            status.batches == [
                BatchRecord(
                    id: 2, campaigns: ["flu"], createdAt: Sample.at(hours: 2), createdBy: "tester", queued: 1),
                BatchRecord(
                    id: 1, campaigns: ["recheck"], createdAt: Sample.at(hours: 1), createdBy: "tester",
                    queued: 4),
            ])
    }

    // MARK: - Cancelling and opting out

    @Test(arguments: StoreKind.allCases)
    func cancelTouchesOnlyPendingMessages(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.queue([
            Sample.message("msg_1", step: "a", state: .queued),
            Sample.message("msg_2", step: "b", state: .retry),
            Sample.message("msg_3", step: "c", state: .sent),
            Sample.message("msg_4", step: "d", state: .sending),
            Sample.message("msg_5", campaign: "flu", state: .queued),
        ])
        let cancelled = try store.cancel(
            MessageFilter(campaign: "recheck"), audit: Sample.audit("cancel", hours: 3, detail: "by request"))
        #expect(cancelled == 2)
        let states = try store.messages().map { "\($0.id)=\($0.state.rawValue)" }
        #expect(
            states == ["msg_1=cancelled", "msg_2=cancelled", "msg_3=sent", "msg_4=sending", "msg_5=queued"])
        #expect(try store.cancel(MessageFilter(state: .sent), audit: Sample.audit("cancel", hours: 4)) == 0)
        #expect(try store.cancel(MessageFilter(id: "msg_5"), audit: Sample.audit("cancel", hours: 5)) == 1)
        #expect(
            try store.auditEntries(since: Sample.at(hours: 3)) == [
                Sample.audit("cancel", hours: 3, detail: "by request; cancelled=2"),
                Sample.audit("cancel", hours: 4, detail: "cancelled=0"),
                Sample.audit("cancel", hours: 5, detail: "cancelled=1"),
            ])
    }

    @Test(arguments: StoreKind.allCases)
    func optOutCancelsPendingMessagesToThePhoneOrOfThePatient(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.queue([
            Sample.message("msg_1", patient: "p1", phone: Sample.phoneA, step: "a"),
            Sample.message("msg_2", patient: "p9", phone: Sample.phoneA, step: "b", state: .retry),
            Sample.message("msg_3", patient: "p1", phone: Sample.phoneA, step: "c", state: .sent),
            Sample.message("msg_4", patient: "p2", phone: Sample.phoneB, step: "d"),
            Sample.message("msg_5", patient: "p3", phone: Sample.phoneC, step: "e"),
        ])
        let byPhone = OptOut(
            phone: Sample.phoneA, patientID: nil, reason: "STOP", at: Sample.at(hours: 5),
            source: "twilio 21610")
        #expect(
            try store.addOptOut(byPhone, audit: Sample.audit("optout", hours: 5, detail: "+86138****8000"))
                == 2)
        let byPatient = OptOut(
            phone: nil, patientID: "p2", reason: nil, at: Sample.at(hours: 6), source: "careline optout add")
        #expect(try store.addOptOut(byPatient, audit: Sample.audit("optout", hours: 6)) == 1)
        // The same phone again: one entry kept (the first), nothing left to cancel.
        let again = OptOut(
            phone: Sample.phoneA, patientID: nil, reason: "again", at: Sample.at(hours: 7), source: "import")
        #expect(try store.addOptOut(again, audit: Sample.audit("optout", hours: 7)) == 0)

        let states = try store.messages().map { "\($0.id)=\($0.state.rawValue)" }
        #expect(
            states == ["msg_1=cancelled", "msg_2=cancelled", "msg_3=sent", "msg_4=cancelled", "msg_5=queued"])
        #expect(try store.optOuts() == [byPatient, byPhone])
        #expect(
            try store.auditEntries(since: Sample.at(hours: 5)).map(\.detail) == [
                "+86138****8000; cancelled=2", "cancelled=1", "cancelled=0",
            ])
    }

    @Test(arguments: StoreKind.allCases)
    func optOutWithPhoneAndPatientKeepsOneEntryPerPhoneAndPerPatient(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        let first = OptOut(
            phone: Sample.phoneA, patientID: "p1", reason: "moved", at: Sample.at(hours: 1), source: "import")
        _ = try store.addOptOut(first, audit: Sample.audit("optout", hours: 1))
        let shared = OptOut(
            phone: Sample.phoneA, patientID: "p2", reason: "family", at: Sample.at(hours: 2), source: "import"
        )
        _ = try store.addOptOut(shared, audit: Sample.audit("optout", hours: 2))
        _ = try store.addOptOut(first, audit: Sample.audit("optout", hours: 3))
        #expect(
            try store.optOuts() == [
                OptOut(
                    phone: nil, patientID: "p2", reason: "family", at: Sample.at(hours: 2), source: "import"),
                first,
            ])
    }

    @Test(arguments: StoreKind.allCases)
    func auditIsOldestFirstAndSinceIsInclusive(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        _ = try store.cancel(MessageFilter(), audit: Sample.audit("a", hours: 3))
        _ = try store.cancel(MessageFilter(), audit: Sample.audit("b", hours: 1))
        _ = try store.cancel(MessageFilter(), audit: Sample.audit("c", hours: 2))
        _ = try store.cancel(MessageFilter(), audit: Sample.audit("d", hours: 2))
        #expect(try store.auditEntries(since: nil).map(\.action) == ["b", "c", "d", "a"])
        #expect(try store.auditEntries(since: Sample.at(hours: 2)).map(\.action) == ["c", "d", "a"])
        #expect(try store.auditEntries(since: Sample.at(hours: 4)).isEmpty)
    }
}

/// Iteration over more messages than one page, with a body that writes back into the store.
@Suite("Store conformance: long iterations")
struct StoreIterationTests {
    @Test(arguments: StoreKind.allCases)
    func everyMessageIsVisitedOnceAcrossPagesWhileTheBodyCancels(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        // 1,300 messages, 7 per planned instant, inserted out of order: ties and page edges everywhere.
        let messages = (0..<1300).reversed().map { index in
            Sample.message(
                "msg_\(String(1_000_000 + index).dropFirst())", step: "s\(index)", hours: Double(index / 7))
        }
        try store.queue(messages)
        var visited: [String] = []
        try store.forEachMessage(MessageFilter(state: .queued), limit: nil) { message in
            visited.append(message.id)
            if visited.count % 2 == 0 {
                _ = try store.cancel(MessageFilter(id: message.id), audit: Sample.audit("cancel"))
            }
        }
        #expect(visited == messages.map(\.id).reversed())
        #expect(
            try store.status().rows == [
                OutboxStatus.Row(campaign: "recheck", state: .queued, count: 650),
                OutboxStatus.Row(campaign: "recheck", state: .cancelled, count: 650),
            ])
        var limited: [String] = []
        try store.forEachMessage(MessageFilter(), limit: 600) { limited.append($0.id) }
        #expect(limited == Array(messages.map(\.id).reversed().prefix(600)))
    }
}

/// `purgeFinished` and `purgeableCount`: retention erases bodies and numbers of finished messages only.
@Suite("Store conformance: retention purge")
struct StorePurgeConformanceTests {
    /// A message in `state` whose last change (its creation here) is `hours` after t0.
    static func message(_ id: String, _ state: MessageState, changedAt hours: Double, step: String? = nil)
        -> OutboxMessage
    {
        var message = Sample.message(id, step: step ?? id, state: state)
        message.createdAt = Sample.at(hours: hours)
        return message
    }

    static func purgeAudit(hours: Double) -> AuditEntry {
        Sample.audit("purge", hours: hours, detail: "older_than=1h", subject: "outbox")
    }

    @Test(arguments: StoreKind.allCases)
    func purgeErasesFinishedMessagesChangedBeforeTheCutoffOnly(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        let states: [MessageState] = [
            .queued, .sending, .sent, .retry, .failed, .unknown, .expired, .cancelled,
        ]
        try store.queue(states.map { Self.message("old_\($0.rawValue)", $0, changedAt: 1) })
        try store.queue(
            [Self.message("new_sent", .sent, changedAt: 20)], hours: 2, campaigns: ["recheck"])

        let expected = PurgeCount(byState: [.sent: 1, .failed: 1, .expired: 1, .cancelled: 1])
        #expect(try store.purgeableCount(changedBefore: Sample.at(hours: 10)) == expected)
        let count = try store.purgeFinished(
            changedBefore: Sample.at(hours: 10), audit: Self.purgeAudit(hours: 30), auditWhenNone: false)
        #expect(count == expected)
        #expect(count.total == 4)

        let messages = Dictionary(uniqueKeysWithValues: try store.messages().map { ($0.id, $0) })
        for state in states {
            let message = try #require(messages["old_\(state.rawValue)"])
            #expect(message.state == state)
            if state.isFinished {
                #expect(message.body == "")
                #expect(message.recipient.isRedacted)
                #expect(message.recipient.e164 == "+86138****8000")
                #expect(message.recipient.masked == "+86138****8000")
                #expect(message.purgedAt == Sample.at(hours: 30))
                #expect(message.isPurged)
            } else {
                #expect(message == Self.message("old_\(state.rawValue)", state, changedAt: 1))
            }
        }
        var kept = Self.message("new_sent", .sent, changedAt: 20)
        kept.batchID = 2
        #expect(try #require(messages["new_sent"]) == kept)
        #expect(
            try store.auditEntries(since: Sample.at(hours: 30)) == [
                Sample.audit(
                    "purge", hours: 30,
                    detail: "older_than=1h; purged=4 sent=1 failed=1 expired=1 cancelled=1", subject: "outbox"
                )
            ])
    }

    @Test(arguments: StoreKind.allCases)
    func aMessageChangedExactlyAtTheCutoffIsKept(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.queue([
            Self.message("at_cutoff", .sent, changedAt: 10),
            Self.message("just_before", .sent, changedAt: 10 - 1 / 3600_000),
        ])
        let count = try store.purgeFinished(
            changedBefore: Sample.at(hours: 10), audit: Self.purgeAudit(hours: 30), auditWhenNone: false)
        #expect(count == PurgeCount(byState: [.sent: 1]))
        #expect(
            try store.messages().map { "\($0.id)=\($0.isPurged)" } == ["at_cutoff=false", "just_before=true"])
    }

    @Test(arguments: StoreKind.allCases)
    func aSecondPurgeFindsNothingAndIsAuditedOnlyWhenAsked(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.queue([Self.message("msg_1", .sent, changedAt: 1)])
        let cutoff = Sample.at(hours: 10)
        #expect(
            try store.purgeFinished(
                changedBefore: cutoff, audit: Self.purgeAudit(hours: 30), auditWhenNone: false
            )
            .total == 1)
        let purged = try store.messages()
        #expect(try store.purgeableCount(changedBefore: Sample.at(hours: 100)) == PurgeCount())
        #expect(
            try store.purgeFinished(
                changedBefore: Sample.at(hours: 100), audit: Self.purgeAudit(hours: 31), auditWhenNone: false)
                == PurgeCount())
        #expect(
            try store.purgeFinished(
                changedBefore: Sample.at(hours: 100), audit: Self.purgeAudit(hours: 32), auditWhenNone: true)
                == PurgeCount())
        // The purge instant stays that of the first purge.
        #expect(try store.messages() == purged)
        #expect(
            try store.auditEntries(since: Sample.at(hours: 30)).map(\.detail) == [
                "older_than=1h; purged=1 sent=1 failed=0 expired=0 cancelled=0",
                "older_than=1h; purged=0 sent=0 failed=0 expired=0 cancelled=0",
            ])
    }

    @Test(arguments: StoreKind.allCases)
    func aCancellationIsALaterChangeThatKeepsTheMessageLonger(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.queue([Self.message("msg_1", .queued, changedAt: 1)])
        _ = try store.cancel(MessageFilter(id: "msg_1"), audit: Sample.audit("cancel", hours: 20))
        #expect(try store.purgeableCount(changedBefore: Sample.at(hours: 10)) == PurgeCount())
        #expect(
            try store.purgeableCount(changedBefore: Sample.at(hours: 21))
                == PurgeCount(byState: [.cancelled: 1]))
    }

    @Test(arguments: StoreKind.allCases)
    func aPhoneInTheIdempotencyKeyIsReplacedByTheMessageID(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        var byPhone = Self.message("msg_1", .sent, changedAt: 1)
        byPhone.idempotencyKey = "cold|tel:+8613800138000|at|2025-12-05"
        var byPatient = Self.message("msg_2", .sent, changedAt: 1)
        byPatient.idempotencyKey = "recheck|p1|-3d|2025-12-05"
        try store.queue([byPhone, byPatient])
        _ = try store.purgeFinished(
            changedBefore: Sample.at(hours: 10), audit: Self.purgeAudit(hours: 30), auditWhenNone: false)
        #expect(
            try store.messages().map(\.idempotencyKey) == [
                "cold|tel:purged-msg_1|at|2025-12-05", "recheck|p1|-3d|2025-12-05",
            ])
    }

    @Test(arguments: StoreKind.allCases)
    func countingWritesNothing(kind: StoreKind) throws {
        let store = try StoreFixture(kind).store
        try store.queue([Self.message("msg_1", .failed, changedAt: 1)])
        let before = try store.messages()
        let audit = try store.auditEntries(since: nil)
        #expect(
            try store.purgeableCount(changedBefore: Sample.at(hours: 10)) == PurgeCount(byState: [.failed: 1])
        )
        #expect(try store.messages() == before)
        #expect(try store.auditEntries(since: nil) == audit)
    }
}
