import Domain
import EventStore
import GRDB

/// `recent_events` in memory: the last `limit` events.
final class MemoryRecentEvents: MemoryRebuild {
    private let limit: Int
    private var rows: [(position: UInt64, time: Int64, type: String, contact: String?, summary: String)] = []
    private var start = 0

    init(limit: Int) { self.limit = limit }

    func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
        let (contact, summary) = EventSummary.describe(event, fact)
        rows.append((event.position, event.timestamp, event.type, contact, summary))
        if rows.count - start > 2 * limit + 1024 {
            rows.removeFirst(rows.count - limit)
            start = 0
        }
        return fact.isUnderstood
    }

    func write(_ db: Database, last: RecordedEvent) throws {
        let writer = try RowWriter(db, "recent_events", ["position", "time", "type", "contact", "summary"])
        for row in rows where row.position + UInt64(limit) > last.position {
            writer.int(Int64(row.position))
            writer.int(row.time)
            writer.text(row.type)
            writer.text(row.contact)
            writer.text(row.summary)
            try writer.end()
        }
    }
}
