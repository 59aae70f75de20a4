import Foundation
import Testing

@testable import CarelineCore

@Suite("Patient")
struct PatientTests {
    static let wang = Patient(
        id: "P1", name: "王芳", phone: PhoneNumber(e164: "+8613800138000"), gender: .female,
        birthDate: LocalDate(iso: "1956-04-12"), timeZone: "Asia/Shanghai", locale: "zh-CN",
        tags: ["cataract", "elderly"], optOut: false, preferredTime: TimeRange(parsing: "10:00-11:00"),
        extra: ["recheck_date": "2026-12-03", "doctor": "李明"])

    @Test func columnsReadTheWayAudienceFiltersSeeThem() {
        let patient = Self.wang
        #expect(patient.value(of: "gender") == "F")
        #expect(patient.value(of: "phone") == "+8613800138000")
        #expect(patient.value(of: "tags") == "cataract;elderly")
        #expect(patient.value(of: "opt_out") == "false")
        #expect(patient.value(of: "preferred_time") == "10:00-11:00")
        #expect(patient.value(of: "birth_date") == "1956-04-12")
        #expect(patient.value(of: "doctor") == "李明")
        #expect(patient.value(of: "absent") == nil)
        var blank = patient
        blank.extra["doctor"] = ""
        #expect(blank.value(of: "doctor") == nil)
    }

    @Test func templatesSeeDatesAsDatesAndTagsAsAList() {
        let fields = Self.wang.templateFields
        #expect(fields["recheck_date"] == .date(LocalDate(iso: "2026-12-03")!))
        #expect(fields["birth_date"] == .date(LocalDate(iso: "1956-04-12")!))
        #expect(fields["tags"] == .array([.string("cataract"), .string("elderly")]))
        #expect(fields["name"] == .string("王芳"))
        #expect(fields["gender"] == .string("F"))
    }

    @Test func theDigestChangesWithAnyColumnAndOnlyThen() {
        let base = Self.wang.contentDigest
        #expect(base.count == 16)
        #expect(Self.wang.contentDigest == base)
        var reordered = Self.wang
        reordered.extra = ["doctor": "李明", "recheck_date": "2026-12-03"]
        #expect(reordered.contentDigest == base)
        var changes: [Patient] = []
        for change in 0..<5 {
            var patient = Self.wang
            switch change {
            case 0: patient.name = "王芳芳"
            case 1: patient.phone = PhoneNumber(e164: "+8613800138001")
            case 2: patient.extra["doctor"] = "陈静"
            case 3: patient.optOut = true
            default: patient.extra["note"] = "x"
            }
            changes.append(patient)
        }
        #expect(Set(changes.map(\.contentDigest)).count == 5)
        #expect(!changes.map(\.contentDigest).contains(base))
        // A value moving from one column to another is a change too.
        let a = Patient(id: "P", name: "N", extra: ["a": "x", "b": ""])
        let b = Patient(id: "P", name: "N", extra: ["a": "", "b": "x"])
        #expect(a.contentDigest != b.contentDigest)
    }

    @Test func describingAPatientShowsOnlyTheID() {
        #expect(Self.wang.description == "patient P1")
        #expect(!String(describing: Self.wang).contains("138"))
    }
}
