public import Domain
public import EventStore
public import GRDB
import Foundation

/// Counters per day (UTC, and a reporting time zone) and per dimension (`""` for all; else the
/// button payload, template name or content pack): templates, clicks, unique clickers,
/// deliveries, content messages by status, errors by Meta code, and click-to-completed latencies.
public struct MetricsProjection: Projection {
    public let name = "metrics"
    public let version = 1
    public let reportingTimeZone: String
    public var settings: String { "zone=\(reportingTimeZone)" }
    public var tables: [String] {
        ["metrics_daily", "metrics_clickers", "metrics_latency", "metrics_clicks", "metrics_messages", "metrics_deliveries"]
    }

    private let zone: TimeZone?

    public init(reportingTimeZone: String) {
        self.reportingTimeZone = reportingTimeZone
        zone = reportingTimeZone == "UTC" ? nil : TimeZone(identifier: reportingTimeZone)
    }

    public func memoryRebuild() -> any MemoryRebuild { MemoryMetrics(self) }

    public func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE metrics_daily (
                    day TEXT NOT NULL, zone TEXT NOT NULL, dimension TEXT NOT NULL, metric TEXT NOT NULL,
                    value INTEGER NOT NULL,
                    PRIMARY KEY (day, zone, dimension, metric)
                ) WITHOUT ROWID;
                CREATE TABLE metrics_clickers (
                    day TEXT NOT NULL, zone TEXT NOT NULL, dimension TEXT NOT NULL, contact TEXT NOT NULL,
                    PRIMARY KEY (day, zone, dimension, contact)
                ) WITHOUT ROWID;
                CREATE TABLE metrics_latency (
                    day TEXT NOT NULL, zone TEXT NOT NULL, dimension TEXT NOT NULL, delivery_id TEXT NOT NULL,
                    latency_ms INTEGER NOT NULL,
                    PRIMARY KEY (day, zone, dimension, delivery_id)
                ) WITHOUT ROWID;
                CREATE TABLE metrics_clicks (wamid TEXT PRIMARY KEY, time INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE metrics_messages (wamid TEXT PRIMARY KEY, kind TEXT NOT NULL, status_rank INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE metrics_deliveries (
                    delivery_id TEXT PRIMARY KEY, pack TEXT NOT NULL, click_time INTEGER, finished INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                """)
    }

    public func apply(_ event: RecordedEvent, _ fact: DomainFact, _ batch: BatchContext, _ db: Database) throws -> Bool {
        let time = event.timestamp
        switch fact {
        case .buttonClicked(let click):
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO metrics_clicks (wamid, time) VALUES (?, ?)")
                .execute(arguments: [click.wamid, time])
            guard db.changesCount > 0 else { break }
            bump(time, ["", click.payload], "button_clicks", batch)
            for (day, zone) in days(time) {
                for dimension in ["", click.payload] {
                    try db.cachedStatement(sql: "INSERT OR IGNORE INTO metrics_clickers (day, zone, dimension, contact) VALUES (?, ?, ?, ?)")
                        .execute(arguments: [day, zone, dimension, click.sender.contactKey])
                    if db.changesCount > 0 { add(day, zone, dimension, "unique_clickers", 1, batch) }
                }
            }
        case .messageReceived:
            bump(time, [""], "messages_received", batch)
        case .templateSendRequested(let request):
            bump(time, ["", request.template], "templates_sent", batch)
        case .templateSent(let sent):
            bump(time, ["", sent.template], "templates_accepted", batch)
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO metrics_messages (wamid, kind, status_rank) VALUES (?, 'templates', 0)")
                .execute(arguments: [sent.wamid])
        case .templateFailed(let failed):
            bump(time, ["", failed.template], "templates_failed", batch)
            bump(time, [""], "error_code:\(failed.error.code)", batch)
        case .deliveryStarted(let started):
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO metrics_deliveries (delivery_id, pack, click_time) VALUES (?, ?, (SELECT time FROM metrics_clicks WHERE wamid = ?))"
            ).execute(arguments: [started.deliveryId, started.pack, started.clickWamid])
            if db.changesCount > 0 { bump(time, ["", started.pack], "deliveries_started", batch) }
        case .deliveryStepSent(let sent):
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO metrics_messages (wamid, kind, status_rank) VALUES (?, 'messages', 0)")
                .execute(arguments: [sent.wamid])
            if db.changesCount > 0 { bump(time, [""], "messages_sent", batch) }
        case .deliveryStepFailed(let failed):
            bump(time, [""], "error_code:\(failed.error.code)", batch)
        case .deliveryCompleted(let completed):
            try finish(completed.deliveryId, "deliveries_completed", latencyAt: time, time, batch, db)
        case .deliveryFailed(let failed):
            try finish(failed.deliveryId, "deliveries_failed", latencyAt: nil, time, batch, db)
            if let code = failed.error?.code { bump(time, [""], "error_code:\(code)", batch) }
        case .statusUpdated(let status):
            try self.status(status, time, batch, db)
        case .webhookError(let item):
            bump(time, [""], "error_code:\(item.error.code)", batch)
        case .unknownType, .undecodable:
            return false
        default:
            break
        }
        return true
    }

    /// Counts a status once per step up: `read` without `delivered` counts as delivered too.
    private func status(_ status: StatusUpdated, _ time: Int64, _ batch: BatchContext, _ db: Database) throws {
        let rank = MessageStatus.rank(status.status)
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO metrics_messages (wamid, kind, status_rank) VALUES (?, 'other', 0)")
            .execute(arguments: [status.wamid])
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT kind, status_rank FROM metrics_messages WHERE wamid = ?"), arguments: [status.wamid])
        else { return }
        let kind: String = row["kind"]
        let old: Int = row["status_rank"]
        guard rank > old, old < MessageStatus.failed else { return }
        try db.cachedStatement(sql: "UPDATE metrics_messages SET status_rank = ? WHERE wamid = ?").execute(arguments: [rank, status.wamid])
        if rank == MessageStatus.failed {
            bump(time, [""], "\(kind)_failed", batch)
            for error in status.errors { bump(time, [""], "error_code:\(error.code)", batch) }
            return
        }
        if old < 2 && rank >= 2 { bump(time, [""], "\(kind)_delivered", batch) }
        if old < 3 && rank == 3 { bump(time, [""], "\(kind)_read", batch) }
    }

    private func finish(
        _ deliveryId: String, _ metric: String, latencyAt: Int64?, _ time: Int64, _ batch: BatchContext, _ db: Database
    ) throws {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT pack, click_time FROM metrics_deliveries WHERE delivery_id = ? AND finished = 0"),
            arguments: [deliveryId])
        else { return }
        try db.cachedStatement(sql: "UPDATE metrics_deliveries SET finished = 1 WHERE delivery_id = ?").execute(arguments: [deliveryId])
        let pack: String = row["pack"]
        bump(time, ["", pack], metric, batch)
        guard let completedAt = latencyAt, let clickTime: Int64 = row["click_time"] else { return }
        for (day, zone) in days(time) {
            for dimension in ["", pack] {
                try db.cachedStatement(
                    sql: "INSERT OR REPLACE INTO metrics_latency (day, zone, dimension, delivery_id, latency_ms) VALUES (?, ?, ?, ?, ?)"
                ).execute(arguments: [day, zone, dimension, deliveryId, completedAt - clickTime])
            }
        }
    }

    /// The days `time` falls on: in UTC, and in the reporting zone when it is another.
    func days(_ time: Int64) -> [(day: String, zone: String)] {
        var days = [(DayKey.day(milliseconds: time, offsetSeconds: 0), "UTC")]
        if let zone {
            days.append((DayKey.day(milliseconds: time, offsetSeconds: DayKey.offset(zone: zone, milliseconds: time)), reportingTimeZone))
        }
        return days
    }

    private func bump(_ time: Int64, _ dimensions: [String], _ metric: String, _ batch: BatchContext) {
        for (day, zone) in days(time) {
            for dimension in Set(dimensions) { add(day, zone, dimension, metric, 1, batch) }
        }
    }

    /// Counters are summed in memory for the batch and written once, in `finishBatch`.
    private final class Counters {
        struct Key: Hashable {
            var day: String, zone: String, dimension: String, metric: String
        }
        var values: [Key: Int] = [:]
    }

    private func add(_ day: String, _ zone: String, _ dimension: String, _ metric: String, _ value: Int, _ batch: BatchContext) {
        batch.slot(name, Counters.init).values[Counters.Key(day: day, zone: zone, dimension: dimension, metric: metric), default: 0] += value
    }

    public func finishBatch(last event: RecordedEvent, _ batch: BatchContext, _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO metrics_daily (day, zone, dimension, metric, value) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (day, zone, dimension, metric) DO UPDATE SET value = value + excluded.value
                """)
        for (key, value) in batch.slot(name, Counters.init).values {
            try statement.execute(arguments: [key.day, key.zone, key.dimension, key.metric, value])
        }
    }
}
