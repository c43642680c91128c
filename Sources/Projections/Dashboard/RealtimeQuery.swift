import Domain
public import GRDB

extension Dashboard {
    /// How many minutes the realtime series shows.
    public static let seriesMinutes = 60

    /// `GET /api/webhook/stats/realtime` at `now` (ms): the minute holding `now` is the last one.
    public static func realtime(_ db: Database, now: Int64) throws -> RealtimeStats {
        let last = DayKey.minute(milliseconds: now)
        let first = last - Int64(seriesMinutes) + 1
        var buckets: [Int64: RealtimeProjection.Bucket] = [:]
        try db.eachRow(
            "SELECT minute, events, clicks, deliveries_completed, deliveries_failed, messages_sent, errors,"
                + " latency_sum_ms, latency_count FROM realtime_minutes WHERE minute BETWEEN ? AND ?",
            [first, last]
        ) { row in
            let minute = Int64(&row)
            buckets[minute] = RealtimeProjection.Bucket(&row)
        }
        let series = (first...last).map { minute in
            let bucket = buckets[minute] ?? RealtimeProjection.Bucket()
            return MinuteFigures(
                minute: LogTime.rfc3339(minute * 60_000), events: Int(bucket.events), clicks: Int(bucket.clicks),
                deliveriesCompleted: Int(bucket.completed), deliveriesFailed: Int(bucket.failed),
                messagesSent: Int(bucket.sent), errors: Int(bucket.errors),
                latencyMsMean: bucket.latencyCount > 0 ? Double(bucket.latencySum) / Double(bucket.latencyCount) : nil)
        }
        func rates(_ minutes: Int64) -> Rates {
            var total = RealtimeProjection.Bucket()
            for minute in (last - minutes + 1)...last {
                guard let bucket = buckets[minute] else { continue }
                total.add(bucket)
            }
            let window = Double(minutes)
            return Rates(
                eventsPerMinute: Double(total.events) / window, clicksPerMinute: Double(total.clicks) / window,
                deliveriesCompletedPerMinute: Double(total.completed) / window,
                deliveriesFailedPerMinute: Double(total.failed) / window,
                messagesSentPerMinute: Double(total.sent) / window, errorsPerMinute: Double(total.errors) / window,
                latencyMsMean: total.latencyCount > 0 ? Double(total.latencySum) / Double(total.latencyCount) : nil)
        }
        return RealtimeStats(
            now: LogTime.rfc3339(now),
            windows: .init(oneMinute: rates(1), fiveMinutes: rates(5), fifteenMinutes: rates(15)), series: series)
    }
}
