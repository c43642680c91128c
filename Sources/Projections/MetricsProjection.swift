import Domain
import EventStore
import Foundation

/// Counters per day (UTC, and a reporting time zone) and per dimension (`""` for all; else the
/// button payload, template name or content pack): templates, clicks, unique clickers,
/// deliveries (and those of a day's starts still in flight), content messages by status, errors
/// by Meta code, and click-to-completed latencies as an exact histogram (see `LatencyHistogram`).
public struct MetricsProjection: Projection {
    public let name = "metrics"
    public let version = 2
    public let reportingTimeZone: String
    public var settings: String { "zone=\(reportingTimeZone)" }
    public var schema: [TableSchema] {
        [Self.daily, Self.clickers, Self.latency, Self.clicks, Self.messages, Self.deliveries]
    }

    private let reporting: ReportingDays

    public init(reportingTimeZone: String) {
        self.reportingTimeZone = reportingTimeZone
        reporting = ReportingDays(reportingTimeZone)
    }

    /// A day's table, keyed by day, zone, dimension and `last` (the metric, contact or delivery).
    private static func perDay(_ name: String, _ last: String, value: TableSchema.Column? = nil) -> TableSchema {
        let key = ["day", "zone", "dimension", last].map { TableSchema.Column($0, "TEXT NOT NULL") }
        return TableSchema(name, key: 4, key + (value.map { [$0] } ?? []))
    }

    static let daily = perDay("metrics_daily", "metric", value: .init("value", "INTEGER NOT NULL"))
    static let clickers = perDay("metrics_clickers", "contact")
    /// Latency samples counted three ways (`level`): by octave, by 64th of an octave, by exact ms.
    static let latency = TableSchema(
        "metrics_latency", key: 5,
        ["day", "zone", "dimension"].map { TableSchema.Column($0, "TEXT NOT NULL") }
            + [
                .init("level", "INTEGER NOT NULL"), .init("value", "INTEGER NOT NULL"),
                .init("count", "INTEGER NOT NULL"),
            ])
    static let clicks = TableSchema("metrics_clicks", [.init("wamid", "TEXT"), .init("time", "INTEGER NOT NULL")])
    static let messages = TableSchema(
        "metrics_messages",
        [.init("wamid", "TEXT"), .init("kind", "TEXT NOT NULL"), .init("status_rank", "INTEGER NOT NULL")])
    static let deliveries = TableSchema(
        "metrics_deliveries",
        [
            .init("delivery_id", "TEXT"), .init("pack", "TEXT NOT NULL"), .init("click_time", "INTEGER"),
            .init("finished", "INTEGER NOT NULL DEFAULT 0"), .init("started", "INTEGER NOT NULL"),
        ])

    public func fold(_ store: RowStore) -> any ProjectionFold { Fold(store, self) }

    /// The days `time` falls on: in UTC, and in the reporting zone when it is another.
    func days(_ time: Int64) -> [(day: String, zone: String)] { reporting.days(time) }

    /// The key of the per-day tables.
    struct DayKey4: Columns, Hashable, Comparable {
        var day: String, zone: String, dimension: String, last: String

        init(_ day: String, _ zone: String, _ dimension: String, _ last: String) {
            (self.day, self.zone, self.dimension, self.last) = (day, zone, dimension, last)
        }

        init(_ r: inout ColumnReader) {
            day = String(&r)
            zone = String(&r)
            dimension = String(&r)
            last = String(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(day)
            b.text(zone)
            b.text(dimension)
            b.text(last)
        }

        static func < (a: Self, b: Self) -> Bool {
            (a.day, a.zone, a.dimension, a.last) < (b.day, b.zone, b.dimension, b.last)
        }
    }

    struct Message: Columns {
        var kind: String, rank: Int64

        init(kind: String, rank: Int64) { (self.kind, self.rank) = (kind, rank) }

        init(_ r: inout ColumnReader) {
            kind = String(&r)
            rank = Int64(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(kind)
            b.int(rank)
        }
    }

    /// The key of the latency histogram.
    struct LatencyKey: Columns, Hashable, Comparable {
        var day: String, zone: String, dimension: String, level: Int64, value: Int64

        init(_ day: String, _ zone: String, _ dimension: String, _ level: Int64, _ value: Int64) {
            (self.day, self.zone, self.dimension, self.level, self.value) = (day, zone, dimension, level, value)
        }

        init(_ r: inout ColumnReader) {
            day = String(&r)
            zone = String(&r)
            dimension = String(&r)
            level = Int64(&r)
            value = Int64(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(day)
            b.text(zone)
            b.text(dimension)
            b.int(level)
            b.int(value)
        }

        static func < (a: Self, b: Self) -> Bool {
            (a.day, a.zone, a.dimension, a.level, a.value) < (b.day, b.zone, b.dimension, b.level, b.value)
        }
    }

    struct Delivery: Columns {
        var pack: String, clickTime: Int64?, finished: Bool, started: Int64

        init(pack: String, clickTime: Int64?, finished: Bool, started: Int64) {
            (self.pack, self.clickTime, self.finished, self.started) = (pack, clickTime, finished, started)
        }

        init(_ r: inout ColumnReader) {
            pack = String(&r)
            clickTime = r.int()
            finished = Int64(&r) != 0
            started = Int64(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(pack)
            b.int(clickTime)
            b.int(finished ? 1 : 0)
            b.int(started)
        }
    }
}
