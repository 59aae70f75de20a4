import Foundation
import Testing

@testable import CarelineCore

/// Parses the first data record of a CSV text (header line first).
private func parse(_ csv: String, region: String? = "CN") throws -> Result<Patient, PatientProblems> {
    let reader = CSVReader(string: csv)
    let header = try #require(try reader.next())
    let parser = try PatientRowParser(header: header, defaultRegion: region)
    let record = try #require(try reader.next())
    return parser.parse(record)
}

/// The patient of a row that must be valid.
private func patient(_ csv: String, region: String? = "CN") throws -> Patient {
    switch try parse(csv, region: region) {
    case .success(let patient): return patient
    case .failure(let problems):
        Issue.record("unexpected problems: \(problems)")
        throw problems
    }
}

/// The problems of a row that must be invalid.
private func problems(_ csv: String, region: String? = "CN") throws -> [PatientProblem] {
    switch try parse(csv, region: region) {
    case .success(let patient):
        Issue.record("unexpected success: \(patient)")
        return []
    case .failure(let problems): return problems.problems
    }
}

/// The header error for a header line, or `nil` when it is accepted.
private func headerError(_ header: String) throws -> PatientHeaderError? {
    let record = try #require(try CSVReader(string: header).next())
    do {
        _ = try PatientRowParser(header: record, defaultRegion: "CN")
        return nil
    } catch {
        return error
    }
}

/// One value of a column and what it parses to.
struct ColumnValueCase<Value: Sendable & Equatable>: Sendable, CustomTestStringConvertible {
    var text: String
    var expected: Value
    var testDescription: String { "\"\(text)\"" }
}

/// One bad value of a column and the exact problem message.
struct BadValueCase: Sendable, CustomTestStringConvertible {
    var text: String
    var message: String
    var testDescription: String { "\"\(text)\"" }
}

@Suite("PatientRowParser")
struct PatientRowParserTests {
    // MARK: - Whole rows

    @Test func everyColumnValid() throws {
        let csv = """
            id,name,phone,gender,birth_date,timezone,locale,tags,opt_out,preferred_time,family_name
            P001,王芳,+86 138 0013 8000,F,1956-03-07,Asia/Shanghai,zh-CN,diabetes;recall,false,19:00-21:00,王
            """
        #expect(
            try patient(csv)
                == Patient(
                    id: "P001", name: "王芳", phone: PhoneNumber(e164: "+8613800138000"), gender: .female,
                    birthDate: LocalDate(year: 1956, month: 3, day: 7), timeZone: "Asia/Shanghai",
                    locale: "zh-CN", tags: ["diabetes", "recall"], optOut: false,
                    preferredTime: TimeRange(parsing: "19:00-21:00"), extra: ["family_name": "王"]))
    }

    @Test func onlyRequiredColumns() throws {
        #expect(try patient("id,name\nP1,Anna\n") == Patient(id: "P1", name: "Anna"))
    }

    @Test func emptyOptionalValuesAreDefaults() throws {
        let csv = """
            id,name,phone,gender,birth_date,timezone,locale,tags,opt_out,preferred_time,note
            P2,Ben,,,,,,,,,
            """
        let result = try patient(csv)
        #expect(result == Patient(id: "P2", name: "Ben"))
        #expect(result.phone == nil)
        #expect(result.optOut == false)
        #expect(result.extra.isEmpty)
    }

    @Test func valuesAreTrimmed() throws {
        let csv =
            "id,name,phone,gender,tags,opt_out,preferred_time,note\n"
            + "  P3 ,\t李雷\u{3000}, 13800138000 , m ,  a ; b ,  TRUE , 08:00-12:00 ,\u{00A0}x y \n"
        #expect(
            try patient(csv)
                == Patient(
                    id: "P3", name: "李雷", phone: PhoneNumber(e164: "+8613800138000"), gender: .male,
                    tags: ["a", "b"], optOut: true, preferredTime: TimeRange(parsing: "08:00-12:00"),
                    extra: ["note": "x y"]))
    }

    @Test func extraColumnsKeepTheirHeaderNames() throws {
        let csv = """
            id,doctor,name,Clinic Room,empty
            P4, Dr. Zhang ,Li,"Room 3, east",
            """
        #expect(
            try patient(csv)
                == Patient(
                    id: "P4", name: "Li", extra: ["doctor": "Dr. Zhang", "Clinic Room": "Room 3, east"]))
    }

    @Test func quotedFieldsWithCommasLineBreaksAndQuotes() throws {
        let csv = "id,name,note\r\n\"P5\",\"Smith, \"\"Jo\"\"\",\"line one\r\nline two\"\r\n"
        #expect(
            try patient(csv)
                == Patient(id: "P5", name: "Smith, \"Jo\"", extra: ["note": "line one\r\nline two"]))
    }

    @Test func problemAfterAMultiLineFieldPointsAtItsOwnLine() throws {
        let csv = "id,name,note,gender\nP6,N,\"a\nb\",X\n"
        #expect(
            try problems(csv) == [
                PatientProblem(
                    line: 3, column: 4, field: "gender",
                    message:
                        "\"X\" is not a gender careline knows; write F, M, female, male, 女 or 男 (any case), "
                        + "or leave it empty when unknown")
            ])
    }

    @Test func missingIdAndName() throws {
        #expect(
            try problems("name,id,phone\n , ,\n") == [
                PatientProblem(
                    line: 2, column: 1, field: "name",
                    message: "the name is empty; every patient needs a name (templates address them by it)"),
                PatientProblem(
                    line: 2, column: 3, field: "id",
                    message: "the id is empty; every row needs the clinic's patient id"),
            ])
    }

    @Test func everyProblemOfARowInColumnOrder() throws {
        let csv = "id,name,gender,birth_date,opt_out\nP7,Li,x,2026-02-30,yes\n"
        let found = try problems(csv)
        #expect(found.map(\.field) == ["gender", "birth_date", "opt_out"])
        #expect(found.map(\.column) == [7, 9, 20])
        #expect(found.map(\.line) == [2, 2, 2])
    }

    @Test func tooManyFields() throws {
        #expect(
            try problems("id,name\nP8,Wang, Li\n") == [
                PatientProblem(
                    line: 2, column: 9, field: nil,
                    message:
                        "the row has 3 fields but the header has 2 columns; enclose a value that contains "
                        + "a comma in quotes (\"Wang, Li\"), or remove the extra fields")
            ])
    }

    @Test func tooFewFields() throws {
        #expect(
            try problems("id,name,phone\nP9,Li\n") == [
                PatientProblem(
                    line: 2, column: 1, field: nil,
                    message: "the row has 2 fields but the header has 3 columns; add the missing fields (an "
                        + "empty value still needs its comma: a,,c), or enclose a value that contains a line "
                        + "break in quotes")
            ])
    }

    // MARK: - Columns

    @Test(arguments: [
        ColumnValueCase(text: "F", expected: Gender.female),
        ColumnValueCase(text: "f", expected: .female),
        ColumnValueCase(text: "female", expected: .female),
        ColumnValueCase(text: "FeMale", expected: .female),
        ColumnValueCase(text: "女", expected: .female),
        ColumnValueCase(text: "M", expected: .male),
        ColumnValueCase(text: "m", expected: .male),
        ColumnValueCase(text: "MALE", expected: .male),
        ColumnValueCase(text: " 男 ", expected: .male),
    ])
    func genderForms(_ value: ColumnValueCase<Gender>) throws {
        #expect(try patient("id,name,gender\nP,N,\(value.text)\n").gender == value.expected)
    }

    @Test func emptyGenderIsUnknown() throws {
        #expect(try patient("id,name,gender\nP,N,\n").gender == nil)
    }

    @Test(arguments: [
        BadValueCase(
            text: "woman",
            message:
                "\"woman\" is not a gender careline knows; write F, M, female, male, 女 or 男 (any case), or "
                + "leave it empty when unknown"),
        BadValueCase(
            text: "13800138000",
            message: "\"138****8000\" is not a gender careline knows; write F, M, female, male, 女 or 男 (any "
                + "case), or leave it empty when unknown"),
    ])
    func badGender(_ value: BadValueCase) throws {
        #expect(
            try problems("id,name,gender\nP,N,\(value.text)\n") == [
                PatientProblem(line: 2, column: 5, field: "gender", message: value.message)
            ])
    }

    @Test(arguments: [
        ColumnValueCase(text: "true", expected: true),
        ColumnValueCase(text: "TRUE", expected: true),
        ColumnValueCase(text: "True", expected: true),
        ColumnValueCase(text: "1", expected: true),
        ColumnValueCase(text: "false", expected: false),
        ColumnValueCase(text: "FALSE", expected: false),
        ColumnValueCase(text: "0", expected: false),
        ColumnValueCase(text: "", expected: false),
        ColumnValueCase(text: "  ", expected: false),
    ])
    func optOutForms(_ value: ColumnValueCase<Bool>) throws {
        #expect(try patient("id,name,opt_out\nP,N,\(value.text)\n").optOut == value.expected)
    }

    @Test(arguments: ["yes", "no", "2", "truee", "t"])
    func badOptOut(_ text: String) throws {
        #expect(
            try problems("id,name,opt_out\nP,N,\(text)\n") == [
                PatientProblem(
                    line: 2, column: 5, field: "opt_out",
                    message:
                        "\"\(text)\" is not true or false; write true, false, 1 or 0 (any case), or leave "
                        + "it empty for false")
            ])
    }

    @Test(arguments: [
        ColumnValueCase(text: "19:00-21:00", expected: "19:00-21:00"),
        ColumnValueCase(text: "21:30-07:30", expected: "21:30-07:30"),
        ColumnValueCase(text: "08:00 - 12:00", expected: "08:00-12:00"),
        ColumnValueCase(text: "00:00-23:59", expected: "00:00-23:59"),
    ])
    func preferredTimeForms(_ value: ColumnValueCase<String>) throws {
        let result = try patient("id,name,preferred_time\nP,N,\(value.text)\n")
        #expect(result.preferredTime?.description == value.expected)
    }

    @Test(arguments: [
        BadValueCase(
            text: "7:00-9:00",
            message:
                "\"7:00-9:00\" is not a time range: \"7:00\" is not HH:MM (two digits each, e.g. 07:30); "
                + "write HH:MM-HH:MM with 24-hour times, e.g. 19:00-21:00"),
        BadValueCase(
            text: "25:00-26:00",
            message:
                "\"25:00-26:00\" is not a time range: 25:00 is not a time of day (hours 00 to 23, minutes "
                + "00 to 59); write HH:MM-HH:MM with 24-hour times, e.g. 19:00-21:00"),
        BadValueCase(
            text: "19:00-24:00",
            message:
                "\"19:00-24:00\" is not a time range: 24:00 is not a time of day (hours 00 to 23, minutes "
                + "00 to 59); write HH:MM-HH:MM with 24-hour times, e.g. 19:00-21:00"),
        BadValueCase(
            text: "19:00",
            message: "\"19:00\" is not a time range; write HH:MM-HH:MM with 24-hour times, e.g. 19:00-21:00"),
        BadValueCase(
            text: "19:00-21:00-22:00",
            message: "\"19:00-21:00-22:00\" is not a time range; write HH:MM-HH:MM with 24-hour times, e.g. "
                + "19:00-21:00"),
        BadValueCase(
            text: "evenings",
            message:
                "\"evenings\" is not a time range; write HH:MM-HH:MM with 24-hour times, e.g. 19:00-21:00"),
        BadValueCase(
            text: "19h00-21h00",
            message: "\"19h00-21h00\" is not a time range: \"19h00\" is not HH:MM (two digits each, e.g. "
                + "07:30); write HH:MM-HH:MM with 24-hour times, e.g. 19:00-21:00"),
    ])
    func badPreferredTime(_ value: BadValueCase) throws {
        #expect(
            try problems("id,name,preferred_time\nP,N,\(value.text)\n") == [
                PatientProblem(line: 2, column: 5, field: "preferred_time", message: value.message)
            ])
    }

    @Test(arguments: [
        ColumnValueCase(text: "1956-03-07", expected: LocalDate(year: 1956, month: 3, day: 7)),
        ColumnValueCase(text: "2024-02-29", expected: LocalDate(year: 2024, month: 2, day: 29)),
        ColumnValueCase(text: "0001-01-01", expected: LocalDate(year: 1, month: 1, day: 1)),
        ColumnValueCase(text: "", expected: nil),
    ])
    func birthDateForms(_ value: ColumnValueCase<LocalDate?>) throws {
        #expect(try patient("id,name,birth_date\nP,N,\(value.text)\n").birthDate == value.expected)
    }

    @Test(arguments: [
        BadValueCase(
            text: "2026-02-30",
            message: "\"2026-02-30\" is not a real date: February 2026 has 28 days; check the day"),
        BadValueCase(
            text: "2023-02-29",
            message: "\"2023-02-29\" is not a real date: February 2023 has 28 days; check the day"),
        BadValueCase(
            text: "2026-04-31",
            message: "\"2026-04-31\" is not a real date: April 2026 has 30 days; check the day"),
        BadValueCase(
            text: "2026-13-01", message: "\"2026-13-01\" is not a real date: the month must be 01 to 12"),
        BadValueCase(
            text: "0000-01-01", message: "\"0000-01-01\" is not a real date: the year must be 0001 to 9999"),
        BadValueCase(
            text: "1956/03/07",
            message: "\"1956/03/07\" is not a date in the form YYYY-MM-DD; write e.g. 1956-03-07 (4-digit "
                + "year, 2-digit month and day), or leave it empty when unknown"),
        BadValueCase(
            text: "1956-3-7",
            message: "\"1956-3-7\" is not a date in the form YYYY-MM-DD; write e.g. 1956-03-07 (4-digit "
                + "year, 2-digit month and day), or leave it empty when unknown"),
        BadValueCase(
            text: "1956-03-07T10:00",
            message: "\"1956-03-07T10:00\" is not a date in the form YYYY-MM-DD; write e.g. 1956-03-07 "
                + "(4-digit year, 2-digit month and day), or leave it empty when unknown"),
    ])
    func badBirthDate(_ value: BadValueCase) throws {
        #expect(
            try problems("id,name,birth_date\nP,N,\(value.text)\n") == [
                PatientProblem(line: 2, column: 5, field: "birth_date", message: value.message)
            ])
    }

    @Test(arguments: ["Asia/Shanghai", "America/New_York", "Europe/Zurich", "UTC"])
    func knownTimeZones(_ zone: String) throws {
        #expect(try patient("id,name,timezone\nP,N,\(zone)\n").timeZone == zone)
    }

    @Test(arguments: [
        BadValueCase(
            text: "Mars/Olympus_Mons",
            message: "\"Mars/Olympus_Mons\" is not a known time zone; write an IANA zone name such as "
                + "Asia/Shanghai or America/New_York, or leave it empty for the clinic's zone"),
        BadValueCase(
            text: "asia/shanghai",
            message:
                "\"asia/shanghai\" is not a known time zone (did you mean Asia/Shanghai?); write an IANA "
                + "zone name such as Asia/Shanghai or America/New_York, or leave it empty for the clinic's zone"
        ),
        BadValueCase(
            text: "Asia/Shangai",
            message: "\"Asia/Shangai\" is not a known time zone (did you mean Asia/Shanghai?); write an IANA "
                + "zone name such as Asia/Shanghai or America/New_York, or leave it empty for the clinic's zone"
        ),
    ])
    func badTimeZone(_ value: BadValueCase) throws {
        #expect(
            try problems("id,name,timezone\nP,N,\(value.text)\n") == [
                PatientProblem(line: 2, column: 5, field: "timezone", message: value.message)
            ])
    }

    /// `UTC-5` and `GMT+8` are zones Foundation knows, but fixed offsets: a New York patient would get messages an
    /// hour off all summer. Rejected like in careline.toml and campaign files.
    @Test(arguments: ["UTC-5", "GMT+8"])
    func fixedOffsetZonesAreRejected(_ zone: String) throws {
        #expect(
            try problems("id,name,timezone\nP,N,\(zone)\n") == [
                PatientProblem(
                    line: 2, column: 5, field: "timezone",
                    message: "\"\(zone)\" is a fixed offset or an abbreviation, not a region's zone, so it "
                        + "ignores daylight saving time; write an IANA zone name such as America/New_York or "
                        + "Asia/Shanghai, or leave it empty for the clinic's zone")
            ])
    }

    @Test func timeZoneAnswersAreCachedPerParser() throws {
        let reader = CSVReader(
            string: "id,name,timezone\nA,N,Asia/Shanghai\nB,N,Nowhere/Zone\nC,N,Nowhere/Zone\n")
        let parser = try PatientRowParser(header: try #require(try reader.next()), defaultRegion: nil)
        var outcomes: [String] = []
        while let record = try reader.next() {
            switch parser.parse(record) {
            case .success(let patient): outcomes.append(patient.timeZone ?? "-")
            case .failure(let problems): outcomes.append(problems.map(\.field!).joined())
            }
        }
        #expect(outcomes == ["Asia/Shanghai", "timezone", "timezone"])
    }

    @Test(arguments: ["zh-CN", "en", "zh-Hant-TW", "es-419", "EN-us", "fil"])
    func localeForms(_ locale: String) throws {
        #expect(try patient("id,name,locale\nP,N,\(locale)\n").locale == locale)
    }

    @Test(arguments: [
        BadValueCase(
            text: "zh_CN",
            message: "\"zh_CN\" is not a language tag: parts are joined by \"-\", not \"_\"; write zh-CN"),
        BadValueCase(
            text: "e",
            message:
                "\"e\" is not a language tag; write a language code, optionally followed by parts joined "
                + "with \"-\" (letters and digits only), such as zh-CN or en, or leave it empty for the "
                + "clinic's default"),
        BadValueCase(
            text: "zh--CN",
            message: "\"zh--CN\" is not a language tag; write a language code, optionally followed by parts "
                + "joined with \"-\" (letters and digits only), such as zh-CN or en, or leave it empty for the "
                + "clinic's default"),
        BadValueCase(
            text: "en-",
            message: "\"en-\" is not a language tag; write a language code, optionally followed by parts "
                + "joined with \"-\" (letters and digits only), such as zh-CN or en, or leave it empty for the "
                + "clinic's default"),
        BadValueCase(
            text: "中文",
            message: "\"中文\" is not a language tag; write a language code, optionally followed by parts "
                + "joined with \"-\" (letters and digits only), such as zh-CN or en, or leave it empty for the "
                + "clinic's default"),
        BadValueCase(
            text: "123",
            message: "\"123\" is not a language tag; write a language code, optionally followed by parts "
                + "joined with \"-\" (letters and digits only), such as zh-CN or en, or leave it empty for the "
                + "clinic's default"),
        BadValueCase(
            text: "en-abcdefghi",
            message: "\"en-abcdefghi\" is not a language tag; write a language code, optionally followed by "
                + "parts joined with \"-\" (letters and digits only), such as zh-CN or en, or leave it empty "
                + "for the clinic's default"),
    ])
    func badLocale(_ value: BadValueCase) throws {
        #expect(
            try problems("id,name,locale\nP,N,\(value.text)\n") == [
                PatientProblem(line: 2, column: 5, field: "locale", message: value.message)
            ])
    }

    @Test(arguments: [
        ColumnValueCase(text: "diabetes", expected: ["diabetes"]),
        ColumnValueCase(text: " a ; b;;c ; ", expected: ["a", "b", "c"]),
        ColumnValueCase(text: "复诊;高血压", expected: ["复诊", "高血压"]),
        ColumnValueCase(text: ";;", expected: []),
        ColumnValueCase(text: "", expected: []),
    ])
    func tags(_ value: ColumnValueCase<[String]>) throws {
        #expect(try patient("id,name,tags\nP,N,\(value.text)\n").tags == value.expected)
    }

    // MARK: - Phone

    /// A phone cell, the clinic's region and the expected E.164 form.
    struct PhoneCase: Sendable, CustomTestStringConvertible {
        var text: String
        var region: String?
        var e164: String
        var testDescription: String { "\(text) [\(region ?? "-")]" }
    }

    @Test(arguments: [
        PhoneCase(text: "13800138000", region: "CN", e164: "+8613800138000"),
        PhoneCase(text: "+8613800138000", region: "CN", e164: "+8613800138000"),
        PhoneCase(text: "+86 138 0013 8000", region: "CN", e164: "+8613800138000"),
        PhoneCase(text: "0086 138 0013 8000", region: "CN", e164: "+8613800138000"),
        PhoneCase(text: "008613800138000", region: "CN", e164: "+8613800138000"),
        PhoneCase(text: "138-0013-8000", region: "CN", e164: "+8613800138000"),
        PhoneCase(text: "+86-138-0013-8000", region: "CN", e164: "+8613800138000"),
        PhoneCase(text: "+86 138 0013 8000", region: nil, e164: "+8613800138000"),
        PhoneCase(text: "(201) 555-0123", region: "US", e164: "+12015550123"),
        PhoneCase(text: "201-555-0123", region: "US", e164: "+12015550123"),
        PhoneCase(text: "1 201 555 0123", region: "US", e164: "+12015550123"),
        PhoneCase(text: "+1 201 555 0123", region: "CN", e164: "+12015550123"),
    ])
    func phoneForms(_ value: PhoneCase) throws {
        let csv = "id,name,phone\nP,N,\"\(value.text)\"\n"
        #expect(try patient(csv, region: value.region).phone?.e164 == value.e164)
    }

    @Test func emptyPhoneIsAllowed() throws {
        #expect(try patient("id,name,phone\nP,N,  \n").phone == nil)
    }

    /// A phone cell that must be rejected, with its region.
    struct BadPhoneCase: Sendable, CustomTestStringConvertible {
        var text: String
        var region: String?
        var testDescription: String { "\(text) [\(region ?? "-")]" }
    }

    @Test(arguments: [
        BadPhoneCase(text: "12345678901", region: "CN"),
        BadPhoneCase(text: "1380013800", region: "CN"),
        BadPhoneCase(text: "+86 10 6552 9988", region: "CN"),
        BadPhoneCase(text: "(123) 555-0100", region: "US"),
        BadPhoneCase(text: "2015550123", region: nil),
        BadPhoneCase(text: "138 0013 8000 call after 6", region: "CN"),
    ])
    func invalidPhoneIsARowProblemWithoutTheNumber(_ value: BadPhoneCase) throws {
        let found = try problems("id,name,phone\nP,N,\(value.text)\n", region: value.region)
        var expected = ""
        do {
            _ = try PhoneNumber(parsing: value.text, defaultRegion: value.region)
        } catch {
            expected = error.message
        }
        #expect(found == [PatientProblem(line: 2, column: 5, field: "phone", message: expected)])
        let digits = value.text.filter(\.isNumber)
        for problem in found {
            #expect(!problem.message.filter(\.isNumber).contains(digits))
            #expect(!problem.message.contains(value.text))
        }
    }

    @Test func invalidChinaMobileMessage() throws {
        #expect(
            try problems("id,name,phone\nP,N,12345678901\n") == [
                PatientProblem(
                    line: 2, column: 5, field: "phone",
                    message: "Phone number \"123****8901\" starts +86 12, which is not allocated to mobile "
                        + "phones (they start 13 to 19). Check the number.")
            ])
    }

    // MARK: - Header

    @Test func headerNamesAreTrimmed() throws {
        let reader = CSVReader(string: " id ,\tname, phone \nP,N,13800138000\n")
        let parser = try PatientRowParser(header: try #require(try reader.next()), defaultRegion: "CN")
        #expect(parser.columns == ["id", "name", "phone"])
        let result = parser.parse(try #require(try reader.next()))
        #expect(try result.get().phone?.e164 == "+8613800138000")
    }

    @Test func missingIdColumn() throws {
        #expect(
            try headerError("name,phone\n")
                == PatientHeaderError(
                    .missingColumn, file: "", line: 1, column: 1,
                    message: "the header has no \"id\" column; the first line must name the columns, with at "
                        + "least id (the clinic's patient id) and name"))
    }

    @Test func missingIdAndNameColumnsWithCaseHints() throws {
        #expect(
            try headerError("ID,Name,phone\n")
                == PatientHeaderError(
                    .missingColumn, file: "", line: 1, column: 1,
                    message: "the header has no \"id\" and no \"name\" column (column names are exact and "
                        + "case-sensitive: did you mean \"ID\" for \"id\", \"Name\" for \"name\"?); the first "
                        + "line must name the columns, with at least id (the clinic's patient id) and name"))
    }

    @Test func duplicateColumn() throws {
        #expect(
            try headerError("id,name,phone,note,phone\n")
                == PatientHeaderError(
                    .duplicateColumn, file: "", line: 1, column: 20,
                    message:
                        "the column name \"phone\" appears twice (first at 1:9); rename or remove one of "
                        + "the two columns"))
    }

    @Test func duplicateAfterTrimming() throws {
        #expect(try headerError("id,name, id\n")?.code == .duplicateColumn)
    }

    @Test func emptyColumnName() throws {
        #expect(
            try headerError("id,name,\n")
                == PatientHeaderError(
                    .emptyColumnName, file: "", line: 1, column: 9,
                    message: "column 3 of the header has no name; name every column in the header line, or "
                        + "remove the empty column (a trailing comma makes one)"))
    }

    @Test func headerFromNamesOnly() throws {
        #expect(throws: PatientHeaderError.self) {
            try PatientRowParser(header: ["id", "name", "tags", "tags"], defaultRegion: nil)
        }
        do {
            _ = try PatientRowParser(header: ["id", "name", "tags", "tags"], defaultRegion: nil)
        } catch {
            #expect(error.line == 1)
            #expect(error.column == 14)
            #expect(
                error.description.hasPrefix("1:14: the column name \"tags\" appears twice (first at 1:9)"))
        }
        let parser = try PatientRowParser(header: ["id", "name"], defaultRegion: nil)
        #expect(parser.columns == ["id", "name"])
    }

    // MARK: - Formatting

    @Test func descriptions() throws {
        let problem = PatientProblem(line: 4, column: 12, field: "phone", message: "bad")
        #expect(problem.description == "4:12: phone: bad")
        #expect(problem.formatted(file: "patients.csv") == "patients.csv:4:12: phone: bad")
        #expect(PatientProblem(line: 5, column: 1, field: nil, message: "short").description == "5:1: short")
        let error = PatientHeaderError(.missingColumn, file: "p.csv", line: 1, column: 1, message: "no id")
        #expect(error.description == "p.csv:1:1: no id")
        let problems: PatientProblems = [problem, problem]
        #expect(problems.count == 2)
        #expect(problems.description == "4:12: phone: bad\n4:12: phone: bad")
    }

    @Test func blankRecords() {
        #expect(PatientRowParser.isBlank(CSVRecord(line: 1, fields: [""], columns: [1])))
        #expect(PatientRowParser.isBlank(CSVRecord(line: 1, fields: [" \t"], columns: [1])))
        #expect(PatientRowParser.isBlank(CSVRecord(line: 1, fields: ["", " ", ""], columns: [1, 2, 4])))
        #expect(!PatientRowParser.isBlank(CSVRecord(line: 1, fields: ["", "x"], columns: [1, 2])))
    }

    @Test func longValuesAreShortenedInMessages() {
        #expect(
            PatientRowParser.shown(String(repeating: "ab", count: 30))
                == "\"" + String(repeating: "ab", count: 15) + "a…\"")
        #expect(PatientRowParser.shown("+86 138 0013 8000") == "\"+86 13*******8000\"")
        #expect(PatientRowParser.shown("(201) 555-0123") == "\"(201) ****0123\"")
        #expect(PatientRowParser.shown("19:00-21:00") == "\"19:00-21:00\"")
        #expect(PatientRowParser.shown("2026/02/30") == "\"2026/02/30\"")
    }
}
