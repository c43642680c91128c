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

    public func apply(_ event: RecordedEvent, _ fact: DomainFact, _ db: Database) throws -> Bool {
        let time = event.timestamp
        switch fact {
        case .buttonClicked(let click):
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO metrics_clicks (wamid, time) VALUES (?, ?)")
                .execute(arguments: [click.wamid, time])
            guard db.changesCount > 0 else { break }
            try bump(time, ["", click.payload], "button_clicks", db)
            for (day, zone) in days(time) {
                for dimension in ["", click.payload] {
                    try db.cachedStatement(sql: "INSERT OR IGNORE INTO metrics_clickers (day, zone, dimension, contact) VALUES (?, ?, ?, ?)")
                        .execute(arguments: [day, zone, dimension, click.sender.contactKey])
                    if db.changesCount > 0 { try add(day, zone, dimension, "unique_clickers", 1, db) }
                }
            }
        case .messageReceived:
            try bump(time, [""], "messages_received", db)
        case .templateSendRequested(let request):
            try bump(time, ["", request.template], "templates_sent", db)
        case .templateSent(let sent):
            try bump(time, ["", sent.template], "templates_accepted", db)
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO metrics_messages (wamid, kind, status_rank) VALUES (?, 'templates', 0)")
                .execute(arguments: [sent.wamid])
        case .templateFailed(let failed):
            try bump(time, ["", failed.template], "templates_failed", db)
            try bump(time, [""], "error_code:\(failed.error.code)", db)
        case .deliveryStarted(let started):
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO metrics_deliveries (delivery_id, pack, click_time) VALUES (?, ?, (SELECT time FROM metrics_clicks WHERE wamid = ?))"
            ).execute(arguments: [started.deliveryId, started.pack, started.clickWamid])
            if db.changesCount > 0 { try bump(time, ["", started.pack], "deliveries_started", db) }
        case .deliveryStepSent(let sent):
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO metrics_messages (wamid, kind, status_rank) VALUES (?, 'messages', 0)")
                .execute(arguments: [sent.wamid])
            if db.changesCount > 0 { try bump(time, [""], "messages_sent", db) }
        case .deliveryStepFailed(let failed):
            try bump(time, [""], "error_code:\(failed.error.code)", db)
        case .deliveryCompleted(let completed):
            try finish(completed.deliveryId, "deliveries_completed", latencyAt: time, time, db)
        case .deliveryFailed(let failed):
            try finish(failed.deliveryId, "deliveries_failed", latencyAt: nil, time, db)
            if let code = failed.error?.code { try bump(time, [""], "error_code:\(code)", db) }
        case .statusUpdated(let status):
            try self.status(status, time, db)
        case .webhookError(let item):
            try bump(time, [""], "error_code:\(item.error.code)", db)
        case .unknownType, .undecodable:
            return false
        default:
            break
        }
        return true
    }

    /// Counts a status once per step up: `read` without `delivered` counts as delivered too.
    private func status(_ status: StatusUpdated, _ time: Int64, _ db: Database) throws {
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
            try bump(time, [""], "\(kind)_failed", db)
            for error in status.errors { try bump(time, [""], "error_code:\(error.code)", db) }
            return
        }
        if old < 2 && rank >= 2 { try bump(time, [""], "\(kind)_delivered", db) }
        if old < 3 && rank == 3 { try bump(time, [""], "\(kind)_read", db) }
    }

    private func finish(_ deliveryId: String, _ metric: String, latencyAt: Int64?, _ time: Int64, _ db: Database) throws {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT pack, click_time FROM metrics_deliveries WHERE delivery_id = ? AND finished = 0"),
            arguments: [deliveryId])
        else { return }
        try db.cachedStatement(sql: "UPDATE metrics_deliveries SET finished = 1 WHERE delivery_id = ?").execute(arguments: [deliveryId])
        let pack: String = row["pack"]
        try bump(time, ["", pack], metric, db)
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
    private func days(_ time: Int64) -> [(day: String, zone: String)] {
        var days = [(DayKey.day(milliseconds: time, offsetSeconds: 0), "UTC")]
        if let zone {
            days.append((DayKey.day(milliseconds: time, offsetSeconds: DayKey.offset(zone: zone, milliseconds: time)), reportingTimeZone))
        }
        return days
    }

    private func bump(_ time: Int64, _ dimensions: [String], _ metric: String, _ db: Database) throws {
        for (day, zone) in days(time) {
            for dimension in Set(dimensions) { try add(day, zone, dimension, metric, 1, db) }
        }
    }

    private func add(_ day: String, _ zone: String, _ dimension: String, _ metric: String, _ value: Int, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO metrics_daily (day, zone, dimension, metric, value) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (day, zone, dimension, metric) DO UPDATE SET value = value + excluded.value
                """
        ).execute(arguments: [day, zone, dimension, metric, value])
    }
}
