public import GRDB

/// Events a projection skipped, each with its position and the reason: one bad event is
/// recorded here and everything else goes on. Written in the same transaction as the rows and
/// the checkpoint, so live and rebuilt databases hold the same skips.
public struct ProjectionSkip: Sendable, Equatable {
    public var projection: String
    public var position: UInt64
    public var type: String
    public var reason: String

    public init(projection: String, position: UInt64, type: String, reason: String) {
        self.projection = projection
        self.position = position
        self.type = type
        self.reason = reason
    }

    static let table = "projection_skips"

    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS projection_skips (
                    projection TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    PRIMARY KEY (projection, position)
                ) WITHOUT ROWID
                """)
        // The latest skips, for health, without sorting them all.
        try db.execute(
            sql: "CREATE INDEX IF NOT EXISTS projection_skips_by_position ON projection_skips (position, projection)")
    }

    func insert(_ db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO projection_skips (projection, position, type, reason) VALUES (?, ?, ?, ?)"
        ).execute(arguments: [projection, Int64(clamping: position), String(type.prefix(255)), reason])
    }

    static func deleteAll(of projection: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM projection_skips WHERE projection = ?", arguments: [projection])
    }

    /// The most recent skips, newest first (for health and tools).
    public static func recent(_ db: Database, limit: Int = 100) throws -> [ProjectionSkip] {
        guard try db.tableExists(table) else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT * FROM projection_skips ORDER BY position DESC, projection DESC LIMIT ?",
            arguments: [limit]
        ).map { row in
            ProjectionSkip(
                projection: row["projection"], position: UInt64(max(0, row["position"] as Int64)), type: row["type"],
                reason: row["reason"])
        }
    }
}
