import GRDB

/// Where a projection's fold keeps its rows: for a live batch, SQLite read on demand with the
/// changes written at the batch's end (`live`); for a rebuild from scratch, memory written once
/// into empty tables (`fresh`). The fold's code is the same either way.
public final class RowStore {
    private let db: Database?
    /// Each table's `prepare` and `flush`, as closures made where the row types are known: called
    /// through a protocol, the generic sorting and writing ran unspecialized, several times slower.
    private var tables: [(prepare: () -> Void, flush: (Database) throws -> Void)] = []

    /// A batch applied inside `db`'s transaction.
    static func live(_ db: Database) -> RowStore { RowStore(db) }
    /// A rebuild into empty tables.
    static func fresh() -> RowStore { RowStore(nil) }

    private init(_ db: Database?) { self.db = db }

    /// The table `schema` describes, holding rows keyed by `Key`.
    public func table<Key, Row>(_ schema: TableSchema) -> RowTable<Key, Row> {
        let table = RowTable<Key, Row>(schema, db: db)
        tables.append((prepare: { table.prepare() }, flush: { try table.flush($0) }))
        return table
    }

    /// Each table's sorting of the rows to write (before `flush`; a rebuild runs them on every core).
    var preparations: [() -> Void] { tables.map(\.prepare) }

    /// Writes every table's changed rows (in the caller's transaction).
    func flush(_ db: Database) throws {
        for table in tables { try table.flush(db) }
    }
}
