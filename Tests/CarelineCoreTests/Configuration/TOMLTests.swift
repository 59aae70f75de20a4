import Testing

@testable import CarelineCore

/// Parses a document that must be valid, recording the error as a test failure otherwise.
private func parse(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
    -> TOMLTable
{
    do {
        return try TOML.parse(text)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// Parses a document that must be invalid and returns the error.
private func parseError(
    _ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> TOMLError? {
    do {
        let table = try TOML.parse(text)
        Issue.record("expected an error, parsed \(table.keys)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

private func loc(_ line: Int, _ column: Int) -> CarelineCore.SourceLocation {
    CarelineCore.SourceLocation(line: line, column: column)
}

@Suite("TOML values")
struct TOMLValueTests {
    @Test func basicStringsWithEveryEscape() throws {
        let table = try parse(#"a = "q\" b\\ \b\t\n\f\r é \u00E9 \U0001F600 明德""# + "\n")
        #expect(table["a"]?.value == .string("q\" b\\ \u{08}\t\n\u{0C}\r é é 😀 明德"))
        let tab = try parse("a = \"x\ty\"")
        #expect(tab["a"]?.value.stringValue == "x\ty")
    }

    @Test func multilineBasicStrings() throws {
        let table = try parse(
            "a = \"\"\"\nline one\nline two\"\"\"\n"
                + "b = \"\"\"\\\n    The quick \\\n\n    brown \\   \n    fox.\"\"\"\n"
                + "c = \"\"\"x\"\"\"\"\n"
                + "d = \"\"\"x\"\"\"\"\"\n"
                + "e = \"\"\"\r\ncrlf\r\nlines\"\"\"\n"
                + "f = \"\"\"two \"\" quotes\"\"\"\n")
        #expect(table["a"]?.value.stringValue == "line one\nline two")
        #expect(table["b"]?.value.stringValue == "The quick brown fox.")
        #expect(table["c"]?.value.stringValue == "x\"")
        #expect(table["d"]?.value.stringValue == "x\"\"")
        #expect(table["e"]?.value.stringValue == "crlf\nlines")
        #expect(table["f"]?.value.stringValue == "two \"\" quotes")
    }

    @Test func literalStrings() throws {
        let table = try parse(
            #"a = 'C:\Users\nodejs\templates'"# + "\n"
                + "b = '''\nfirst\\n\n  second'''\n"
                + "c = '''x''''\n"
                + "d = ''\n")
        #expect(table["a"]?.value.stringValue == #"C:\Users\nodejs\templates"#)
        #expect(table["b"]?.value.stringValue == "first\\n\n  second")
        #expect(table["c"]?.value.stringValue == "x'")
        #expect(table["d"]?.value.stringValue == "")
    }

    @Test func integers() throws {
        let table = try parse(
            """
            a = 0
            b = +99
            c = -17
            d = 1_000_000
            e = 0xDEAD_beef
            f = 0o755
            g = 0b1101_0101
            h = 9223372036854775807
            i = -9223372036854775808
            j = -0
            """)
        let expected: [(String, Int64)] = [
            ("a", 0), ("b", 99), ("c", -17), ("d", 1_000_000), ("e", 0xDEAD_BEEF), ("f", 0o755),
            ("g", 0b1101_0101), ("h", .max), ("i", .min), ("j", 0),
        ]
        for (key, value) in expected {
            #expect(table[key]?.value == .integer(value), "\(key)")
        }
        #expect(table["e"]?.value.typeName == "integer")
        #expect(table["d"]?.value.doubleValue == 1_000_000)
    }

    @Test func floats() throws {
        let table = try parse(
            """
            a = 1.0
            b = -0.01
            c = 5e+22
            d = 1e06
            e = -2E-2
            f = 6.626e-34
            g = 224_617.445_991_228
            h = -0.0
            i = inf
            j = +inf
            k = -inf
            l = nan
            m = -nan
            n = 1e400
            """)
        #expect(table["a"]?.value == .float(1))
        #expect(table["b"]?.value == .float(-0.01))
        #expect(table["c"]?.value == .float(5e22))
        #expect(table["d"]?.value == .float(1e6))
        #expect(table["e"]?.value == .float(-0.02))
        #expect(table["f"]?.value == .float(6.626e-34))
        #expect(table["g"]?.value == .float(224_617.445_991_228))
        let negativeZero = try #require(table["h"]?.value.doubleValue)
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        #expect(table["i"]?.value == .float(.infinity))
        #expect(table["j"]?.value == .float(.infinity))
        #expect(table["k"]?.value == .float(-.infinity))
        #expect(table["l"]?.value.doubleValue?.isNaN == true)
        #expect(table["m"]?.value.doubleValue?.isNaN == true)
        #expect(table["n"]?.value == .float(.infinity))
        #expect(table["l"]?.value == .float(.nan), "NaN equals NaN for TOMLValue")
        #expect(table["a"]?.value.typeName == "float")
    }

    @Test func booleans() throws {
        let table = try parse("yes = true\nno = false\n")
        #expect(table["yes"]?.value == .boolean(true))
        #expect(table["no"]?.value.boolValue == false)
        #expect(table["no"]?.value.typeName == "boolean")
        #expect(table["no"]?.value.stringValue == nil)
    }

    @Test func datesAndTimes() throws {
        let table = try parse(
            """
            odt1 = 1979-05-27T07:32:00Z
            odt2 = 1979-05-27T00:32:00-07:00
            odt3 = 1979-05-27T00:32:00.999999+05:30
            odt4 = 1979-05-27 07:32:00z
            ldt1 = 1979-05-27t07:32:00
            ldt2 = 1979-05-27T00:32:00.123456789123
            ld = 2026-12-01
            leap = 2024-02-29
            leap400 = 2000-02-29
            lt1 = 07:32:00
            lt2 = 00:32:00.5
            """)
        let odt1 = try #require(table["odt1"]?.value.dateTimeValue)
        #expect(
            odt1
                == TOMLDateTime(
                    year: 1979, month: 5, day: 27, hour: 7, minute: 32, second: 0, nanosecond: 0,
                    offsetMinutes: 0))
        #expect(odt1.kind == .offsetDateTime)
        #expect(odt1.description == "1979-05-27T07:32:00Z")
        #expect(table["odt2"]?.value.dateTimeValue?.offsetMinutes == -420)
        #expect(table["odt2"]?.value.dateTimeValue?.description == "1979-05-27T00:32:00-07:00")
        #expect(table["odt3"]?.value.dateTimeValue?.nanosecond == 999_999_000)
        #expect(table["odt3"]?.value.dateTimeValue?.description == "1979-05-27T00:32:00.999999+05:30")
        #expect(table["odt4"]?.value == table["odt1"]?.value)
        let ldt1 = try #require(table["ldt1"]?.value.dateTimeValue)
        #expect(ldt1.kind == .localDateTime)
        #expect(ldt1.description == "1979-05-27T07:32:00")
        #expect(table["ldt2"]?.value.dateTimeValue?.nanosecond == 123_456_789, "digits past 9 are dropped")
        let date = try #require(table["ld"]?.value.dateTimeValue)
        #expect(date == TOMLDateTime(year: 2026, month: 12, day: 1))
        #expect(date.kind == .localDate)
        #expect(date.description == "2026-12-01")
        #expect(table["ld"]?.value.typeName == "date")
        #expect(table["leap"]?.value.dateTimeValue?.day == 29)
        #expect(table["leap400"]?.value.dateTimeValue?.day == 29)
        let time = try #require(table["lt1"]?.value.dateTimeValue)
        #expect(time == TOMLDateTime(hour: 7, minute: 32, second: 0, nanosecond: 0))
        #expect(time.kind == .localTime)
        #expect(time.description == "07:32:00")
        #expect(table["lt1"]?.value.typeName == "time")
        #expect(table["lt2"]?.value.dateTimeValue?.description == "00:32:00.5")
        #expect(table["odt1"]?.value.typeName == "date-time")
        #expect(table["ldt1"]?.value.typeName == "date-time")
    }

    @Test func arrays() throws {
        let table = try parse(
            """
            empty = []
            mixed = [1, "two", 3.0, [4], { x = 5 }, 1979-05-27]
            multiline = [
              "a",  # first
              # a comment line
              "b",
            ]
            nested = [ [ 1, 2 ], [ 'a', "b" ] ]
            """)
        #expect(table["empty"]?.value == .array([]))
        let mixed = try #require(table["mixed"]?.value.arrayValue)
        #expect(mixed.map(\.value.typeName) == ["integer", "string", "float", "array", "table", "date"])
        #expect(mixed[4].value.tableValue?["x"]?.value == .integer(5))
        #expect(table["multiline"]?.value.arrayValue?.map(\.value.stringValue) == ["a", "b"])
        let nested = try #require(table["nested"]?.value.arrayValue)
        #expect(nested[1].value.arrayValue?.map(\.value.stringValue) == ["a", "b"])
        #expect(table["nested"]?.value.typeName == "array")
    }

    @Test func inlineTables() throws {
        let table = try parse(
            "point = { x = 1, y = 2 }\nempty = {}\ndotted = { a.b = 1, a.c = 2, 'q k' = 3 }\n"
                + "deep = { a = { b = { c = true } } }\n")
        let point = try #require(table["point"]?.value.tableValue)
        #expect(point.keys == ["x", "y"])
        #expect(table["empty"]?.value.tableValue?.isEmpty == true)
        let dotted = try #require(table["dotted"]?.value.tableValue)
        #expect(dotted.keys == ["a", "q k"])
        #expect(dotted.node(at: ["a", "c"])?.value == .integer(2))
        #expect(table.node(at: ["deep", "a", "b", "c"])?.value == .boolean(true))
    }
}

@Suite("TOML keys and tables")
struct TOMLTableTests {
    @Test func bareQuotedAndDottedKeys() throws {
        let table = try parse(
            """
            bare_key-1 = 1
            1234 = 2
            "quoted key" = 3
            'literal "key"' = 4
            "" = 5
            site . "google.com" . ok = true
            3.14159 = "pi"
            """)
        #expect(table.keys == ["bare_key-1", "1234", "quoted key", "literal \"key\"", "", "site", "3"])
        #expect(table.node(at: ["site", "google.com", "ok"])?.value == .boolean(true))
        #expect(table.node(at: ["3", "14159"])?.value == .string("pi"))
        #expect(table[""]?.value == .integer(5))
    }

    @Test func keysKeepDocumentOrder() throws {
        let table = try parse("zeta = 1\nalpha = 2\nmid = 3\n[b]\n[a]\n")
        #expect(table.keys == ["zeta", "alpha", "mid", "b", "a"])
        #expect(table.entries.map(\.key) == table.keys)
        #expect(table.count == 5)
    }

    @Test func headersDottedKeysAndSubtables() throws {
        let table = try parse(
            """
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true

            [fruit.apple.texture]
            smooth = true

            [a.b.c]
            z = 9
            [a]
            y = 1
            b.d = 2
            """)
        #expect(table.node(at: ["fruit", "apple", "color"])?.value == .string("red"))
        #expect(table.node(at: ["fruit", "apple", "taste", "sweet"])?.value == .boolean(true))
        #expect(table.node(at: ["fruit", "apple", "texture", "smooth"])?.value == .boolean(true))
        #expect(table.node(at: ["a", "b", "c", "z"])?.value == .integer(9))
        #expect(table.node(at: ["a", "b", "d"])?.value == .integer(2))
        #expect(table.node(at: ["a", "y"])?.value == .integer(1))
        #expect(table.node(at: ["a", "b"])?.value.tableValue?.keys == ["c", "d"])
    }

    @Test func arraysOfTables() throws {
        let table = try parse(
            """
            [[fruits]]
            name = "apple"

            [fruits.physical]
            color = "red"

            [[fruits.varieties]]
            name = "red delicious"

            [[fruits.varieties]]
            name = "granny smith"

            [[fruits]]
            name = "banana"

            [[fruits.varieties]]
            name = "plantain"
            """)
        let fruits = try #require(table["fruits"]?.value.arrayValue)
        #expect(fruits.count == 2)
        let apple = try #require(fruits[0].value.tableValue)
        #expect(apple["name"]?.value == .string("apple"))
        #expect(apple.node(at: ["physical", "color"])?.value == .string("red"))
        #expect(
            apple["varieties"]?.value.arrayValue?.compactMap {
                $0.value.tableValue?["name"]?.value.stringValue
            }
                == ["red delicious", "granny smith"])
        let banana = try #require(fruits[1].value.tableValue)
        #expect(banana["varieties"]?.value.arrayValue?.count == 1)
        // Positions: each element is the `[[` of its header.
        #expect(fruits[0].location == loc(1, 1))
        #expect(fruits[1].location == loc(13, 1))
        #expect(fruits[1].value.tableValue?.location == loc(13, 1))
        #expect(table["fruits"]?.keyLocation == loc(1, 1))
    }

    @Test func tableAPI() throws {
        let node = TOMLNode(value: .integer(1), keyLocation: loc(2, 1), location: loc(2, 5))
        let other = TOMLNode(value: .integer(2), keyLocation: loc(3, 1), location: loc(3, 5))
        let table = TOMLTable(entries: [
            (key: "b", node: node), (key: "a", node: node), (key: "b", node: other),
        ])
        #expect(table.keys == ["b", "a"])
        #expect(table["b"] == other)
        #expect(table.location == loc(1, 1))
        #expect(table.node(at: []) == nil)
        #expect(table.node(at: ["a", "x"]) == nil)
        #expect(TOMLTable().isEmpty)
    }

    @Test func byteOrderMarkIsIgnored() throws {
        let table = try parse("\u{FEFF}a = 1\n")
        #expect(table["a"]?.keyLocation == loc(1, 1))
        #expect(table["a"]?.location == loc(1, 5))
    }

    @Test func manyKeysParseInLinearTime() throws {
        var text = ""
        for number in 0..<20_000 { text += "[[item]]\nkey\(number) = [\(number), \"x\"]\n" }
        let table = try parse(text)
        #expect(table["item"]?.value.arrayValue?.count == 20_000)
        #expect(table["item"]?.value.arrayValue?.last?.location == loc(39_999, 1))
    }
}

@Suite("TOML careline documents")
struct TOMLCarelineDocumentTests {
    static let config = """
        [clinic]
        name = "明德眼科"
        signature = "【明德眼科】"
        timezone = "Asia/Shanghai"
        [policy]
        require_signature = true
        quiet_hours = "21:00-08:00"
        [senders.sms]
        kind = "twilio"
        rate = 50
        """

    static let schedule = """
        template = "recheck-reminder"
        senders  = ["sms"]
        [trigger]
        field   = "recheck_due"
        offsets = ["-3d", "-1d"]
        # at = 2026-12-01
        [audience]
        where = { complaint_status = "resolved" }
        [window]
        hours = ["19:00-21:00"]
        skip_dates = ["2027-02-17"]
        """

    @Test func configurationFile() throws {
        let table = try parse(Self.config)
        #expect(table.keys == ["clinic", "policy", "senders"])
        #expect(table.node(at: ["clinic", "name"])?.value == .string("明德眼科"))
        #expect(table.node(at: ["clinic", "signature"])?.value == .string("【明德眼科】"))
        #expect(table.node(at: ["clinic", "timezone"])?.value == .string("Asia/Shanghai"))
        #expect(table.node(at: ["policy", "require_signature"])?.value == .boolean(true))
        #expect(table.node(at: ["policy", "quiet_hours"])?.value == .string("21:00-08:00"))
        #expect(table.node(at: ["senders", "sms", "kind"])?.value == .string("twilio"))
        #expect(table.node(at: ["senders", "sms", "rate"])?.value.integerValue == 50)

        // Positions of tables, keys and values.
        #expect(table["clinic"]?.keyLocation == loc(1, 1))
        #expect(table["clinic"]?.value.tableValue?.location == loc(1, 1))
        #expect(table.node(at: ["clinic", "name"])?.keyLocation == loc(2, 1))
        #expect(table.node(at: ["clinic", "name"])?.location == loc(2, 8))
        #expect(table.node(at: ["clinic", "signature"])?.location == loc(3, 13))
        #expect(table.node(at: ["policy", "quiet_hours"])?.location == loc(7, 15))
        // `senders` is implied by the header `[senders.sms]`: its position is where it was written.
        #expect(table["senders"]?.keyLocation == loc(8, 2))
        #expect(table.node(at: ["senders", "sms"])?.keyLocation == loc(8, 1))
        #expect(table.node(at: ["senders", "sms", "rate"])?.keyLocation == loc(10, 1))
        #expect(table.node(at: ["senders", "sms", "rate"])?.location == loc(10, 8))
    }

    @Test func scheduleFile() throws {
        let table = try parse(Self.schedule)
        #expect(table.keys == ["template", "senders", "trigger", "audience", "window"])
        #expect(table["template"]?.value == .string("recheck-reminder"))
        #expect(table["senders"]?.value.arrayValue?.map(\.value.stringValue) == ["sms"])
        #expect(table.node(at: ["trigger", "field"])?.value == .string("recheck_due"))
        #expect(
            table.node(at: ["trigger", "offsets"])?.value.arrayValue?.map(\.value.stringValue) == [
                "-3d", "-1d",
            ])
        #expect(table.node(at: ["trigger", "at"]) == nil, "commented out")
        #expect(table.node(at: ["audience", "where", "complaint_status"])?.value == .string("resolved"))
        #expect(
            table.node(at: ["window", "hours"])?.value.arrayValue?.first?.value == .string("19:00-21:00"))
        #expect(
            table.node(at: ["window", "skip_dates"])?.value.arrayValue?.first?.value == .string("2027-02-17"))

        #expect(table["senders"]?.keyLocation == loc(2, 1))
        #expect(table["senders"]?.location == loc(2, 12))
        #expect(table["senders"]?.value.arrayValue?.first?.location == loc(2, 13))
        let offsets = try #require(table.node(at: ["trigger", "offsets"])?.value.arrayValue)
        #expect(offsets.map(\.location) == [loc(5, 12), loc(5, 19)])
        #expect(offsets[1].keyLocation == offsets[1].location)
        let whereNode = try #require(table.node(at: ["audience", "where"]))
        #expect(whereNode.keyLocation == loc(8, 1))
        #expect(whereNode.location == loc(8, 9))
        #expect(whereNode.value.tableValue?.location == loc(8, 9))
        #expect(whereNode.value.tableValue?["complaint_status"]?.keyLocation == loc(8, 11))
        #expect(whereNode.value.tableValue?["complaint_status"]?.location == loc(8, 30))
        let hours = try #require(table.node(at: ["window", "hours"]))
        #expect(hours.keyLocation == loc(10, 1))
        #expect(hours.location == loc(10, 9))
        #expect(hours.value.arrayValue?.first?.location == loc(10, 10))
        #expect(table.node(at: ["window", "skip_dates"])?.location == loc(11, 14))
    }
}

@Suite("TOML positions")
struct TOMLPositionTests {
    @Test func columnsCountUnicodeScalars() throws {
        let table = try parse("\"名字\" = \"明德\" # 注释\n  x . 'é' = 1\n")
        #expect(table["名字"]?.keyLocation == loc(1, 1))
        #expect(table["名字"]?.location == loc(1, 8))
        #expect(table.node(at: ["x", "é"])?.keyLocation == loc(2, 7))
        #expect(table.node(at: ["x", "é"])?.location == loc(2, 13))
        #expect(table["x"]?.keyLocation == loc(2, 3))
    }

    @Test func crlfLinesAndMultilineValues() throws {
        let text = "a = \"\"\"\r\none\r\ntwo\"\"\"\r\nb = [\r\n  1,\r\n  2,\r\n]\r\n[t]\r\nc = 3\r\n"
        let table = try parse(text)
        #expect(table["a"]?.location == loc(1, 5))
        #expect(table["b"]?.keyLocation == loc(4, 1))
        #expect(table["b"]?.value.arrayValue?.map(\.location) == [loc(5, 3), loc(6, 3)])
        #expect(table["t"]?.keyLocation == loc(8, 1))
        #expect(table.node(at: ["t", "c"])?.location == loc(9, 5))
    }

    @Test func headersAndImplicitTables() throws {
        let table = try parse("x = 1\n\n  [ a . b ]\nk = 1\n[a]\n\t[[list]]\n")
        // `a` was first implied by `[ a . b ]`, then defined by `[a]`: it takes the
        // defining header's position.
        #expect(table["a"]?.keyLocation == loc(5, 1))
        #expect(table["a"]?.value.tableValue?.location == loc(5, 1))
        #expect(table.node(at: ["a", "b"])?.keyLocation == loc(3, 3))
        #expect(table.node(at: ["a", "b", "k"])?.location == loc(4, 5))
        #expect(table["list"]?.keyLocation == loc(6, 2))
        #expect(table["list"]?.value.arrayValue?.first?.location == loc(6, 2))
    }

    @Test func dottedKeysRecordEachPart() throws {
        let table = try parse("[s]\nsms . rate = 50\n")
        #expect(table.node(at: ["s", "sms"])?.keyLocation == loc(2, 1))
        #expect(table.node(at: ["s", "sms", "rate"])?.keyLocation == loc(2, 7))
        #expect(table.node(at: ["s", "sms", "rate"])?.location == loc(2, 14))
    }

    @Test func errorDescription() {
        let error = TOMLError(location: loc(12, 9), message: "window.hours: invalid time")
        #expect(error.description == "12:9: window.hours: invalid time")
        #expect(
            parseError("a = 1\na = 2\n")?.description == "2:1: duplicate key \"a\" (first defined at 1:1)")
    }
}

@Suite("TOML errors")
struct TOMLErrorTests {
    /// An invalid document with the expected error position and a fragment of the message.
    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var text: String
        var line: Int
        var column: Int
        var fragment: String

        init(_ text: String, _ line: Int, _ column: Int, _ fragment: String) {
            self.text = text
            self.line = line
            self.column = column
            self.fragment = fragment
        }

        var testDescription: String { text.debugDescription }
    }

    static let cases: [InvalidCase] = [
        InvalidCase("name\n", 1, 5, "expected '=' after key \"name\""),
        InvalidCase("name =\n", 1, 7, "name: missing value"),
        InvalidCase("name = # nothing\n", 1, 8, "name: missing value"),
        InvalidCase("= 1\n", 1, 1, "expected a key, found '='"),
        InvalidCase("a = 1 b = 2\n", 1, 7, "expected a new line after the value of \"a\""),
        InvalidCase(
            "[clinic]\nname = \"A\"\nname = \"B\"\n", 3, 1,
            "duplicate key \"clinic.name\" (first defined at 2:1)"),
        InvalidCase("a.b = 1\na.b = 2\n", 2, 3, "duplicate key \"a.b\" (first defined at 1:3)"),
        InvalidCase("a = 1\na.b = 2\n", 2, 1, "cannot add keys to \"a\": it is already an integer"),
        InvalidCase("[window]\n\n[window]\n", 3, 2, "table \"window\" is already defined at 1:1"),
        InvalidCase(
            "[a]\nb = 1\n[a.b]\n", 3, 4,
            "cannot define table \"a.b\": it is already an integer (defined at 2:1)"),
        InvalidCase(
            "[a.b]\nx = 1\n[a]\nb.y = 1\n", 4, 1, "cannot add keys to table \"a.b\" with dotted keys"),
        InvalidCase("a.b = 1\n[a]\n", 2, 2, "table \"a\" is already defined by dotted keys at 1:1"),
        InvalidCase(
            "[fruit]\napple.color = 'red'\n[fruit.apple]\n", 3, 8,
            "table \"fruit.apple\" is already defined by dotted keys at 2:1"),
        InvalidCase(
            "where = { status = 'x' }\n[where]\n", 2, 2,
            "it is already an inline table, which cannot be extended"),
        InvalidCase(
            "where = { status = 'x' }\nwhere.kind = 1\n", 2, 1,
            "cannot add keys to \"where\": it is already an inline table"),
        InvalidCase("a = { x = 1, x = 2 }\n", 1, 14, "duplicate key \"a.x\" (first defined at 1:7)"),
        InvalidCase("a = { x = 1, }\n", 1, 14, "a: trailing comma is not allowed in an inline table"),
        InvalidCase(
            "a = { x = 1\n}\n", 1, 12, "a: inline table opened at 1:5 must be closed on the same line"),
        InvalidCase("a = [1 2]\n", 1, 8, "a: expected ',' or ']' after an array element"),
        InvalidCase("hours = [\"19:00\",,]\n", 1, 18, "hours[1]: missing value"),
        InvalidCase("a = [1,\n2\n", 3, 1, "a: array opened at 1:5 is not closed"),
        InvalidCase(
            "senders = []\n[[senders]]\n", 2, 3,
            "cannot append to array \"senders\" with [[…]]: it was defined as a static array at 1:1"),
        InvalidCase("[a]\n[[a]]\n", 2, 3, "cannot define array of tables \"a\": it is already a table"),
        InvalidCase("[[a]]\n[a]\n", 2, 2, "cannot define table \"a\": it is already an array of tables"),
        InvalidCase("[[a]\n", 1, 4, "expected ']]' to close the array-of-tables header"),
        InvalidCase("[a\n", 1, 3, "expected ']' to close the table header"),
        InvalidCase("[]\n", 1, 2, "expected a key, found ']'"),
        InvalidCase("a..b = 1\n", 1, 3, "expected a key, found '.'"),
        InvalidCase("\"\"\"k\"\"\" = 1\n", 1, 1, "a multi-line string cannot be used as a key"),
        InvalidCase("a = \"open\n", 1, 5, "a: string is not closed on its line"),
        InvalidCase("a = \"\"\"never\nends\n", 3, 1, "a: multi-line string opened at 1:5 is not closed"),
        InvalidCase("a = \"\\q\"\n", 1, 6, "a: invalid escape sequence \\q"),
        InvalidCase("a = \"\\uD800\"\n", 1, 6, "a: escape \\u is not a Unicode scalar value"),
        InvalidCase("a = \"\\u12\"\n", 1, 6, "a: escape \\u needs exactly 4 hexadecimal digits"),
        InvalidCase(
            "a = \"bell \u{07}\"\n", 1, 11, "a: control character U+0007 must be escaped in a string"),
        InvalidCase("a = 'del \u{7F}'\n", 1, 10, "a: control character U+007F must be escaped in a string"),
        InvalidCase("# bell \u{07}\n", 1, 8, "control character U+0007 is not allowed in a comment"),
        InvalidCase("a = 1\rb = 2\n", 1, 6, "carriage return must be followed by a line feed"),
        InvalidCase("a = \"\"\"a \\ b\"\"\"\n", 1, 10, "a: invalid escape sequence \\ "),
        InvalidCase("rate = 050\n", 1, 8, "rate: leading zeros are not allowed in numbers"),
        InvalidCase("rate = 1__000\n", 1, 8, "rate: invalid number"),
        InvalidCase(
            "rate = +0x1F\n", 1, 8, "rate: hexadecimal, octal and binary integers cannot have a sign"),
        InvalidCase("rate = 0b102\n", 1, 8, "rate: invalid base-2 integer"),
        InvalidCase("rate = 9223372036854775808\n", 1, 8, "rate: integer does not fit in 64 bits"),
        InvalidCase("rate = 0x8000000000000000\n", 1, 8, "rate: integer does not fit in 64 bits"),
        InvalidCase("ratio = 1.\n", 1, 9, "ratio: invalid float: a digit must follow the '.'"),
        InvalidCase("ratio = .5\n", 1, 9, "ratio: invalid value (strings must be written in quotes)"),
        InvalidCase("ratio = 1e\n", 1, 9, "ratio: invalid float exponent"),
        InvalidCase("on = True\n", 1, 6, "on: booleans are written in lower case"),
        InvalidCase("kind = twilio\n", 1, 8, "kind: invalid value (strings must be written in quotes)"),
        InvalidCase("day = 2027-02-29\n", 1, 7, "day: day is out of range for the month"),
        InvalidCase("day = 2026-13-01\n", 1, 7, "day: month must be 01 to 12"),
        InvalidCase("at = 24:00:00\n", 1, 6, "at: hour must be 00 to 23"),
        InvalidCase("at = 23:59:60\n", 1, 6, "at: second must be 00 to 59"),
        InvalidCase("at = 07:32\n", 1, 6, "at: invalid time: seconds are required"),
        InvalidCase(
            "[window]\n\nhours = 19:00-21:00\n", 3, 9,
            "window.hours: invalid time, expected HH:MM:SS (to write text, put it in quotes)"),
        InvalidCase("at = 07:32:00Z\n", 1, 6, "at: invalid local time"),
        InvalidCase("at = 1979-05-27T07:32:00+24:00\n", 1, 6, "at: time zone offset is out of range"),
        InvalidCase(
            "[[tab.arr]]\n[tab]\narr.val1 = 1\n", 3, 1,
            "cannot add keys to \"tab.arr\" with dotted keys: it is an array of tables"),
        InvalidCase(
            "[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", 4, 3, "cannot add keys to table \"a.b.c\" with dotted keys"),
        InvalidCase("[[a]]\n[a.b]\nx = 1\n[a.b]\n", 4, 4, "table \"a[0].b\" is already defined at 2:1"),
        InvalidCase("名字 = 1\n", 1, 1, "expected a key, found '名' (U+540D)"),
        InvalidCase("\"名字\" = 1 2\n", 1, 10, "expected a new line after the value of \"'名字'\""),
        InvalidCase("a = { b = }\n", 1, 11, "a.b: missing value, found '}'"),
    ]

    @Test(arguments: cases)
    func invalidDocument(_ invalid: InvalidCase) throws {
        let error = try #require(parseError(invalid.text))
        #expect(error.location == loc(invalid.line, invalid.column), "\(error)")
        #expect(error.message.contains(invalid.fragment), "\(error)")
    }

    @Test func valuesAreNeverEchoed() {
        let error = parseError("token = s3cr3t-t0ken\n")
        #expect(error?.message.contains("s3cr3t") == false)
        #expect(error?.location == loc(1, 9))
    }

    @Test func tenThousandOpenBracketsFailCleanly() {
        let header = parseError(String(repeating: "[", count: 10_000))
        #expect(header?.location == loc(1, 3))
        let array = parseError("a = " + String(repeating: "[", count: 10_000))
        #expect(array?.location == loc(1, 5 + TOML.maximumDepth))
        #expect(array?.message.contains("nested more than 128 levels") == true)
        let inline = parseError("a = " + String(repeating: "{b=", count: 10_000))
        #expect(inline?.message.contains("nested more than 128 levels") == true)
        let mixed = parseError("a = " + String(repeating: "{b=[", count: 10_000))
        #expect(mixed?.message.contains("nested more than 128 levels") == true)
        let dotted = parseError(Array(repeating: "k", count: 10_000).joined(separator: ".") + " = 1")
        #expect(dotted?.message.contains("more than 128 dotted parts") == true)
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = TOML.maximumDepth
        let deepArray = "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var node = try #require(try parse(deepArray)["a"])
        var levels = 1
        while let first = node.value.arrayValue?.first {
            node = first
            levels += 1
        }
        #expect(levels == depth)
        #expect(
            parseError(
                "a = " + String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1))
                != nil)
        let header = "[" + Array(repeating: "t", count: depth).joined(separator: ".") + "]\n"
        #expect(try parse(header).keys == ["t"])
        #expect(parseError(header + "x = 1\n")?.location == loc(2, 5))
    }

    @Test func malformedInputNeverTraps() {
        // A cheap deterministic mutation run; libFuzzer does the thorough job later.
        let seeds = [
            TOMLCarelineDocumentTests.config, TOMLCarelineDocumentTests.schedule,
            "a = \"\"\"x\\\n y\"\"\"\nb = '''z'''\nc = [1, {d = 1979-05-27T07:32:00.5-07:00}]\n[[e]]\n",
        ]
        let alphabet = Array("[]{}=.,\"'#\n \t\r\\-_+:0xoeTZ9\u{01}é".unicodeScalars)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var parsed = 0
        for round in 0..<3_000 {
            var scalars = Array(seeds[round % seeds.count].unicodeScalars)
            for _ in 0...next(3) {
                let position = next(scalars.count + 1)
                switch next(3) {
                case 0: scalars.insert(alphabet[next(alphabet.count)], at: position)
                case 1 where position < scalars.count: scalars.remove(at: position)
                default: if position < scalars.count { scalars[position] = alphabet[next(alphabet.count)] }
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            if (try? TOML.parse(text)) != nil { parsed += 1 }
        }
        #expect(parsed > 0)
    }
}
