/// One table of a projection, declared once: its columns (the key's first), from which its
/// `CREATE TABLE` and the statements that read and write its rows are made.
public struct TableSchema: Sendable {
    public struct Column: Sendable {
        public var name: String
        /// The SQL type and constraints, e.g. `TEXT NOT NULL`, `INTEGER NOT NULL DEFAULT 0`.
        public var definition: String

        public init(_ name: String, _ definition: String) {
            self.name = name
            self.definition = definition
        }
    }

    public let name: String
    public let columns: [Column]
    /// How many of the first columns make the primary key.
    public let keyColumns: Int
    /// `false` for a table keyed by an `INTEGER PRIMARY KEY` (an alias of SQLite's rowid).
    public let withoutRowID: Bool
    /// Secondary indexes: name and indexed columns, e.g. `("deliveries_by_state", "state")`.
    public let indexes: [(name: String, columns: String)]

    public init(
        _ name: String, key: Int = 1, withoutRowID: Bool = true, indexes: [(name: String, columns: String)] = [],
        _ columns: [Column]
    ) {
        precondition(key >= 1 && key <= columns.count, "a table's key is made of its first columns")
        self.name = name
        self.columns = columns
        self.keyColumns = key
        self.withoutRowID = withoutRowID
        self.indexes = indexes
    }

    var keyNames: ArraySlice<String> { columns.prefix(keyColumns).map(\.name)[...] }
    var valueNames: [String] { columns.dropFirst(keyColumns).map(\.name) }

    var createSQL: String {
        var lines = columns.enumerated().map { index, column in
            "    \(column.name) \(column.definition)" + (keyColumns == 1 && index == 0 ? " PRIMARY KEY" : "")
        }
        if keyColumns > 1 { lines.append("    PRIMARY KEY (\(keyNames.joined(separator: ", ")))") }
        var sql =
            "CREATE TABLE \(name) (\n\(lines.joined(separator: ",\n"))\n)\(withoutRowID ? " WITHOUT ROWID" : "");\n"
        for index in indexes { sql += "CREATE INDEX \(index.name) ON \(name) (\(index.columns));\n" }
        return sql
    }

    /// The row's other columns by its key.
    var selectSQL: String {
        let values = valueNames.isEmpty ? "1" : valueNames.joined(separator: ", ")
        return "SELECT \(values) FROM \(name) WHERE " + keyNames.map { "\($0) = ?" }.joined(separator: " AND ")
    }

    /// Inserts a whole row; `replace` overwrites a row with the same key.
    func insertSQL(replace: Bool) -> String {
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let names = columns.map(\.name).joined(separator: ", ")
        return "INSERT\(replace ? " OR REPLACE" : "") INTO \(name) (\(names)) VALUES (\(placeholders))"
    }
}
