import GRDB
import GRDBSQLite

/// A projection's table as its fold sees it: rows by key, read and replaced in memory. Live, a
/// row not yet seen in the batch is read from SQLite, and the rows changed are written back at
/// the end of the batch; in a rebuild from scratch, the table starts empty and every row is
/// written once, in key order, at the end.
public final class RowTable<Key: Columns & Hashable & Comparable, Row: Columns> {
    private struct Entry {
        var row: Row?
        var changed: Bool
    }

    private struct Prune {
        var column: String
        var bound: Int64
        var value: (Key, Row) -> Int64
    }

    let schema: TableSchema
    /// The live database rows are read from; `nil` in a rebuild from scratch (nothing stored yet).
    private let db: Database?
    private var entries: [Key: Entry] = [:]
    private var select: Statement?
    /// A read that failed: the fold goes on, the flush throws it (and the transaction rolls back).
    private var failure: (any Error)?
    private var prune: Prune?
    private var countAfterPrune = 0

    init(_ schema: TableSchema, db: Database?) {
        self.schema = schema
        self.db = db
    }

    /// The row with `key`, `nil` when there is none; setting `nil` is not supported (rows leave
    /// through `prune`).
    public subscript(key: Key) -> Row? {
        get {
            if let entry = entries[key] { return entry.row }
            guard db != nil else { return nil }
            let row = load(key)
            entries[key] = Entry(row: row, changed: false)
            return row
        }
        set {
            guard let newValue else {
                preconditionFailure("rows leave \(schema.name) through prune, not by setting nil")
            }
            entries[key] = Entry(row: newValue, changed: true)
        }
    }

    /// Changes the row with `key` in place (made with `make` when there is none).
    public func update(_ key: Key, default make: @autoclosure () -> Row, _ change: (inout Row) -> Void) {
        let live = db != nil
        Self.change(&entries[key, default: Entry(row: live ? load(key) : nil, changed: false)], make, change)
    }

    private static func change(_ entry: inout Entry, _ make: () -> Row, _ change: (inout Row) -> Void) {
        if entry.row == nil { entry.row = make() }
        change(&entry.row!)
        entry.changed = true
    }

    /// Drops the rows whose `column` (computed from a row by `value`) is below `bound`, at the
    /// end of the batch; the latest bound wins.
    public func prune(_ column: String, below bound: Int64, _ value: @escaping (Key, Row) -> Int64) {
        prune = Prune(column: column, bound: bound, value: value)
        // A rebuild holds every row in memory: drop the pruned ones now and then.
        if db == nil, entries.count > 2 * countAfterPrune + 4096 {
            entries = entries.filter { key, entry in entry.row.map { value(key, $0) >= bound } ?? true }
            countAfterPrune = entries.count
        }
    }

    private func load(_ key: Key) -> Row? {
        guard failure == nil, let db else { return nil }
        do {
            if select == nil { select = try db.cachedStatement(sql: schema.selectSQL) }
            let handle = select!.sqliteStatement
            defer { sqlite3_reset(handle) }
            var binder = ColumnBinder(handle)
            key.bind(&binder)
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return nil }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "reading \(schema.name)")
            }
            var reader = ColumnReader(handle)
            return Row(&reader)
        } catch {
            failure = error
            return nil
        }
    }

    /// The rows to write, in key order: those changed (all of them in a rebuild from scratch),
    /// less the pruned ones.
    private var prepared: (keys: [(key: Key, index: Int)], rows: [Row])?

    /// Sorts the rows to write (a rebuild does it for every table at once, on every core). The
    /// keys are sorted with their rows' indexes: moving whole rows made sorting several times slower.
    func prepare() {
        var keys: [(key: Key, index: Int)] = []
        var rows: [Row] = []
        keys.reserveCapacity(entries.count)
        rows.reserveCapacity(entries.count)
        for (key, entry) in entries {
            guard entry.changed, let row = entry.row else { continue }
            if let prune, prune.value(key, row) < prune.bound { continue }
            keys.append((key, rows.count))
            rows.append(row)
        }
        entries = [:]
        keys.sort { $0.key < $1.key }
        prepared = (keys, rows)
    }

    /// Writes the rows changed, in key order, then deletes the pruned rows from the database.
    func flush(_ db: Database) throws {
        if let failure { throw failure }
        if prepared == nil { prepare() }
        let live = self.db != nil
        let statement =
            try live
            ? db.cachedStatement(sql: schema.insertSQL(replace: true))
            : db.makeStatement(sql: schema.insertSQL(replace: false))
        let handle = statement.sqliteStatement
        let (keys, rows) = prepared ?? ([], [])
        for (key, index) in keys {
            var binder = ColumnBinder(handle)
            key.bind(&binder)
            rows[index].bind(&binder)
            let code = sqlite3_step(handle)
            sqlite3_reset(handle)
            guard code == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "writing \(schema.name)")
            }
        }
        prepared = nil
        if live, let prune {
            try db.cachedStatement(sql: "DELETE FROM \(schema.name) WHERE \(prune.column) < ?").execute(arguments: [
                prune.bound
            ])
        }
    }
}
