import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

/// The outcome of validating one file: the report and the patients passed to `onValid`, in order.
private struct Outcome {
    var report: PatientFileValidator.Report
    var patients: [Patient]
}

/// Writes `text` to a temporary file and validates it.
private func validate(_ text: String, region: String? = "CN") throws -> Outcome {
    let directory = try TemporaryDirectory()
    let url = try directory.write("patients.csv", text)
    return try validate(url: url, region: region)
}

private func validate(url: URL, region: String? = "CN") throws -> Outcome {
    var patients: [Patient] = []
    let report = try PatientFileValidator.validate(
        url: url, defaultRegion: region, onValid: { patients.append($0) })
    return Outcome(report: report, patients: patients)
}

/// The header error for a file, or `nil` when the header is accepted.
private func headerError(_ text: String, in directory: TemporaryDirectory) throws -> PatientHeaderError? {
    let url = try directory.write("header.csv", text)
    do {
        _ = try PatientFileValidator.validate(url: url, defaultRegion: nil)
        return nil
    } catch let error as PatientHeaderError {
        return error
    }
}

private let genderAdvice =
    "is not a gender careline knows; write F, M, female, male, 女 or 男 (any case), or leave it empty when unknown"

@Suite("PatientFileValidator")
struct PatientFileValidatorTests {
    @Test func byteOrderMarkAndCRLF() throws {
        let outcome = try validate("\u{FEFF}id,name,phone\r\nP1,Anna,13800138000\r\nP2,Ben,\r\n")
        #expect(outcome.report == .init(rows: 2, valid: 2, problems: [], truncatedProblems: 0))
        #expect(
            outcome.patients == [
                Patient(id: "P1", name: "Anna", phone: PhoneNumber(e164: "+8613800138000")),
                Patient(id: "P2", name: "Ben"),
            ])
    }

    @Test func quotedFieldsAndExtraColumns() throws {
        let text =
            "id,name,doctor,note\nP1,\"Wang, Fang\",\"Dr. \"\"Li\"\"\",\"first line\nsecond line\"\nP2,Ben,,"
        let outcome = try validate(text)
        #expect(outcome.report == .init(rows: 2, valid: 2, problems: [], truncatedProblems: 0))
        #expect(
            outcome.patients == [
                Patient(
                    id: "P1", name: "Wang, Fang",
                    extra: ["doctor": "Dr. \"Li\"", "note": "first line\nsecond line"]),
                Patient(id: "P2", name: "Ben"),
            ])
    }

    @Test func blankLinesAreSkippedAndNotCounted() throws {
        let outcome = try validate("\n\nid,name,gender\n\nP1,A,F\n\n  \n,,\nP2,B,X\n\n")
        #expect(
            outcome.report
                == .init(
                    rows: 2, valid: 1,
                    problems: [
                        PatientProblem(line: 9, column: 6, field: "gender", message: "\"X\" " + genderAdvice)
                    ],
                    truncatedProblems: 0))
        #expect(outcome.patients.map(\.id) == ["P1"])
    }

    @Test func duplicateIdsNameTheFirstLine() throws {
        let text = """
            id,name,phone
            P1,Anna,13800138000
            P2,Ben,
            P1,Anna again,
            P1,Anna third,12345
            """
        let outcome = try validate(text)
        let repeated =
            "the id \"P1\" is already used on line 2; ids must be unique in the file: correct one of the ids "
            + "or remove the repeated row"
        var phoneMessage = ""
        do { _ = try PhoneNumber(parsing: "12345", defaultRegion: "CN") } catch {
            phoneMessage = error.message
        }
        #expect(
            outcome.report
                == .init(
                    rows: 4, valid: 2,
                    problems: [
                        PatientProblem(line: 4, column: 1, field: "id", message: repeated),
                        PatientProblem(line: 5, column: 1, field: "id", message: repeated),
                        PatientProblem(line: 5, column: 15, field: "phone", message: phoneMessage),
                    ],
                    truncatedProblems: 0))
        #expect(outcome.patients.map(\.id) == ["P1", "P2"])
        #expect(outcome.patients.map(\.name) == ["Anna", "Ben"])
    }

    @Test func longIdsAreComparedExactly() throws {
        let first = "7f3e9c1a-4b2d-4e8f-9a6b-0c1d2e3f4a5b"
        let near = "7f3e9c1a-4b2d-4e8f-9a6b-0c1d2e3f4a5c"
        let outcome = try validate("id,name\n\(first),A\n\(near),B\n\(first),C\n\(near),D\n")
        #expect(outcome.patients.map(\.name) == ["A", "B"])
        #expect(outcome.report.problems.map(\.line) == [4, 5])
        #expect(
            outcome.report.problems.map(\.message) == [
                "the id \"\(first)\" is already used on line 2; ids must be unique in the file: correct one of "
                    + "the ids or remove the repeated row",
                "the id \"\(near)\" is already used on line 3; ids must be unique in the file: correct one of "
                    + "the ids or remove the repeated row",
            ])
    }

    @Test func duplicateOfAnInvalidRowIsStillADuplicate() throws {
        let outcome = try validate("name,id\n,P1\nAnna,P1\n")
        #expect(
            outcome.report.problems == [
                PatientProblem(
                    line: 2, column: 1, field: "name",
                    message: "the name is empty; every patient needs a name (templates address them by it)"),
                PatientProblem(
                    line: 3, column: 6, field: "id",
                    message:
                        "the id \"P1\" is already used on line 2; ids must be unique in the file: correct "
                        + "one of the ids or remove the repeated row"),
            ])
        #expect(outcome.report.valid == 0)
        #expect(outcome.patients.isEmpty)
    }

    @Test func wrongFieldCountIsARowProblem() throws {
        let outcome = try validate("id,name\nP1,Wang, Fang\nP2,Ben\nP3\n")
        #expect(
            outcome.report
                == .init(
                    rows: 3, valid: 1,
                    problems: [
                        PatientProblem(
                            line: 2, column: 9, field: nil,
                            message:
                                "the row has 3 fields but the header has 2 columns; enclose a value that "
                                + "contains a comma in quotes (\"Wang, Li\"), or remove the extra fields"),
                        PatientProblem(
                            line: 4, column: 1, field: nil,
                            message:
                                "the row has 1 field but the header has 2 columns; add the missing fields "
                                + "(an empty value still needs its comma: a,,c), or enclose a value that "
                                + "contains a line break in quotes"),
                    ],
                    truncatedProblems: 0))
        #expect(outcome.patients.map(\.id) == ["P2"])
    }

    @Test func malformedQuoteIsARowProblemAndTheNextRowIsRead() throws {
        let outcome = try validate("id,name\nP1,An\"na\nP2,\"Ben\"x\nP3,Cy\n")
        #expect(outcome.report.rows == 3)
        #expect(outcome.report.valid == 1)
        #expect(
            outcome.report.problems.map(\.location) == [.init(line: 2, column: 6), .init(line: 3, column: 9)])
        #expect(outcome.report.problems.map(\.field) == [nil, nil])
        #expect(
            outcome.report.problems.first?.message
                == "unexpected quote inside an unquoted field; enclose the whole field in quotes and write each "
                + "inner quote as \"\"")
        #expect(outcome.patients.map(\.id) == ["P3"])
    }

    @Test func invalidUTF8IsARowProblem() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("latin1.csv")
        try Data(Array("id,name\nP1,Ren".utf8) + [0xE9] + Array("e\nP2,Zoe\n".utf8)).write(to: url)
        let outcome = try validate(url: url)
        #expect(outcome.report.rows == 2)
        #expect(outcome.report.problems.count == 1)
        #expect(outcome.report.problems.first?.location == SourceLocation(line: 2, column: 7))
        #expect(outcome.report.problems.first?.message.hasPrefix("invalid UTF-8 (byte 0xE9)") == true)
        #expect(outcome.patients.map(\.id) == ["P2"])
    }

    @Test func unterminatedQuoteIsFatal() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("open.csv", "id,name\nP0,Al\nP1,\"Anna\nP2,Ben\n")
        var seen: [String] = []
        let error = #expect(throws: CSVError.self) {
            _ = try PatientFileValidator.validate(
                url: url, defaultRegion: nil, onValid: { seen.append($0.id) })
        }
        #expect(error?.code == .unterminatedQuote)
        #expect(error?.location == SourceLocation(line: 3, column: 4))
        #expect(seen == ["P0"])
    }

    @Test func missingFileIsAnIOError() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: CSVError.self) {
            _ = try PatientFileValidator.validate(
                url: directory.url.appendingPathComponent("absent.csv"), defaultRegion: nil)
        }
        #expect(error?.code == .io)
    }

    @Test func headerErrorsNameTheFile() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("header.csv")
        let missing = try #require(try headerError("name,phone\nAnna,\n", in: directory))
        #expect(missing.code == .missingColumn)
        #expect(
            missing.description
                == "\(file):1:1: the header has no \"id\" column; the first line must name the columns, with at "
                + "least id (the clinic's patient id) and name")
        let duplicate = try #require(try headerError("\u{FEFF}id,name,name\r\nP1,A,B\r\n", in: directory))
        #expect(
            duplicate.description
                == "\(file):1:9: the column name \"name\" appears twice (first at 1:4); rename or remove one of "
                + "the two columns")
        let afterBlankLines = try #require(try headerError("\n\nid,,name\n", in: directory))
        #expect(afterBlankLines.code == .emptyColumnName)
        #expect(afterBlankLines.line == 3)
        #expect(afterBlankLines.column == 4)
    }

    /// `cat a.csv b.csv`: the second export's header (with its own byte order mark) is one problem on its line,
    /// not four confusing ones about a gender "gender" and a phone "phone".
    @Test func aRepeatedHeaderIsOneProblemOnItsLine() throws {
        let text =
            "\u{FEFF}id,name,phone\r\nP1,Anna,13800138000\r\n\u{FEFF}id,name,phone\nP2,Ben,13600136002\n"
        let outcome = try validate(text)
        #expect(
            outcome.report
                == .init(
                    rows: 3, valid: 2,
                    problems: [
                        PatientProblem(
                            line: 3, column: 1, field: nil,
                            message: "this line repeats the header (were two exports joined into one file?); "
                                + "remove it, or import each export on its own")
                    ], truncatedProblems: 0))
        #expect(outcome.patients.map(\.id) == ["P1", "P2"])
    }

    /// A spreadsheet's "CSV (semicolon)" export is one column per line: say so instead of only "no id column".
    @Test func aSemicolonSeparatedHeaderSaysSo() throws {
        let directory = try TemporaryDirectory()
        for (text, word) in [("id;name;phone\nP1;A;\n", "semicolons"), ("id\tname\nP1\tA\n", "tabs")] {
            let error = try #require(try headerError(text, in: directory))
            #expect(error.code == .missingColumn)
            #expect(
                error.message
                    == "the header has no \"id\" and no \"name\" column (the whole line is one column: the file is "
                    + "separated by \(word); export it as comma-separated CSV); the first line must name the "
                    + "columns, with at least id (the clinic's patient id) and name")
        }
    }

    @Test func emptyFileIsAHeaderError() throws {
        let directory = try TemporaryDirectory()
        for text in ["", "\n\n", "\u{FEFF}", " \r\n"] {
            let error = try #require(try headerError(text, in: directory))
            #expect(error.code == .emptyFile)
            #expect(
                error.message
                    == "the file is empty; its first line must be a header naming the columns, with at least id "
                    + "and name (e.g. id,name,phone)")
        }
    }

    @Test func malformedHeaderIsAHeaderError() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(try headerError("id,na\"me\nP1,A\n", in: directory))
        #expect(error.code == .syntax)
        #expect(error.line == 1)
        #expect(error.column == 6)
        #expect(error.message.hasPrefix("the header line is not valid CSV: unexpected quote"))
    }

    @Test func problemsAreCappedAtOneThousand() throws {
        var text = "id,name,gender\n"
        for index in 0..<1_500 { text += "B\(index),Bad,X\n" }
        for index in 0..<10 { text += "G\(index),Good,F\n" }
        let outcome = try validate(text)
        #expect(outcome.report.rows == 1_510)
        #expect(outcome.report.valid == 10)
        #expect(outcome.report.invalid == 1_500)
        #expect(outcome.report.problems.count == 1_000)
        #expect(outcome.report.truncatedProblems == 500)
        #expect(outcome.report.totalProblems == 1_500)
        #expect(
            outcome.report.problems.first
                == PatientProblem(line: 2, column: 8, field: "gender", message: "\"X\" " + genderAdvice))
        #expect(outcome.report.problems.last?.line == 1_001)
        #expect(outcome.patients.map(\.id) == (0..<10).map { "G\($0)" })
    }

    @Test func onValidSeesExactlyTheValidRowsInOrder() throws {
        let text = """
            id,name,opt_out,preferred_time
            A,Anna,1,
            B,,0,
            C,Cy,yes,
            D,Di,FALSE,19:00-21:00
            E,Ed,,7-9
            F,Fay,true,08:00-09:30
            """
        let outcome = try validate(text)
        #expect(outcome.patients.map(\.id) == ["A", "D", "F"])
        #expect(outcome.patients.map(\.optOut) == [true, false, true])
        #expect(
            outcome.patients.map { $0.preferredTime?.description } == [nil, "19:00-21:00", "08:00-09:30"])
        #expect(outcome.report.rows == 6)
        #expect(outcome.report.valid == 3)
        #expect(outcome.report.problems.map(\.line) == [3, 4, 6])
        #expect(outcome.report.problems.map(\.field) == ["name", "opt_out", "preferred_time"])
    }

    @Test func errorsThrownByOnValidStopThePass() throws {
        struct Stop: Error, Equatable {}
        let directory = try TemporaryDirectory()
        let url = try directory.write("p.csv", "id,name\nA,a\nB,b\nC,c\n")
        var seen: [String] = []
        #expect(throws: Stop()) {
            _ = try PatientFileValidator.validate(
                url: url, defaultRegion: nil,
                onValid: { patient in
                    seen.append(patient.id)
                    if patient.id == "B" { throw Stop() }
                })
        }
        #expect(seen == ["A", "B"])
    }

    @Test func readerFromMemory() throws {
        let reader = CSVReader(string: "id,name\nA,a\n")
        var ids: [String] = []
        let report = try PatientFileValidator.validate(
            reader, file: "stdin", defaultRegion: nil, onValid: { ids.append($0.id) })
        #expect(report == .init(rows: 1, valid: 1, problems: [], truncatedProblems: 0))
        #expect(ids == ["A"])
        let error = #expect(throws: PatientHeaderError.self) {
            _ = try PatientFileValidator.validate(
                CSVReader(string: "name\nx\n"), file: "stdin", defaultRegion: nil)
        }
        #expect(error?.description.hasPrefix("stdin:1:1: the header has no \"id\"") == true)
    }

    /// 200,000 generated rows stream through with exact counts: every 1,000th row has a bad gender, and one
    /// extra row at the end repeats the first id.
    @Test func twoHundredThousandRows() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("large.csv")
        var text = "id,name,phone,gender,birth_date,timezone,locale,tags,opt_out,preferred_time,doctor\n"
        text.reserveCapacity(24_000_000)
        let rowCount = 200_000
        for index in 0..<rowCount {
            let digits = String(index)
            let phone = "138" + String(repeating: "0", count: 8 - digits.count) + digits
            let gender = index % 1_000 == 999 ? "X" : (index % 2 == 0 ? "F" : "M")
            text += "P\(index),Patient \(index),\(phone),\(gender),1960-01-31,Asia/Shanghai,zh-CN,a;b,false,"
            text += "19:00-21:00,Dr. Li\n"
        }
        text += "P0,Again,,,,,,,,,\n"
        try Data(text.utf8).write(to: url)

        var validCount = 0
        var firstId: String?
        var lastId: String?
        var lastPhone: String?
        var progress: [(Int, Int?)] = []
        let report = try PatientFileValidator.validate(
            url: url, defaultRegion: "CN", progress: { progress.append(($0, $1)) },
            onValid: { patient in
                validCount += 1
                if firstId == nil { firstId = patient.id }
                lastId = patient.id
                lastPhone = patient.phone?.e164
            })
        #expect(report.rows == rowCount + 1)
        #expect(report.valid == rowCount - 200)
        #expect(report.problems.count == 201)
        #expect(report.truncatedProblems == 0)
        #expect(report.problems.filter { $0.field == "gender" }.count == 200)
        #expect(report.problems.first?.line == 1_001)
        #expect(
            report.problems.last
                == PatientProblem(
                    line: rowCount + 2, column: 1, field: "id",
                    message:
                        "the id \"P0\" is already used on line 2; ids must be unique in the file: correct "
                        + "one of the ids or remove the repeated row"))
        #expect(validCount == rowCount - 200)
        #expect(firstId == "P0")
        #expect(lastId == "P199998")
        #expect(lastPhone == "+8613800199998")

        let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        #expect(progress.last?.0 == size)
        #expect(progress.allSatisfy { $0.1 == size })
        #expect(zip(progress, progress.dropFirst()).allSatisfy { $0.0 <= $1.0 })
        #expect(progress.count >= size / (1 << 17))
        #expect(progress.count <= size / (1 << 16) + 2)
    }
}
