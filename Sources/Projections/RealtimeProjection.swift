public import Domain
public import EventStore
public import GRDB

/// Per-minute buckets over the last hours (relative to the latest event, so a rebuild gives the
/// same rows): events, clicks, deliveries completed and failed, messages sent, errors, latency.
public struct RealtimeProjection: Projection {
    public let name = "realtime"
    public let version = 1
    public let retentionHours: Int
    public var settings: String { "hours=\(retentionHours)" }
    public var tables: [String] { ["realtime_minutes", "realtime_clicks", "realtime_deliveries"] }

    /// How long click and delivery times are kept to match late events (Meta retries for 7 days).
    static let matchWindow: Int64 = 8 * 24 * 3600 * 1000

    public init(retentionHours: Int) { self.retentionHours = max(1, retentionHours) }

    public func memoryRebuild() -> any MemoryRebuild { MemoryRealtime(retentionHours: retentionHours) }

    public func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE realtime_minutes (
                    minute INTEGER PRIMARY KEY,
                    events INTEGER NOT NULL DEFAULT 0,
                    clicks INTEGER NOT NULL DEFAULT 0,
                    deliveries_completed INTEGER NOT NULL DEFAULT 0,
                    deliveries_failed INTEGER NOT NULL DEFAULT 0,
                    messages_sent INTEGER NOT NULL DEFAULT 0,
                    errors INTEGER NOT NULL DEFAULT 0,
                    latency_sum_ms INTEGER NOT NULL DEFAULT 0,
                    latency_count INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE realtime_clicks (wamid TEXT PRIMARY KEY, time INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE realtime_deliveries (
                    delivery_id TEXT PRIMARY KEY, started INTEGER NOT NULL, click_time INTEGER, finished INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                """)
    }

    private struct Delta {
        var events = 1, clicks = 0, completed = 0, failed = 0, sent = 0, errors = 0, latencySum: Int64 = 0, latencyCount = 0

        static func += (left: inout Delta, right: Delta) {
            left.events += right.events
            left.clicks += right.clicks
            left.completed += right.completed
            left.failed += right.failed
            left.sent += right.sent
            left.errors += right.errors
            left.latencySum += right.latencySum
            left.latencyCount += right.latencyCount
        }
    }

    /// Minute buckets are summed in memory for the batch and written once, in `finishBatch`.
    private final class Minutes {
        var deltas: [Int64: Delta] = [:]
    }

    public func apply(_ event: RecordedEvent, _ fact: DomainFact, _ batch: BatchContext, _ db: Database) throws -> Bool {
        var delta = Delta()
        let time = event.timestamp
        switch fact {
        case .buttonClicked(let click):
            // A row older than the match window counts as absent, pruned yet or not: results must not
            // depend on where batches happened to end.
            try db.cachedStatement(
                sql: """
                    INSERT INTO realtime_clicks (wamid, time) VALUES (?, ?)
                    ON CONFLICT (wamid) DO UPDATE SET time = excluded.time WHERE time < excluded.time - \(Self.matchWindow)
                    """
            ).execute(arguments: [click.wamid, time])
            delta.clicks = db.changesCount
        case .deliveryStarted(let started):
            try db.cachedStatement(
                sql: """
                    INSERT INTO realtime_deliveries (delivery_id, started, click_time)
                    VALUES (?, ?, (SELECT time FROM realtime_clicks WHERE wamid = ? AND time >= ?))
                    ON CONFLICT (delivery_id) DO UPDATE SET started = excluded.started, click_time = excluded.click_time, finished = 0
                    WHERE started < excluded.started - \(Self.matchWindow)
                    """
            ).execute(arguments: [started.deliveryId, time, started.clickWamid, time - Self.matchWindow])
        case .deliveryCompleted(let completed):
            if let clickTime = try finish(completed.deliveryId, time, db) {
                delta.completed = 1
                if let clickTime {
                    delta.latencySum = time - clickTime
                    delta.latencyCount = 1
                }
            }
        case .deliveryFailed(let failed):
            if try finish(failed.deliveryId, time, db) != nil { delta.failed = 1 }
        case .deliveryStepSent, .templateSent:
            delta.sent = 1
        case .deliveryStepFailed, .templateFailed, .webhookError:
            delta.errors = 1
        case .statusUpdated(let status):
            delta.errors = status.status == "failed" ? 1 : 0
        case .unknownType, .undecodable:
            add(event, delta, batch)
            return false
        default:
            break
        }
        add(event, delta, batch)
        return true
    }

    /// Marks a delivery finished; `nil` when unknown or already finished, else its click time.
    private func finish(_ deliveryId: String, _ time: Int64, _ db: Database) throws -> Int64?? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT click_time FROM realtime_deliveries WHERE delivery_id = ? AND finished = 0 AND started >= ?"),
            arguments: [deliveryId, time - Self.matchWindow])
        else { return nil }
        try db.cachedStatement(sql: "UPDATE realtime_deliveries SET finished = 1 WHERE delivery_id = ?").execute(arguments: [deliveryId])
        return .some(row["click_time"] as Int64?)
    }

    private func add(_ event: RecordedEvent, _ delta: Delta, _ batch: BatchContext) {
        let minute = DayKey.minute(milliseconds: event.timestamp)
        let minutes = batch.slot(name, Minutes.init)
        if minutes.deltas[minute] == nil {
            minutes.deltas[minute] = delta
        } else {
            minutes.deltas[minute]! += delta
        }
    }

    public func finishBatch(last event: RecordedEvent, _ batch: BatchContext, _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO realtime_minutes (minute, events, clicks, deliveries_completed, deliveries_failed, messages_sent,
                    errors, latency_sum_ms, latency_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (minute) DO UPDATE SET
                    events = events + excluded.events, clicks = clicks + excluded.clicks,
                    deliveries_completed = deliveries_completed + excluded.deliveries_completed,
                    deliveries_failed = deliveries_failed + excluded.deliveries_failed,
                    messages_sent = messages_sent + excluded.messages_sent, errors = errors + excluded.errors,
                    latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms,
                    latency_count = latency_count + excluded.latency_count
                """)
        for (minute, delta) in batch.slot(name, Minutes.init).deltas {
            try statement.execute(arguments: [
                minute, delta.events, delta.clicks, delta.completed, delta.failed, delta.sent, delta.errors, delta.latencySum,
                delta.latencyCount,
            ])
        }
        let oldestMinute = DayKey.minute(milliseconds: event.timestamp) - Int64(retentionHours) * 60
        try db.cachedStatement(sql: "DELETE FROM realtime_minutes WHERE minute < ?").execute(arguments: [oldestMinute])
        let oldest = event.timestamp - Self.matchWindow
        try db.cachedStatement(sql: "DELETE FROM realtime_clicks WHERE time < ?").execute(arguments: [oldest])
        try db.cachedStatement(sql: "DELETE FROM realtime_deliveries WHERE started < ?").execute(arguments: [oldest])
    }
}
