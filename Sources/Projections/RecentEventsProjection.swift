import Domain
import EventStore

/// The last N events: each as `replay --format jsonl` prints it (type, version, time, stream, the
/// payload's JSON without raw bodies, why it is skipped), with the contact it concerns and a line
/// a person reads. The dashboard's activity feed.
public struct RecentEventsProjection: Projection {
    public let name = "recent_events"
    public let version = 2
    public let limit: Int
    public var settings: String { "limit=\(limit)" }
    public var schema: [TableSchema] { [Self.events] }

    static let events = TableSchema(
        "recent_events", withoutRowID: false, indexes: [("recent_events_by_contact", "contact, position")],
        [
            .init("position", "INTEGER"), .init("time", "INTEGER NOT NULL"), .init("type", "TEXT NOT NULL"),
            .init("contact", "TEXT"), .init("summary", "TEXT NOT NULL"), .init("version", "INTEGER NOT NULL"),
            .init("stream", "TEXT NOT NULL"), .init("data", "TEXT NOT NULL"), .init("skipped", "TEXT"),
        ])

    public init(limit: Int) { self.limit = max(1, limit) }

    public func fold(_ store: RowStore) -> any ProjectionFold { Fold(store, limit: limit) }

    /// A row; its text columns are made only when the row is written (most events are trimmed first).
    struct Event: Columns {
        private enum Source {
            /// A class: rows are copied as they are trimmed and sorted, with one reference count.
            final class Pending {
                let event: RecordedEvent
                let fact: DomainFact
                init(_ event: RecordedEvent, _ fact: DomainFact) { (self.event, self.fact) = (event, fact) }
            }
            case event(Pending)
            case stored(Stored)
        }

        struct Stored {
            var type: String, contact: String?, summary: String, version: Int64, stream: String, data: String
            var skipped: String?
        }

        let time: Int64
        private let source: Source

        init(_ event: RecordedEvent, _ fact: DomainFact) {
            time = event.timestamp
            source = .event(Source.Pending(event, fact))
        }

        init(_ r: inout ColumnReader) {
            time = Int64(&r)
            source = .stored(
                Stored(
                    type: String(&r), contact: r.text(), summary: String(&r), version: Int64(&r), stream: String(&r),
                    data: String(&r), skipped: r.text()))
        }

        func bind(_ b: inout ColumnBinder) {
            b.int(time)
            let row: Stored
            switch source {
            case .event(let pending):
                let (event, fact) = (pending.event, pending.fact)
                let (contact, summary) = EventSummary.describe(event, fact)
                row = Stored(
                    type: event.type, contact: contact, summary: summary, version: Int64(event.version),
                    stream: event.stream, data: EventDataJSON.render(event),
                    skipped: EventScreen.problem(event, fact))
            case .stored(let stored):
                row = stored
            }
            b.text(row.type)
            b.text(row.contact)
            b.text(row.summary)
            b.int(row.version)
            b.text(row.stream)
            b.text(row.data)
            b.text(row.skipped)
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
