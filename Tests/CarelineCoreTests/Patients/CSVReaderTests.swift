import Foundation
import Testing

@testable import CarelineCore

/// One outcome of `CSVReader.next()`: a record, or an error reduced to code and position.
private enum Outcome: Equatable, CustomStringConvertible {
    case record(Int, [String], [Int])
    case error(CSVError.Code, Int, Int)

    var description: String {
        switch self {
        case .record(let line, let fields, let columns): "record(\(line), \(fields), \(columns))"
        case .error(let code, let line, let column): "error(\(code), \(line):\(column))"
        }
    }
}

/// Reads everything, continuing after errors; stops after `limit` outcomes so a bug cannot hang.
private func outcomes(_ reader: CSVReader, limit: Int = 10_000) -> [Outcome] {
    var result: [Outcome] = []
    while result.count < limit {
        do {
            guard let record = try reader.next() else { return result }
            result.append(.record(record.line, record.fields, record.columns))
        } catch {
            result.append(.error(error.code, error.line, error.column))
        }
    }
    Issue.record("reader did not finish after \(limit) outcomes")
    return result
}

private func outcomes(_ text: String, chunkSize: Int = 1 << 16) -> [Outcome] {
    outcomes(CSVReader(data: Data(text.utf8), chunkSize: chunkSize))
}

private func outcomes(bytes: [UInt8], chunkSize: Int = 1 << 16) -> [Outcome] {
    outcomes(CSVReader(data: Data(bytes), chunkSize: chunkSize))
}

private func records(_ text: String) throws -> [CSVRecord] {
    let reader = CSVReader(string: text)
    var result: [CSVRecord] = []
    while let record = try reader.next() { result.append(record) }
    return result
}

private func temporaryFile(_ bytes: [UInt8]) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("csvreader-\(UUID().uuidString).csv")
    try Data(bytes).write(to: url)
    return url
}

@Suite("CSVReader")
struct CSVReaderTests {
    @Test func simpleRecords() throws {
        let result = try records("name,phone\nAnna,+41791234567\nBen,+41797654321\n")
        #expect(
            result == [
                CSVRecord(line: 1, fields: ["name", "phone"], columns: [1, 6]),
                CSVRecord(line: 2, fields: ["Anna", "+41791234567"], columns: [1, 6]),
                CSVRecord(line: 3, fields: ["Ben", "+41797654321"], columns: [1, 5]),
            ])
    }

    @Test func quotedFieldsWithCommasNewlinesAndEscapedQuotes() throws {
        let text = "id,note,x\n1,\"a, b\",\"say \"\"hi\"\"\"\n2,\"line1\nline2\r\nline3\",\"\"\n3,z,w\n"
        let result = try records(text)
        #expect(
            result.map(\.fields) == [
                ["id", "note", "x"],
                ["1", "a, b", "say \"hi\""],
                ["2", "line1\nline2\r\nline3", ""],
                ["3", "z", "w"],
            ])
        #expect(result.map(\.line) == [1, 2, 3, 6])
        #expect(result[1].columns == [1, 3, 10])
        #expect(result[2].columns == [1, 3, 8])
        #expect(result[2].fieldLines == [3, 3, 5])
        #expect(result[2].location(ofField: 2) == SourceLocation(line: 5, column: 8))
        #expect(result[1].fieldLines == nil)
        #expect(result[1].location(ofField: 1) == SourceLocation(line: 2, column: 3))
    }

    @Test func crlfLineEnds() {
        #expect(
            outcomes("a,b\r\nc,d\r\n") == [
                .record(1, ["a", "b"], [1, 3]), .record(2, ["c", "d"], [1, 3]),
            ])
    }

    @Test func loneCarriageReturnEndsARecord() {
        #expect(
            outcomes("a,b\rc,d\r\r\ne") == [
                .record(1, ["a", "b"], [1, 3]),
                .record(2, ["c", "d"], [1, 3]),
                .record(3, [""], [1]),
                .record(4, ["e"], [1]),
            ])
    }

    @Test func byteOrderMarkIsSkippedOnlyAtTheStart() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(outcomes(bytes: bom + Array("name,x\n".utf8)) == [.record(1, ["name", "x"], [1, 6])])
        #expect(outcomes(bytes: bom) == [])
        #expect(
            outcomes(bytes: Array("a\n".utf8) + bom + Array("b\n".utf8)) == [
                .record(1, ["a"], [1]), .record(2, ["\u{FEFF}b"], [1]),
            ])
    }

    @Test func finalRecordWithoutTrailingNewline() {
        #expect(outcomes("a,b\nc,d") == [.record(1, ["a", "b"], [1, 3]), .record(2, ["c", "d"], [1, 3])])
        #expect(outcomes("a,\"b\"") == [.record(1, ["a", "b"], [1, 3])])
        #expect(outcomes("a,") == [.record(1, ["a", ""], [1, 3])])
    }

    @Test func emptyFields() {
        #expect(
            outcomes(",,\n,\"\",x\n") == [
                .record(1, ["", "", ""], [1, 2, 3]),
                .record(2, ["", "", "x"], [1, 2, 5]),
            ])
    }

    @Test func emptyLines() {
        #expect(outcomes("") == [])
        #expect(outcomes("\n\n\r\n") == [])
        #expect(
            outcomes("a\n\n\nb\n\n\n") == [
                .record(1, ["a"], [1]),
                .record(2, [""], [1]),
                .record(3, [""], [1]),
                .record(4, ["b"], [1]),
            ])
        #expect(outcomes("\r\na") == [.record(1, [""], [1]), .record(2, ["a"], [1])])
    }

    @Test func unicodeColumnsCountScalars() {
        #expect(
            outcomes("王小明,张伟,\"李 娜\",x\n😀,é,ü\n") == [
                .record(1, ["王小明", "张伟", "李 娜", "x"], [1, 5, 8, 14]),
                .record(2, ["😀", "é", "ü"], [1, 3, 5]),
            ])
    }

    @Test func unterminatedQuotePointsAtTheOpeningQuote() {
        #expect(
            outcomes("a,b\nc,\"d,e\nf\n") == [
                .record(1, ["a", "b"], [1, 3]),
                .error(.unterminatedQuote, 2, 3),
            ])
        #expect(outcomes("\"") == [.error(.unterminatedQuote, 1, 1)])
    }

    @Test func strayQuote() {
        #expect(outcomes("ab,c\"d,e\nok\n") == [.error(.strayQuote, 1, 5), .record(2, ["ok"], [1])])
        #expect(outcomes("张\"\n") == [.error(.strayQuote, 1, 2)])
    }

    @Test func textAfterQuote() {
        #expect(outcomes("\"ab\"c,d\nok\n") == [.error(.textAfterQuote, 1, 5), .record(2, ["ok"], [1])])
        #expect(outcomes("x,\"a\nb\" ,d\nok") == [.error(.textAfterQuote, 2, 3), .record(3, ["ok"], [1])])
    }

    @Test func invalidUTF8ReportsTheBadByte() {
        // Latin-1 "é" (0xE9) inside an unquoted field.
        #expect(
            outcomes(bytes: Array("ok\nab,c".utf8) + [0xE9] + Array("d\nnext\n".utf8)) == [
                .record(1, ["ok"], [1]), .error(.invalidUTF8, 2, 5), .record(3, ["next"], [1]),
            ])
        // Inside a quoted field after a line break and an escaped quote ("" counts two columns).
        #expect(
            outcomes(bytes: Array("a,\"x\n\"\"é".utf8) + [0xFF] + Array("\"\nnext\n".utf8)) == [
                .error(.invalidUTF8, 2, 4), .record(3, ["next"], [1]),
            ])
        // Overlong encoding, encoded surrogate, truncated sequence at the end of the input.
        #expect(outcomes(bytes: [0xC0, 0xAF]) == [.error(.invalidUTF8, 1, 1)])
        #expect(outcomes(bytes: Array("张,".utf8) + [0xED, 0xA0, 0x80]) == [.error(.invalidUTF8, 1, 3)])
        #expect(outcomes(bytes: Array("x".utf8) + [0xE5, 0xBC]) == [.error(.invalidUTF8, 1, 2)])
        // A stray continuation byte after a valid multi-byte character.
        #expect(outcomes(bytes: Array("é".utf8) + [0x80]) == [.error(.invalidUTF8, 1, 2)])
        // Bad bytes before a stray quote are reported first.
        #expect(outcomes(bytes: [0x61, 0xFE, 0x22]) == [.error(.invalidUTF8, 1, 2)])
        // Bad bytes in a quoted field followed by text after the quote are reported first.
        #expect(outcomes(bytes: [0x22, 0xFE, 0x22, 0x61]) == [.error(.invalidUTF8, 1, 2)])
    }

    @Test func invalidUTF8MessageAndDescription() throws {
        let reader = CSVReader(data: Data([0x61, 0xE9, 0x0A]))
        #expect(throws: CSVError.self) { try reader.next() }
        do {
            _ = try CSVReader(data: Data([0x61, 0xE9])).next()
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidUTF8)
            #expect(error.description.hasPrefix("1:2: invalid UTF-8 (byte 0xE9)"))
            #expect(error.location == SourceLocation(line: 1, column: 2))
        }
    }

    @Test func unterminatedQuoteMessage() {
        do {
            _ = try CSVReader(string: "a,\"b").next()
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description == "1:3: unterminated quoted field (the quote opened here is never "
                    + "closed); close it with \" or escape inner quotes as \"\"")
        }
    }

    @Test func recoveryReportsEveryBadRow() {
        let text = [
            "name,phone",  // 1
            "Anna,+41791234567",  // 2
            "Be\"n,+41797654321",  // 3 stray quote at 3
            "\"Cleo\"x,+41790000000",  // 4 text after quote at 7
            "Dora,\"multi",  // 5 bad row whose quote spans a line break
            "line\"x,y",  // 6 (still part of row 5, skipped)
            "Emil,+41790000001",  // 7
            "\"Finn\",\"a\"\"b\"",  // 8
        ].joined(separator: "\n")
        let longField = String(repeating: "z", count: 40)
        let reader = CSVReader(data: Data((text + "\n" + longField + ",q\nGus,1\n").utf8), maxFieldBytes: 30)
        #expect(
            outcomes(reader) == [
                .record(1, ["name", "phone"], [1, 6]),
                .record(2, ["Anna", "+41791234567"], [1, 6]),
                .error(.strayQuote, 3, 3),
                .error(.textAfterQuote, 4, 7),
                .error(.textAfterQuote, 6, 6),
                .record(7, ["Emil", "+41790000001"], [1, 6]),
                .record(8, ["Finn", "a\"b"], [1, 8]),
                .error(.fieldTooLarge, 9, 1),
                .record(10, ["Gus", "1"], [1, 5]),
            ])
    }

    static let chunkInputs: [[UInt8]] = [
        Array("name,phone\nAnna,+41791234567\r\nBen,\"a, \"\"b\"\"\r\nc\"\n\n\nx\ry".utf8),
        [0xEF, 0xBB, 0xBF] + Array("王小明,\"张\r\n伟\",😀é\r\n\"\",,\"\"\"\"\n".utf8),
        Array("a,\"b\"\"\",c\n\"\"\"\",\"\"\r\r\n\r\n".utf8),
        Array("ok\nab\"c,d\n\"x\"y\nbad\u{1}".utf8) + [0xE9, 0x0A] + Array("\"p\nq\",r\n\"open\nend".utf8),
        Array("x,\"é".utf8) + [0xC3] + Array("\"\n\"\r\r\"\"\",1\n".utf8),
        Array(String(repeating: "field,\"quoted, with comma\",ü\n", count: 50).utf8),
        [0xEF, 0xBB],
        [0x0D, 0x0D, 0x0A, 0x61],
        [0x22, 0x22],
        Array("a\r".utf8),
    ]

    @Test(arguments: chunkInputs.indices)
    func chunkBoundariesDoNotChangeTheResult(index: Int) throws {
        let bytes = Self.chunkInputs[index]
        let expected = outcomes(bytes: bytes)
        #expect(!expected.isEmpty)
        for size in [1, 2, 3, 4, 5, 7, 11] {
            #expect(outcomes(bytes: bytes, chunkSize: size) == expected, "chunk size \(size)")
        }
        let url = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        for size in [1, 2, 3, 7, 1 << 16] {
            #expect(outcomes(try CSVReader(url: url, chunkSize: size)) == expected, "file chunk size \(size)")
        }
    }

    @Test func chunkBoundaryExpectationsAreRight() {
        #expect(
            outcomes(bytes: Self.chunkInputs[0], chunkSize: 1) == [
                .record(1, ["name", "phone"], [1, 6]),
                .record(2, ["Anna", "+41791234567"], [1, 6]),
                .record(3, ["Ben", "a, \"b\"\r\nc"], [1, 5]),
                .record(5, [""], [1]),
                .record(6, [""], [1]),
                .record(7, ["x"], [1]),
                .record(8, ["y"], [1]),
            ])
        #expect(
            outcomes(bytes: Self.chunkInputs[3], chunkSize: 2) == [
                .record(1, ["ok"], [1]),
                .error(.strayQuote, 2, 3),
                .error(.textAfterQuote, 3, 4),
                .error(.invalidUTF8, 4, 5),
                .record(5, ["p\nq", "r"], [1, 4]),
                .error(.unterminatedQuote, 7, 1),
            ])
    }

    @Test func fieldsUpToTheLimitAreAccepted() {
        let exact = String(repeating: "a", count: 8)
        let reader = CSVReader(
            data: Data("\(exact),\"\(exact)\",\"aaa\"\"aaaa\"\n".utf8), maxFieldBytes: 8,
            chunkSize: 3)
        #expect(outcomes(reader) == [.record(1, [exact, exact, "aaa\"aaaa"], [1, 10, 21])])
        let over = CSVReader(data: Data("\"aaa\"\"aaaaa\"\nok".utf8), maxFieldBytes: 8, chunkSize: 3)
        #expect(outcomes(over) == [.error(.fieldTooLarge, 1, 1), .record(2, ["ok"], [1])])
    }

    @Test(arguments: [false, true])
    func tenMegabyteFieldFailsFast(quoted: Bool) throws {
        var bytes = Array("id,note\n1,".utf8)
        if quoted { bytes.append(0x22) }
        bytes += [UInt8](repeating: 0x78, count: 10 << 20)
        if quoted { bytes += Array("\n\"\"".utf8) + [0x22] }
        bytes += Array("\n2,ok\n".utf8)
        let url = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try CSVReader(url: url)
        #expect(try reader.next()?.fields == ["id", "note"])
        do {
            _ = try reader.next()
            Issue.record("expected fieldTooLarge")
        } catch {
            #expect(error.code == .fieldTooLarge)
            #expect(error.location == SourceLocation(line: 2, column: 3))
            #expect(error.message.contains("\(1 << 20) bytes"))
            // The limit is no setting: the message says what to change in the file, not "raise the limit".
            #expect(!error.message.contains("raise the limit"))
            #expect(error.message.contains("leave this column out of the export"))
        }
        // It stopped right after the limit instead of reading the whole field.
        #expect(reader.bytesRead <= 10 + (1 << 20) + (1 << 16))
        let last = try reader.next()
        #expect(last == CSVRecord(line: quoted ? 4 : 3, fields: ["2", "ok"], columns: [1, 3]))
        #expect(try reader.next() == nil)
    }

    @Test func readsAFileOnDisk() throws {
        let text = "name,phone\n王小明,+41791234567\n\"Ben\",\"+41 79\"\n"
        let url = try temporaryFile(Array(text.utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try CSVReader(url: url, chunkSize: 5)
        #expect(reader.totalBytes == text.utf8.count)
        #expect(reader.bytesRead == 0)
        var all: [CSVRecord] = []
        while let record = try reader.next() { all.append(record) }
        #expect(
            all == [
                CSVRecord(line: 1, fields: ["name", "phone"], columns: [1, 6]),
                CSVRecord(line: 2, fields: ["王小明", "+41791234567"], columns: [1, 5]),
                CSVRecord(line: 3, fields: ["Ben", "+41 79"], columns: [1, 7]),
            ])
        #expect(reader.bytesRead == text.utf8.count)
        #expect(try reader.next() == nil)
    }

    @Test func missingFileIsAnIOError() {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID()).csv")
        #expect(throws: CSVError.self) { try CSVReader(url: url) }
        do {
            _ = try CSVReader(url: url)
        } catch {
            #expect(error.code == .io)
            #expect(error.line == 0 && error.column == 0)
            #expect(error.message.contains(url.lastPathComponent))
        }
    }

    @Test func directoryIsAnIOErrorOnRead() throws {
        let reader = try CSVReader(url: FileManager.default.temporaryDirectory)
        #expect(reader.totalBytes == nil)
        #expect(outcomes(reader) == [.error(.io, 1, 1)])
    }

    @Test func progressCountsConsumedBytes() throws {
        let reader = CSVReader(string: "a,b\nc,d\n")
        #expect(reader.totalBytes == 8)
        _ = try reader.next()
        #expect(reader.bytesRead == 4)
        _ = try reader.next()
        #expect(reader.bytesRead == 8)
    }

    @Test func dataSlicesAreReadFromTheirStart() {
        let data = Data("zz\na,b\n".utf8).dropFirst(3)
        #expect(outcomes(CSVReader(data: data, chunkSize: 2)) == [.record(1, ["a", "b"], [1, 3])])
    }

    @Test func validatorAgreesWithTheStandardLibrary() {
        var generator = SplitMix(seed: 42)
        let pieces: [[UInt8]] = [
            [0x61], [0xC3, 0xA9], [0xE4, 0xB8, 0xAD], [0xF0, 0x9F, 0x98, 0x80], [0x80], [0xC0], [0xC3],
            [0xE0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8], [0xEF, 0xBF, 0xBF],
        ]
        for _ in 0..<2000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 6) {
                bytes += pieces[Int(generator.next() % UInt64(pieces.count))]
            }
            let ours = bytes.withUnsafeBufferPointer { CSVReader.firstInvalidUTF8($0) }
            #expect((ours == nil) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }

    @Test func randomRecordsRoundTripWithPositions() {
        var generator = SplitMix(seed: 99)
        let pieces = ["a", "Zoë", "王", "😀", " ", ",", "\"", "\n", "\r\n", "\r", "x1", ""]
        let terminators = ["\n", "\r\n", "\r"]
        for _ in 0..<200 {
            var text = ""
            var expected: [Outcome] = []
            var line = 1
            var column = 1
            var afterCR = false
            func advance(over encoded: String) {
                for scalar in encoded.unicodeScalars {
                    if scalar == "\r" {
                        line += 1
                        column = 1
                    } else if scalar == "\n" {
                        if !afterCR { line += 1 }
                        column = 1
                    } else {
                        column += 1
                    }
                    afterCR = scalar == "\r"
                }
                text += encoded
            }
            let recordCount = 1 + Int(generator.next() % 6)
            for index in 0..<recordCount {
                let recordLine = line
                var fields: [String] = []
                var columns: [Int] = []
                let fieldCount = 1 + Int(generator.next() % 4)
                for fieldIndex in 0..<fieldCount {
                    if fieldIndex > 0 { advance(over: ",") }
                    var value = ""
                    for _ in 0..<Int(generator.next() % 4) {
                        value += pieces[Int(generator.next() % UInt64(pieces.count))]
                    }
                    fields.append(value)
                    columns.append(column)
                    let special = value.unicodeScalars.contains { ",\"\r\n".unicodeScalars.contains($0) }
                    let quoted = special || (fieldCount == 1 && value.isEmpty) || generator.next() % 4 == 0
                    let escaped = value.replacingOccurrences(of: "\"", with: "\"\"")
                    advance(over: quoted ? "\"" + escaped + "\"" : value)
                }
                expected.append(.record(recordLine, fields, columns))
                if index < recordCount - 1 || generator.next() % 2 == 0 {
                    advance(over: terminators[Int(generator.next() % 3)])
                }
            }
            for size in [1, 3, 1 << 16] {
                #expect(outcomes(text, chunkSize: size) == expected, "\(text.debugDescription) chunk \(size)")
            }
        }
    }

    @Test func randomInputNeverHangsAndMatchesAcrossChunkSizes() {
        var generator = SplitMix(seed: 7)
        let alphabet: [UInt8] = [0x22, 0x2C, 0x0A, 0x0D, 0x61, 0xC3, 0xA9, 0xE9, 0xEF, 0xBB, 0xBF]
        for _ in 0..<300 {
            let count = Int(generator.next() % 40)
            let bytes = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let expected = outcomes(CSVReader(data: Data(bytes), maxFieldBytes: 6))
            for size in [1, 2, 3] {
                let got = outcomes(CSVReader(data: Data(bytes), maxFieldBytes: 6, chunkSize: size))
                #expect(got == expected, "\(bytes) chunk \(size)")
            }
        }
    }
}

/// A small deterministic random number generator for reproducible generated inputs.
private struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
