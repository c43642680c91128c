public import Domain
public import EventStore
public import GRDB

/// The last N events in a readable form: the dashboard's activity feed.
public struct RecentEventsProjection: Projection {
    public let name = "recent_events"
    public let version = 1
    public let limit: Int
    public var settings: String { "limit=\(limit)" }
    public var tables: [String] { ["recent_events"] }

    public init(limit: Int) { self.limit = max(1, limit) }

    public func memoryRebuild() -> any MemoryRebuild { MemoryRecentEvents(limit: limit) }

    public func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE recent_events (
                    position INTEGER PRIMARY KEY,
                    time INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    contact TEXT,
                    summary TEXT NOT NULL
                )
                """)
    }

    public func apply(_ event: RecordedEvent, _ fact: DomainFact, _ batch: BatchContext, _ db: Database) throws -> Bool {
        // Rows the end-of-batch trim would delete are not written at all (a rebuild's big batches).
        guard batch.lastPosition - event.position < UInt64(limit) else { return fact.isUnderstood }
        let (contact, summary) = EventSummary.describe(event, fact)
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO recent_events (position, time, type, contact, summary) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [Int64(event.position), event.timestamp, event.type, contact, summary])
        return fact.isUnderstood
    }

    public func finishBatch(last event: RecordedEvent, _ batch: BatchContext, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM recent_events WHERE position <= ?")
            .execute(arguments: [Int64(clamping: event.position) - Int64(limit)])
    }
}
