import Domain
import EventStore

extension MetricsProjection {
    final class Fold: ProjectionFold {
        let daily: RowTable<DayKey4, Int64>
        /// Who clicked on a day (for unique clickers).
        let clickers: RowTable<DayKey4, Present>
        let latency: RowTable<LatencyKey, Int64>
        /// Click times by wamid: each click counted once.
        let clicks: RowTable<String, Int64>
        /// Each message's kind and highest status: each step up counted once.
        let messages: RowTable<String, Message>
        let deliveries: RowTable<String, Delivery>
        let projection: MetricsProjection

        init(_ store: RowStore, _ projection: MetricsProjection) {
            daily = store.table(MetricsProjection.daily)
            clickers = store.table(MetricsProjection.clickers)
            latency = store.table(MetricsProjection.latency)
            clicks = store.table(MetricsProjection.clicks)
            messages = store.table(MetricsProjection.messages)
            deliveries = store.table(MetricsProjection.deliveries)
            self.projection = projection
        }

        func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
            let time = event.timestamp
            switch fact {
            case .buttonClicked(let click):
                guard clicks[click.wamid] == nil else { break }
                clicks[click.wamid] = time
                bump(time, "button_clicks", click.payload)
                for (day, zone) in days(time) {
                    for dimension in ["", click.payload] {
                        let clicker = DayKey4(day, zone, dimension, click.sender.contactKey)
                        guard clickers[clicker] == nil else { continue }
                        clickers[clicker] = Present()
                        add(DayKey4(day, zone, dimension, "unique_clickers"))
                    }
                }
            case .messageReceived:
                bump(time, "messages_received")
            case .templateSendRequested(let request):
                bump(time, "templates_sent", request.template)
            case .templateSent(let sent):
                bump(time, "templates_accepted", sent.template)
                if messages[sent.wamid] == nil { messages[sent.wamid] = Message(kind: "templates", rank: 0) }
            case .templateFailed(let failed):
                bump(time, "templates_failed", failed.template)
            case .deliveryStarted(let started):
                if deliveries[started.deliveryId] == nil {
                    deliveries[started.deliveryId] = Delivery(
                        pack: started.pack, clickTime: clicks[started.clickWamid], finished: false, started: time)
                    bump(time, "deliveries_started", started.pack)
                    bump(time, "deliveries_in_flight", started.pack)
                }
            case .deliveryStepSent(let sent):
                if messages[sent.wamid] == nil {
                    messages[sent.wamid] = Message(kind: "messages", rank: 0)
                    bump(time, "messages_sent")
                }
            case .deliveryCompleted(let completed):
                finish(completed.deliveryId, "deliveries_completed", latencyAt: time, time)
            case .deliveryFailed(let failed):
                finish(failed.deliveryId, "deliveries_failed", latencyAt: nil, time)
            case .statusUpdated(let status):
                self.status(status, time)
            case .unknownType, .undecodable:
                return false
            default:
                break
            }
            // Errors by code, each once where it is first reported (a status's when its message
            // first fails, in `status`).
            if case .statusUpdated = fact {
            } else {
                for error in fact.reportedErrors { bump(time, "error_code:\(error.code)") }
            }
            return true
        }

        /// Counts a status once per step up: `read` without `delivered` counts as delivered too.
        private func status(_ status: StatusUpdated, _ time: Int64) {
            let rank = Int64(MessageStatus.rank(status.status))
            let known = messages[status.wamid]
            let message = known ?? Message(kind: "other", rank: 0)
            if known == nil { messages[status.wamid] = message }  // a message first seen by its status
            let old = message.rank
            guard rank > old, old < MessageStatus.failed else { return }
            messages[status.wamid] = Message(kind: message.kind, rank: rank)
            let kind = message.kind
            if rank == MessageStatus.failed {
                bump(time, "\(kind)_failed")
                for error in status.errors { bump(time, "error_code:\(error.code)") }
                return
            }
            if old < 2 && rank >= 2 { bump(time, "\(kind)_delivered") }
            if old < 3 && rank == 3 { bump(time, "\(kind)_read") }
        }

        private func finish(_ id: String, _ metric: String, latencyAt: Int64?, _ time: Int64) {
            guard var delivery = deliveries[id], !delivery.finished else { return }
            delivery.finished = true
            deliveries[id] = delivery
            bump(time, metric, delivery.pack)
            bump(delivery.started, "deliveries_in_flight", delivery.pack, by: -1)
            guard let completedAt = latencyAt, let clickTime = delivery.clickTime else { return }
            let levels = LatencyHistogram.levels(completedAt - clickTime)
            for (day, zone) in days(time) {
                for dimension in ["", delivery.pack] {
                    for (level, value) in levels {
                        latency.update(LatencyKey(day, zone, dimension, level, value), default: 0) { $0 += 1 }
                    }
                }
            }
        }

        /// Adds `amount` to `metric` on `time`'s days, for all (`""`) and for `dimension` when given.
        private func bump(_ time: Int64, _ metric: String, _ dimension: String = "", by amount: Int64 = 1) {
            for (day, zone) in days(time) {
                add(DayKey4(day, zone, "", metric), amount)
                if !dimension.isEmpty { add(DayKey4(day, zone, dimension, metric), amount) }
            }
        }

        private var lastDays: (time: Int64, days: [(day: String, zone: String)])?

        /// The projection's days of `time` (events in a row often share a time).
        private func days(_ time: Int64) -> [(day: String, zone: String)] {
            if let lastDays, lastDays.time == time { return lastDays.days }
            let days = projection.days(time)
            lastDays = (time, days)
            return days
        }

        private func add(_ key: DayKey4, _ amount: Int64 = 1) {
            daily.update(key, default: 0) { $0 += amount }
        }
    }
}
