import GRDB
import GRDBSQLite

/// Values that fill columns of a row, in the schema's order: a table's key and the rest of its
/// row each conform. Bound and read through SQLite's C API: for a rebuild's hundreds of thousands
/// of rows, GRDB's argument arrays cost more than the statements.
public protocol Columns {
    init(_ reader: inout ColumnReader)
    func bind(_ binder: inout ColumnBinder)
}

/// Binds values to one prepared statement's parameters, left to right.
public struct ColumnBinder {
    let handle: SQLiteStatement
    var column: Int32 = 0
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ handle: SQLiteStatement) { self.handle = handle }

    /// Binds all of `value`'s UTF-8 bytes (a length of -1 would stop at a NUL character, which
    /// a webhook may carry: two ids would then collide).
    public mutating func text(_ value: String?) {
        column += 1
        guard var value else {
            sqlite3_bind_null(handle, column)
            return
        }
        let (handle, column) = (handle, column)
        value.withUTF8 { bytes in
            // An empty buffer may have no address, which SQLite would bind as NULL.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                _ = sqlite3_bind_text(handle, column, "", 0, Self.transient)
                return
            }
            _ = sqlite3_bind_text(handle, column, base, Int32(bytes.count), Self.transient)
        }
    }

    public mutating func int(_ value: Int64?) {
        column += 1
        if let value { sqlite3_bind_int64(handle, column, value) } else { sqlite3_bind_null(handle, column) }
    }

    public mutating func int(_ value: Int?) { int(value.map(Int64.init)) }
}

/// Reads a result row's columns, left to right.
public struct ColumnReader {
    let handle: SQLiteStatement
    var column: Int32 = 0

    init(_ handle: SQLiteStatement) { self.handle = handle }

    /// All of the text's bytes (NUL characters included).
    public mutating func text() -> String? {
        defer { column += 1 }
        guard sqlite3_column_type(handle, column) != SQLITE_NULL, let bytes = sqlite3_column_text(handle, column) else {
            return nil
        }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    public mutating func int() -> Int64? {
        defer { column += 1 }
        guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
        return sqlite3_column_int64(handle, column)
    }
}

extension String: Columns {
    public init(_ reader: inout ColumnReader) { self = reader.text() ?? "" }
    public func bind(_ binder: inout ColumnBinder) { binder.text(self) }
}

extension Int64: Columns {
    public init(_ reader: inout ColumnReader) { self = reader.int() ?? 0 }
    public func bind(_ binder: inout ColumnBinder) { binder.int(self) }
}

/// The rest of a row that is all key (a set of keys).
public struct Present: Columns {
    public init() {}
    public init(_ reader: inout ColumnReader) {}
    public func bind(_ binder: inout ColumnBinder) {}
}
