public import Domain
public import EventStore
import GRDB

/// A read model derived from the log. It must be a function of the events alone (log times, never
/// the wall clock), so that applying events live and rebuilding from scratch give the same rows.
///
/// A projection is its tables and one fold over them: the live projector and a rebuild run the
/// same fold, over a `RowStore` that reads and writes SQLite (live) or memory (a rebuild).
public protocol Projection: Sendable {
    /// Stable name, also the prefix of its tables.
    var name: String { get }
    /// Bump when the schema or the logic changes: the projector then rebuilds it from the log.
    var version: Int { get }
    /// Settings that change its rows (time zone, limits); a change also triggers a rebuild.
    var settings: String { get }
    /// Its tables, in the order `rebuild --check` compares them.
    var schema: [TableSchema] { get }
    /// A fold whose tables live in `store`, for one live batch or a whole rebuild.
    func fold(_ store: RowStore) -> any ProjectionFold
}

/// A projection's rules: events in, rows changed.
public protocol ProjectionFold: AnyObject {
    /// Applies one event. Returns `false` when it skipped an event it should have understood.
    func apply(_ event: RecordedEvent, _ fact: DomainFact) throws -> Bool
    /// Runs at the end of each batch (and of a rebuild), `last` its last event: trims to a window.
    func finish(last: RecordedEvent)
}

extension ProjectionFold {
    public func finish(last: RecordedEvent) {}
}

extension Projection {
    public var settings: String { "" }
    /// Its tables' names, in the order `rebuild --check` compares them.
    public var tables: [String] { schema.map(\.name) }

    func create(_ db: Database) throws {
        for table in schema { try db.execute(sql: table.createSQL) }
    }

    func drop(_ db: Database) throws {
        for table in tables { try db.execute(sql: "DROP TABLE IF EXISTS \(table)") }
    }
}

/// What the projections are configured with.
public struct ProjectionSettings: Sendable, Equatable {
    /// How many events `recent_events` keeps.
    public var recentEventsLimit = 10_000
    /// Time zone of the metrics' second set of days (the first is always UTC).
    public var reportingTimeZone = "UTC"
    /// How many hours of per-minute buckets `realtime` keeps (before the latest event).
    public var realtimeRetentionHours = 6

    public init() {}

    /// Every projection, in the order they are applied.
    public func projections() -> [any Projection] {
        [
            MetricsProjection(reportingTimeZone: reportingTimeZone),
            ConversationsProjection(),
            RealtimeProjection(retentionHours: realtimeRetentionHours),
            RecentEventsProjection(limit: recentEventsLimit),
            DeliveriesProjection(),
            TemplateFunnelProjection(reportingTimeZone: reportingTimeZone),
            AlertsProjection(),
        ]
    }
}
