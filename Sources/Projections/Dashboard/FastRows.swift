import GRDB
import GRDBSQLite

extension Database {
    /// Runs a cached statement and hands each result row to `body` as a `ColumnReader`: the hot
    /// routes (metrics, health, realtime) read a few hundred rows per call, and GRDB's `Row`
    /// costs more than SQLite's own work for rows that small.
    func eachRow(_ sql: String, _ arguments: StatementArguments = [], _ body: (inout ColumnReader) throws -> Void)
        throws
    {
        let statement = try cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "reading the projections")
            }
            var reader = ColumnReader(handle)
            try body(&reader)
        }
    }
}
