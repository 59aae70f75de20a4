import GRDB

#if canImport(GRDBSQLite)
    import GRDBSQLite
#elseif canImport(SQLite3)
    import SQLite3
#endif

/// SQLite's "copy the value now" destructor (`SQLITE_TRANSIENT` does not import into Swift).
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// Binds, steps and reads a GRDB-prepared statement directly through the SQLite C API.
///
/// The hot paths (an import of 1,000,000 patients, a queue run over all of them) use this instead of
/// `execute(arguments:)`: no `StatementArguments` array and no `Row` per row (see the engineering notes: raw
/// binds are about a third faster). Use it only inside the GRDB access block that prepared the statement.
struct RawStatement {
    /// Keeps the statement alive: GRDB finalizes it when released (a `makeStatement` one is not cached).
    let statement: Statement
    /// The prepared statement.
    let handle: SQLiteStatement
    /// Its connection, for error messages.
    let connection: SQLiteConnection

    /// Wraps a statement prepared on `db`, reset and with its bindings cleared.
    ///
    /// - Throws: `DatabaseError` when the connection is closed.
    init(_ statement: Statement, in db: Database) throws {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "connection is closed")
        }
        self.statement = statement
        self.handle = statement.sqliteStatement
        self.connection = connection
        reset()
    }

    /// Ends any previous run and clears the bindings.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds text (or NULL) to the 1-based parameter `index`.
    func bind(_ index: Int32, _ text: String?) {
        guard var text else {
            sqlite3_bind_null(handle, index)
            return
        }
        text.withUTF8 { bytes in
            if let base = bytes.baseAddress, bytes.count > 0 {
                let chars = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                sqlite3_bind_text(handle, index, chars, Int32(bytes.count), transient)
            } else {
                sqlite3_bind_text(handle, index, "", 0, transient)
            }
        }
    }

    /// Binds NULL to the 1-based parameter `index`.
    func bindNull(_ index: Int32) {
        sqlite3_bind_null(handle, index)
    }

    /// Binds an integer to the 1-based parameter `index`.
    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    /// Binds an integer to the 1-based parameter `index`.
    func bind(_ index: Int32, _ value: Int) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    /// Binds a value of a filter (text or integer).
    func bind(_ index: Int32, _ value: SQLValue) {
        switch value {
        case .text(let text): bind(index, text)
        case .integer(let integer): bind(index, integer)
        }
    }

    /// Steps once: true when a row is ready to read, false when done.
    ///
    /// - Throws: `DatabaseError` with SQLite's extended code and message; the statement is reset.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let code = sqlite3_extended_errcode(connection)
            let message = String(cString: sqlite3_errmsg(connection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws {
        defer { reset() }
        while try step() {}
    }

    /// The text of a column of the current row, or nil for NULL (0-based `column`).
    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The integer of a column of the current row (0 for NULL).
    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// Whether a column of the current row is NULL (0-based `column`).
    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    /// The integer of a column of the current row (0 for NULL).
    func int(_ column: Int32) -> Int {
        Int(sqlite3_column_int64(handle, column))
    }
}

/// A value bound to a query built from a filter.
enum SQLValue {
    case text(String)
    case integer(Int64)
}
