import Domain
import EventStore
import GRDB

/// `metrics` in memory: the same counters, dedupe tables and status steps as `MetricsProjection`.
final class MemoryMetrics: MemoryRebuild {
    private struct Key: Hashable { var day: String, zone: String, dimension: String, metric: String }
    private struct Clicker: Hashable { var day: String, zone: String, dimension: String, contact: String }
    private struct Latency: Hashable { var day: String, zone: String, dimension: String, deliveryId: String }

    private let projection: MetricsProjection
    private var daily: [Key: Int] = [:]
    private var clickers: Set<Clicker> = []
    private var latencies: [Latency: Int64] = [:]
    private var clicks: [String: Int64] = [:]
    private var messages: [String: (kind: String, rank: Int)] = [:]
    private var deliveries: [String: (pack: String, clickTime: Int64?, finished: Bool)] = [:]

    init(_ projection: MetricsProjection) { self.projection = projection }

    private func bump(_ time: Int64, _ dimensions: [String], _ metric: String) {
        for (day, zone) in projection.days(time) {
            for dimension in Set(dimensions) { daily[Key(day: day, zone: zone, dimension: dimension, metric: metric), default: 0] += 1 }
        }
    }

    func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
        let time = event.timestamp
        switch fact {
        case .buttonClicked(let click):
            guard clicks[click.wamid] == nil else { break }
            clicks[click.wamid] = time
            bump(time, ["", click.payload], "button_clicks")
            for (day, zone) in projection.days(time) {
                for dimension in ["", click.payload]
                where clickers.insert(Clicker(day: day, zone: zone, dimension: dimension, contact: click.sender.contactKey)).inserted {
                    daily[Key(day: day, zone: zone, dimension: dimension, metric: "unique_clickers"), default: 0] += 1
                }
            }
        case .messageReceived:
            bump(time, [""], "messages_received")
        case .templateSendRequested(let request):
            bump(time, ["", request.template], "templates_sent")
        case .templateSent(let sent):
            bump(time, ["", sent.template], "templates_accepted")
            if messages[sent.wamid] == nil { messages[sent.wamid] = ("templates", 0) }
        case .templateFailed(let failed):
            bump(time, ["", failed.template], "templates_failed")
            bump(time, [""], "error_code:\(failed.error.code)")
        case .deliveryStarted(let started):
            if deliveries[started.deliveryId] == nil {
                deliveries[started.deliveryId] = (started.pack, clicks[started.clickWamid], false)
                bump(time, ["", started.pack], "deliveries_started")
            }
        case .deliveryStepSent(let sent):
            if messages[sent.wamid] == nil {
                messages[sent.wamid] = ("messages", 0)
                bump(time, [""], "messages_sent")
            }
        case .deliveryStepFailed(let failed):
            bump(time, [""], "error_code:\(failed.error.code)")
        case .deliveryCompleted(let completed):
            finish(completed.deliveryId, "deliveries_completed", latencyAt: time, time)
        case .deliveryFailed(let failed):
            finish(failed.deliveryId, "deliveries_failed", latencyAt: nil, time)
            if let code = failed.error?.code { bump(time, [""], "error_code:\(code)") }
        case .statusUpdated(let status):
            let rank = MessageStatus.rank(status.status)
            let (kind, old) = messages[status.wamid] ?? ("other", 0)
            if messages[status.wamid] == nil { messages[status.wamid] = (kind, old) }
            guard rank > old, old < MessageStatus.failed else { break }
            messages[status.wamid] = (kind, rank)
            if rank == MessageStatus.failed {
                bump(time, [""], "\(kind)_failed")
                for error in status.errors { bump(time, [""], "error_code:\(error.code)") }
                break
            }
            if old < 2 && rank >= 2 { bump(time, [""], "\(kind)_delivered") }
            if old < 3 && rank == 3 { bump(time, [""], "\(kind)_read") }
        case .webhookError(let item):
            bump(time, [""], "error_code:\(item.error.code)")
        case .unknownType, .undecodable:
            return false
        default:
            break
        }
        return true
    }

    private func finish(_ id: String, _ metric: String, latencyAt: Int64?, _ time: Int64) {
        guard let delivery = deliveries[id], !delivery.finished else { return }
        deliveries[id] = (delivery.pack, delivery.clickTime, true)
        bump(time, ["", delivery.pack], metric)
        guard let completedAt = latencyAt, let clickTime = delivery.clickTime else { return }
        for (day, zone) in projection.days(time) {
            for dimension in ["", delivery.pack] {
                latencies[Latency(day: day, zone: zone, dimension: dimension, deliveryId: id)] = completedAt - clickTime
            }
        }
    }

    func write(_ db: Database, last: RecordedEvent) throws {
        let dailyRows = try RowWriter(db, "metrics_daily", ["day", "zone", "dimension", "metric", "value"])
        for (key, value) in daily.sorted(by: { ($0.key.day, $0.key.zone, $0.key.dimension, $0.key.metric) < ($1.key.day, $1.key.zone, $1.key.dimension, $1.key.metric) }) {
            for text in [key.day, key.zone, key.dimension, key.metric] { dailyRows.text(text) }
            dailyRows.int(value)
            try dailyRows.end()
        }
        let clickerRows = try RowWriter(db, "metrics_clickers", ["day", "zone", "dimension", "contact"])
        for clicker in clickers.sorted(by: { ($0.day, $0.zone, $0.dimension, $0.contact) < ($1.day, $1.zone, $1.dimension, $1.contact) }) {
            for text in [clicker.day, clicker.zone, clicker.dimension, clicker.contact] { clickerRows.text(text) }
            try clickerRows.end()
        }
        let latencyRows = try RowWriter(db, "metrics_latency", ["day", "zone", "dimension", "delivery_id", "latency_ms"])
        for (key, latency) in latencies.sorted(by: { ($0.key.day, $0.key.zone, $0.key.dimension, $0.key.deliveryId) < ($1.key.day, $1.key.zone, $1.key.dimension, $1.key.deliveryId) }) {
            for text in [key.day, key.zone, key.dimension, key.deliveryId] { latencyRows.text(text) }
            latencyRows.int(latency)
            try latencyRows.end()
        }
        let clickRows = try RowWriter(db, "metrics_clicks", ["wamid", "time"])
        for (wamid, time) in clicks.sorted(by: { $0.key < $1.key }) {
            clickRows.text(wamid)
            clickRows.int(time)
            try clickRows.end()
        }
        let messageRows = try RowWriter(db, "metrics_messages", ["wamid", "kind", "status_rank"])
        for (wamid, message) in messages.sorted(by: { $0.key < $1.key }) {
            messageRows.text(wamid)
            messageRows.text(message.kind)
            messageRows.int(message.rank)
            try messageRows.end()
        }
        let deliveryRows = try RowWriter(db, "metrics_deliveries", ["delivery_id", "pack", "click_time", "finished"])
        for (id, delivery) in deliveries.sorted(by: { $0.key < $1.key }) {
            deliveryRows.text(id)
            deliveryRows.text(delivery.pack)
            deliveryRows.int(delivery.clickTime)
            deliveryRows.int(delivery.finished ? 1 : 0)
            try deliveryRows.end()
        }
    }
}
