public import Domain
public import EventStore
public import GRDB

/// A read model derived from the log. It must be a function of the events alone (log times, never
/// the wall clock), so that applying events live and rebuilding from scratch give the same rows.
public protocol Projection: Sendable {
    /// Stable name, also the prefix of its tables.
    var name: String { get }
    /// Bump when the schema or the logic changes: the projector then rebuilds it from the log.
    var version: Int { get }
    /// Settings that change its rows (time zone, limits); a change also triggers a rebuild.
    var settings: String { get }
    /// Its tables, in the order `rebuild --check` compares them.
    var tables: [String] { get }

    func create(_ db: Database) throws
    /// Applies one event. Returns `false` when it skipped an event it should have understood.
    func apply(_ event: RecordedEvent, _ fact: DomainFact, _ batch: BatchContext, _ db: Database) throws -> Bool
    /// Runs once at the end of each batch: writes what was accumulated, trims to a window.
    func finishBatch(last event: RecordedEvent, _ batch: BatchContext, _ db: Database) throws
    /// A fresh in-memory rebuild of this projection (a rebuild from position 1 uses it).
    func memoryRebuild() -> any MemoryRebuild
}

extension Projection {
    public var settings: String { "" }
    public func finishBatch(last event: RecordedEvent, _ batch: BatchContext, _ db: Database) throws {}

    func drop(_ db: Database) throws {
        for table in tables { try db.execute(sql: "DROP TABLE IF EXISTS \(table)") }
    }
}

/// What the projections are configured with.
public struct ProjectionSettings: Sendable, Equatable {
    /// How many events `recent_events` keeps.
    public var recentEventsLimit = 1000
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
        ]
    }
}
