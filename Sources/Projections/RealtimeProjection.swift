import Domain
import EventStore

/// Per-minute buckets over the last hours (relative to the latest event, so a rebuild gives the
/// same rows): events, clicks, deliveries completed and failed, messages sent, errors, latency.
public struct RealtimeProjection: Projection {
    public let name = "realtime"
    public let version = 2
    public let retentionHours: Int
    public var settings: String { "hours=\(retentionHours)" }
    public var schema: [TableSchema] { [Self.minutes, Self.clicks, Self.deliveries] }

    /// How long click and delivery times are kept to match late events (Meta retries for 7 days).
    static let matchWindow: Int64 = 8 * 24 * 3600 * 1000

    static let minutes = TableSchema(
        "realtime_minutes", withoutRowID: false,
        [.init("minute", "INTEGER")]
            + [
                "events", "clicks", "deliveries_completed", "deliveries_failed", "messages_sent", "errors",
                "latency_sum_ms",
                "latency_count",
            ].map { TableSchema.Column($0, "INTEGER NOT NULL DEFAULT 0") })
    static let clicks = TableSchema("realtime_clicks", [.init("wamid", "TEXT"), .init("time", "INTEGER NOT NULL")])
    static let deliveries = TableSchema(
        "realtime_deliveries",
        [
            .init("delivery_id", "TEXT"), .init("started", "INTEGER NOT NULL"), .init("click_time", "INTEGER"),
            .init("finished", "INTEGER NOT NULL DEFAULT 0"),
        ])

    public init(retentionHours: Int) { self.retentionHours = max(1, retentionHours) }

    public func fold(_ store: RowStore) -> any ProjectionFold { Fold(store, retentionHours: retentionHours) }

    struct Bucket: Columns {
        var events: Int64 = 0, clicks: Int64 = 0, completed: Int64 = 0, failed: Int64 = 0, sent: Int64 = 0
        var errors: Int64 = 0, latencySum: Int64 = 0, latencyCount: Int64 = 0

        init() {}

        init(_ r: inout ColumnReader) {
            events = Int64(&r)
            clicks = Int64(&r)
            completed = Int64(&r)
            failed = Int64(&r)
            sent = Int64(&r)
            errors = Int64(&r)
            latencySum = Int64(&r)
            latencyCount = Int64(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.int(events)
            b.int(clicks)
            b.int(completed)
            b.int(failed)
            b.int(sent)
            b.int(errors)
            b.int(latencySum)
            b.int(latencyCount)
        }

        /// Adds `other`'s figures to these (a minute's events, or minutes into a window).
        mutating func add(_ other: Bucket) {
            events += other.events
            clicks += other.clicks
            completed += other.completed
            failed += other.failed
            sent += other.sent
            errors += other.errors
            latencySum += other.latencySum
            latencyCount += other.latencyCount
        }
    }

    struct Delivery: Columns {
        var started: Int64, clickTime: Int64?, finished: Bool

        init(started: Int64, clickTime: Int64?, finished: Bool) {
            (self.started, self.clickTime, self.finished) = (started, clickTime, finished)
        }

        init(_ r: inout ColumnReader) {
            started = Int64(&r)
            clickTime = r.int()
            finished = Int64(&r) != 0
        }

        func bind(_ b: inout ColumnBinder) {
            b.int(started)
            b.int(clickTime)
            b.int(finished ? 1 : 0)
        }
    }

    final class Fold: ProjectionFold {
        let minutes: RowTable<Int64, Bucket>
        /// Click and delivery start times; a row older than the match window counts as absent,
        /// pruned yet or not: results must not depend on where batches happened to end.
        let clicks: RowTable<String, Int64>
        let deliveries: RowTable<String, Delivery>
        let retentionHours: Int
        let window = RealtimeProjection.matchWindow

        init(_ store: RowStore, retentionHours: Int) {
            minutes = store.table(RealtimeProjection.minutes)
            clicks = store.table(RealtimeProjection.clicks)
            deliveries = store.table(RealtimeProjection.deliveries)
            self.retentionHours = retentionHours
        }

        func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
            let time = event.timestamp
            var bucket = Bucket()
            bucket.events = 1
            var understood = true
            switch fact {
            case .buttonClicked(let click):
                if let seen = clicks[click.wamid], seen >= time - window { break }
                clicks[click.wamid] = time
                bucket.clicks = 1
            case .deliveryStarted(let started):
                if let existing = deliveries[started.deliveryId], existing.started >= time - window { break }
                let clickTime = clicks[started.clickWamid].flatMap { $0 >= time - window ? $0 : nil }
                deliveries[started.deliveryId] = Delivery(started: time, clickTime: clickTime, finished: false)
            case .deliveryCompleted(let completed):
                if let clickTime = finish(completed.deliveryId, time) {
                    bucket.completed = 1
                    if let clickTime {
                        bucket.latencySum = time - clickTime
                        bucket.latencyCount = 1
                    }
                }
            case .deliveryFailed(let failed):
                if finish(failed.deliveryId, time) != nil { bucket.failed = 1 }
            case .deliveryStepSent, .templateSent:
                bucket.sent = 1
            case .unknownType, .undecodable:
                understood = false
            default:
                break
            }
            bucket.errors = Int64(fact.reportedErrors.count)
            minutes.update(DayKey.minute(milliseconds: time), default: Bucket()) { $0.add(bucket) }
            return understood
        }

        /// Marks a delivery finished; `nil` when unknown or already finished, else its click time.
        private func finish(_ id: String, _ time: Int64) -> Int64?? {
            guard var delivery = deliveries[id], !delivery.finished, delivery.started >= time - window else {
                return nil
            }
            delivery.finished = true
            deliveries[id] = delivery
            return .some(delivery.clickTime)
        }

        /// Keeps `retentionHours` of minutes, and the match window of clicks and deliveries.
        func finish(last: RecordedEvent) {
            let oldestMinute = DayKey.minute(milliseconds: last.timestamp) - Int64(retentionHours) * 60
            minutes.prune("minute", below: oldestMinute) { minute, _ in minute }
            let oldest = last.timestamp - window
            clicks.prune("time", below: oldest) { _, time in time }
            deliveries.prune("started", below: oldest) { _, delivery in delivery.started }
        }
    }
}
