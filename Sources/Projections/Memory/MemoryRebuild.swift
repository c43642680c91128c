public import Domain
public import EventStore
public import GRDB
import GRDBSQLite

/// A projection's rebuild from position 1, held in memory and written once at the end: the same
/// rows as applying the events through SQL one batch at a time (the consistency tests compare the
/// two), without a statement per event.
public protocol MemoryRebuild: AnyObject {
    /// Applies one event; `false` when it skipped an event it should have understood.
    func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool
    /// Writes the rows into the projection's (empty) tables; `last` is the last event applied.
    func write(_ db: Database, last: RecordedEvent) throws
}

/// Inserts rows into one table through one prepared statement, binding each value with SQLite's
/// C API: for a rebuild's hundreds of thousands of rows, GRDB's argument arrays cost more than
/// the inserts. Callers insert in primary-key order (appending to a B-tree is cheapest).
final class RowWriter {
    private let statement: Statement
    private let handle: SQLiteStatement
    private let table: String
    private var column: Int32 = 0
    private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, _ table: String, _ columns: [String]) throws {
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        statement = try db.makeStatement(sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))")
        handle = statement.sqliteStatement
        self.table = table
    }

    /// Binds all of `value`'s UTF-8 bytes (a length of -1 would stop at a NUL character, which
    /// a webhook may carry: two ids would then collide, and differ from the live projection's).
    func text(_ value: String?) {
        column += 1
        guard var value else {
            sqlite3_bind_null(handle, column)
            return
        }
        value.withUTF8 { bytes in
            // An empty buffer may have no address, which SQLite would bind as NULL.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                _ = sqlite3_bind_text(handle, column, "", 0, transient)
                return
            }
            _ = sqlite3_bind_text(handle, column, base, Int32(bytes.count), transient)
        }
    }

    func int(_ value: Int64?) {
        column += 1
        if let value { sqlite3_bind_int64(handle, column, value) } else { sqlite3_bind_null(handle, column) }
    }

    func int(_ value: Int?) { int(value.map(Int64.init)) }

    /// Inserts the row bound so far.
    func end() throws {
        column = 0
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "inserting into \(table)")
        }
    }
}
