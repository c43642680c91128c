import Domain
import EventStore
import GRDB

/// `realtime` in memory: the same buckets, match windows and final trim as `RealtimeProjection`.
final class MemoryRealtime: MemoryRebuild {
    private struct Bucket {
        var events = 0, clicks = 0, completed = 0, failed = 0, sent = 0, errors = 0, latencySum: Int64 = 0, latencyCount = 0
    }

    private let retentionHours: Int
    private let window = RealtimeProjection.matchWindow
    private var minutes: [Int64: Bucket] = [:]
    private var clicks: [String: Int64] = [:]
    private var deliveries: [String: (started: Int64, clickTime: Int64?, finished: Bool)] = [:]

    init(retentionHours: Int) { self.retentionHours = retentionHours }

    func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
        let time = event.timestamp
        var bucket = minutes[DayKey.minute(milliseconds: time), default: Bucket()]
        bucket.events += 1
        var understood = true
        switch fact {
        case .buttonClicked(let click):
            if let seen = clicks[click.wamid], seen >= time - window {
                break
            }
            clicks[click.wamid] = time
            bucket.clicks += 1
        case .deliveryStarted(let started):
            if let existing = deliveries[started.deliveryId], existing.started >= time - window { break }
            let clickTime = clicks[started.clickWamid].flatMap { $0 >= time - window ? $0 : nil }
            deliveries[started.deliveryId] = (time, clickTime, false)
        case .deliveryCompleted(let completed):
            if let clickTime = finish(completed.deliveryId, time) {
                bucket.completed += 1
                if let clickTime {
                    bucket.latencySum += time - clickTime
                    bucket.latencyCount += 1
                }
            }
        case .deliveryFailed(let failed):
            if finish(failed.deliveryId, time) != nil { bucket.failed += 1 }
        case .deliveryStepSent, .templateSent:
            bucket.sent += 1
        case .deliveryStepFailed, .templateFailed, .webhookError:
            bucket.errors += 1
        case .statusUpdated(let status):
            if status.status == "failed" { bucket.errors += 1 }
        case .unknownType, .undecodable:
            understood = false
        default:
            break
        }
        minutes[DayKey.minute(milliseconds: time)] = bucket
        return understood
    }

    private func finish(_ id: String, _ time: Int64) -> Int64?? {
        guard let delivery = deliveries[id], !delivery.finished, delivery.started >= time - window else { return nil }
        deliveries[id] = (delivery.started, delivery.clickTime, true)
        return .some(delivery.clickTime)
    }

    func write(_ db: Database, last: RecordedEvent) throws {
        let oldestMinute = DayKey.minute(milliseconds: last.timestamp) - Int64(retentionHours) * 60
        let buckets = try RowWriter(
            db, "realtime_minutes",
            [
                "minute", "events", "clicks", "deliveries_completed", "deliveries_failed", "messages_sent", "errors",
                "latency_sum_ms", "latency_count",
            ])
        for (minute, b) in minutes.filter({ $0.key >= oldestMinute }).sorted(by: { $0.key < $1.key }) {
            buckets.int(minute)
            for value in [b.events, b.clicks, b.completed, b.failed, b.sent, b.errors] { buckets.int(value) }
            buckets.int(b.latencySum)
            buckets.int(b.latencyCount)
            try buckets.end()
        }
        let oldest = last.timestamp - window
        let clickRows = try RowWriter(db, "realtime_clicks", ["wamid", "time"])
        for (wamid, time) in clicks.filter({ $0.value >= oldest }).sorted(by: { $0.key < $1.key }) {
            clickRows.text(wamid)
            clickRows.int(time)
            try clickRows.end()
        }
        let deliveryRows = try RowWriter(db, "realtime_deliveries", ["delivery_id", "started", "click_time", "finished"])
        for (id, delivery) in deliveries.filter({ $0.value.started >= oldest }).sorted(by: { $0.key < $1.key }) {
            deliveryRows.text(id)
            deliveryRows.int(delivery.started)
            deliveryRows.int(delivery.clickTime)
            deliveryRows.int(delivery.finished ? 1 : 0)
            try deliveryRows.end()
        }
    }
}
