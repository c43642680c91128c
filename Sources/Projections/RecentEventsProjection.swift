import Domain
import EventStore

/// The last N events in a readable form: the dashboard's activity feed.
public struct RecentEventsProjection: Projection {
    public let name = "recent_events"
    public let version = 1
    public let limit: Int
    public var settings: String { "limit=\(limit)" }
    public var schema: [TableSchema] { [Self.events] }

    static let events = TableSchema(
        "recent_events", withoutRowID: false,
        [
            .init("position", "INTEGER"), .init("time", "INTEGER NOT NULL"), .init("type", "TEXT NOT NULL"),
            .init("contact", "TEXT"), .init("summary", "TEXT NOT NULL"),
        ])

    public init(limit: Int) { self.limit = max(1, limit) }

    public func fold(_ store: RowStore) -> any ProjectionFold { Fold(store, limit: limit) }

    /// A row; its summary is written out only when the row is (most events are trimmed first).
    struct Event: Columns {
        private enum Source {
            /// A class: rows are copied as they are trimmed and sorted, with one reference count.
            final class Pending {
                let event: RecordedEvent
                let fact: DomainFact
                init(_ event: RecordedEvent, _ fact: DomainFact) { (self.event, self.fact) = (event, fact) }
            }
            case event(Pending)
            case stored(type: String, contact: String?, summary: String)
        }

        let time: Int64
        private let source: Source

        init(_ event: RecordedEvent, _ fact: DomainFact) {
            time = event.timestamp
            source = .event(Source.Pending(event, fact))
        }

        init(_ r: inout ColumnReader) {
            time = Int64(&r)
            source = .stored(type: String(&r), contact: r.text(), summary: String(&r))
        }

        func bind(_ b: inout ColumnBinder) {
            b.int(time)
            switch source {
            case .event(let pending):
                let (contact, summary) = EventSummary.describe(pending.event, pending.fact)
                b.text(pending.event.type)
                b.text(contact)
                b.text(summary)
            case .stored(let type, let contact, let summary):
                b.text(type)
                b.text(contact)
                b.text(summary)
            }
        }
    }

    final class Fold: ProjectionFold {
        let rows: RowTable<Int64, Event>
        let limit: Int

        init(_ store: RowStore, limit: Int) {
            rows = store.table(RecentEventsProjection.events)
            self.limit = limit
        }

        func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
            rows[Int64(clamping: event.position)] = Event(event, fact)
            return fact.isUnderstood
        }

        /// Keeps the last `limit` positions.
        func finish(last: RecordedEvent) {
            rows.prune("position", below: Int64(clamping: last.position) - Int64(limit) + 1) { position, _ in position }
        }
    }
}
