public import GRDB

/// Compares the projections' tables of two databases row by row.
public enum ProjectionComparison {
    public struct Difference: Sendable, Equatable {
        public var table: String
        /// Rows only in the first database, and only in the second (each as text), at most 10 each.
        public var onlyInFirst: [String]
        public var onlyInSecond: [String]
        public var count: Int

        public init(table: String, onlyInFirst: [String], onlyInSecond: [String], count: Int) {
            self.table = table
            self.onlyInFirst = onlyInFirst
            self.onlyInSecond = onlyInSecond
            self.count = count
        }
    }

    public static func compare(_ first: Database, _ second: Database, tables: [String]) throws -> [Difference] {
        var differences: [Difference] = []
        for table in tables {
            let left = try rows(first, table)
            let right = try rows(second, table)
            guard left != right else { continue }
            let onlyLeft = left.subtracting(right)
            let onlyRight = right.subtracting(left)
            differences.append(
                Difference(
                    table: table, onlyInFirst: Array(onlyLeft.sorted().prefix(10)),
                    onlyInSecond: Array(onlyRight.sorted().prefix(10)),
                    count: onlyLeft.count + onlyRight.count))
        }
        return differences
    }

    private static func rows(_ db: Database, _ table: String) throws -> Set<String> {
        guard try db.tableExists(table) else { return [] }
        var rows = Set<String>()
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM \(table)")
        while let row = try cursor.next() {
            rows.insert(row.columnNames.map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: " "))
        }
        return rows
    }
}
