import CarelineCore
import Foundation
import FuzzSupport

/// A header with every column careline knows, so that rows are parsed even when the input's own header is bad.
private let knownHeader = [
    "id", "name", "family_name", "phone", "gender", "birth_date", "timezone", "locale", "tags", "opt_out",
    "preferred_time", "recheck_date",
]

/// One input: a patients CSV file. The first byte picks the reader's chunk size (1 to 64 bytes, to exercise
/// fields and line ends that span chunks) and the region; the rest is the file. The file is read record by
/// record with invariants checked, every record is parsed against a fixed header, and the whole file is
/// validated as `careline patients import` does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let control = bytes.first else { return 0 }
    let file = Data(bytes.dropFirst())
    let chunkSize = Int(control & 0x3F) + 1
    let region: String? = [nil, "CN", "US", "GB"][Int(control >> 6)]

    let lineBreaks = lineBreakCount(file)
    let parser = try? PatientRowParser(header: knownHeader, defaultRegion: region)
    invariant(parser != nil, "the fixed header is rejected")
    let reader = CSVReader(data: file, maxFieldBytes: 256, chunkSize: chunkSize)
    var records = 0
    var calls = 0
    var lastLine = 1
    while true {
        calls += 1
        // Each call consumes at least one byte or ends the input: more calls than bytes means a loop.
        invariant(calls <= file.count + 2, "next() called \(calls) times on \(file.count) bytes")
        do {
            guard let record = try reader.next() else { break }
            records += 1
            invariant(records <= lineBreaks + 1, "\(records) records from \(lineBreaks) line breaks")
            check(record, lineBreaks: lineBreaks, lastLine: &lastLine)
            if let parser { checkRow(parser.parse(record), record: record) }
        } catch {
            invariant(error.code != .io, "an in-memory reader failed with io")
            invariant(error.line >= 1 && error.column >= 1, "CSV error at \(error.line):\(error.column)")
            invariant(error.line <= lineBreaks + 1, "CSV error on line \(error.line) of \(lineBreaks + 1)")
            invariant(!error.message.isEmpty, "a CSV error without a message")
            if error.code == .unterminatedQuote {
                invariant((try? reader.next()) == nil, "the reader continued after an unterminated quote")
                break
            }
        }
    }
    invariant(reader.bytesRead <= file.count, "read \(reader.bytesRead) of \(file.count) bytes")

    validate(file, region: region, lineBreaks: lineBreaks)
    return 0
}

/// The import's validation pass over the whole file.
private func validate(_ file: Data, region: String?, lineBreaks: Int) {
    do {
        let report = try PatientFileValidator.validate(
            CSVReader(data: file), file: "fuzz.csv", defaultRegion: region)
        invariant(report.valid >= 0 && report.valid <= report.rows, "valid \(report.valid) of \(report.rows)")
        invariant(report.rows <= lineBreaks + 1, "\(report.rows) rows from \(lineBreaks) line breaks")
        invariant(report.problems.count <= PatientFileValidator.problemLimit, "too many problems kept")
        for problem in report.problems {
            invariant(
                problem.line >= 1 && problem.column >= 1, "problem at \(problem.line):\(problem.column)")
            invariant(problem.line <= lineBreaks + 1, "problem on line \(problem.line) of \(lineBreaks + 1)")
        }
    } catch let error as CSVError {
        invariant(error.code == .unterminatedQuote, "validation threw \(error.code)")
    } catch let error as PatientHeaderError {
        invariant(error.line >= 1 && error.column >= 1, "header error at \(error.line):\(error.column)")
    } catch {
        invariant(false, "validation threw \(type(of: error))")
    }
}

/// The reader's positions stay inside the input and fields and columns match.
private func check(_ record: CSVRecord, lineBreaks: Int, lastLine: inout Int) {
    invariant(record.line >= lastLine, "record on line \(record.line) after line \(lastLine)")
    invariant(record.line <= lineBreaks + 1, "record on line \(record.line) of \(lineBreaks + 1)")
    lastLine = record.line
    invariant(!record.fields.isEmpty, "a record without fields")
    invariant(record.fields.count == record.columns.count, "fields and columns differ in number")
    invariant(record.columns.allSatisfy { $0 >= 1 }, "a field before column 1")
    if let fieldLines = record.fieldLines {
        invariant(fieldLines.count == record.fields.count, "fields and field lines differ in number")
        invariant(fieldLines.first == record.line, "the first field is not on the record's line")
        invariant(zip(fieldLines, fieldLines.dropFirst()).allSatisfy { $0 <= $1 }, "field lines go back")
    }
    for field in record.fields {
        invariant(field.utf8.count <= 256, "a field longer than maxFieldBytes")
    }
}

/// A row's problems point into the row.
private func checkRow(_ result: Result<Patient, PatientProblems>, record: CSVRecord) {
    guard case .failure(let problems) = result else { return }
    invariant(!problems.isEmpty, "a failed row without problems")
    let lastLine = record.fieldLines?.last ?? record.line
    for problem in problems {
        invariant(
            problem.line >= record.line && problem.line <= lastLine,
            "problem on line \(problem.line) for a record on lines \(record.line)...\(lastLine)")
        invariant(problem.column >= 1, "problem at column \(problem.column)")
    }
}

/// LF, CRLF and a lone CR each end one line.
private func lineBreakCount(_ data: Data) -> Int {
    var count = 0
    var previous: UInt8 = 0
    for byte in data {
        if byte == 0x0A {
            if previous != 0x0D { count += 1 }
        } else if byte == 0x0D {
            count += 1
        }
        previous = byte
    }
    return count
}
