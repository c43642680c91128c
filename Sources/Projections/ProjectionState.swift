public import GRDB

/// One row per projection: its schema version and settings, its checkpoint (the last log position
/// applied, written in the same transaction as the rows), and how many events it skipped.
public struct ProjectionState: Sendable, Equatable {
    public var name: String
    public var version: Int
    public var settings: String
    public var checkpoint: UInt64
    public var applied: UInt64
    public var skipped: UInt64

    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS projection_state (
                    name TEXT PRIMARY KEY,
                    version INTEGER NOT NULL,
                    settings TEXT NOT NULL,
                    checkpoint INTEGER NOT NULL,
                    applied INTEGER NOT NULL DEFAULT 0,
                    skipped INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID
                """)
        try ProjectionSkip.createTable(db)
    }

    public static func all(_ db: Database) throws -> [String: ProjectionState] {
        var states: [String: ProjectionState] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM projection_state") {
            let state = ProjectionState(
                name: row["name"], version: row["version"], settings: row["settings"],
                checkpoint: UInt64(row["checkpoint"] as Int64), applied: UInt64(row["applied"] as Int64),
                skipped: UInt64(row["skipped"] as Int64))
            states[state.name] = state
        }
        return states
    }

    static func reset(_ db: Database, name: String, version: Int, settings: String) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO projection_state (name, version, settings, checkpoint, applied, skipped)"
                + " VALUES (?, ?, ?, 0, 0, 0)",
            arguments: [name, version, settings])
        try ProjectionSkip.deleteAll(of: name, db)
    }

    static func advance(_ db: Database, name: String, checkpoint: UInt64, applied: Int, skipped: Int) throws {
        try db.cachedStatement(
            sql: "UPDATE projection_state SET checkpoint = ?, applied = applied + ?, skipped = skipped + ?"
                + " WHERE name = ?"
        ).execute(arguments: [Int64(checkpoint), applied, skipped, name])
    }
}
