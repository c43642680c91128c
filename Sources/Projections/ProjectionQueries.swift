public import GRDB

/// Reads over the projections that need more than a `SELECT` of one row: for the dashboard API.
public enum ProjectionQueries {
    /// Click-to-completed latency percentiles (ms) of the deliveries completed on `day`.
    public static func latency(
        _ db: Database, day: String, zone: String = "UTC", dimension: String = ""
    ) throws -> (p50: Int64, p95: Int64, count: Int)? {
        let samples = try Int64.fetchAll(
            db,
            sql: "SELECT latency_ms FROM metrics_latency WHERE day = ? AND zone = ? AND dimension = ?"
                + " ORDER BY latency_ms",
            arguments: [day, zone, dimension])
        guard !samples.isEmpty else { return nil }
        func percentile(_ p: Double) -> Int64 {
            samples[min(samples.count - 1, max(0, Int((p / 100 * Double(samples.count)).rounded(.up)) - 1))]
        }
        return (percentile(50), percentile(95), samples.count)
    }

    /// Per-minute rates over the `minutes` before `now` (ms), from the realtime buckets.
    public struct Rates: Sendable, Equatable {
        public var eventsPerMinute: Double
        public var clicksPerMinute: Double
        public var deliveriesCompletedPerMinute: Double
        public var deliveriesFailedPerMinute: Double
        public var messagesSentPerMinute: Double
        public var errorsPerMinute: Double
        /// Mean click-to-completed latency of the deliveries completed in the window, ms.
        public var averageLatencyMilliseconds: Double?
    }

    public static func currentRates(_ db: Database, now: Int64, minutes: Int = 5) throws -> Rates {
        let last = DayKey.minute(milliseconds: now)
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(events), 0) AS events, COALESCE(SUM(clicks), 0) AS clicks,
                    COALESCE(SUM(deliveries_completed), 0) AS completed, COALESCE(SUM(deliveries_failed), 0) AS failed,
                    COALESCE(SUM(messages_sent), 0) AS sent, COALESCE(SUM(errors), 0) AS errors,
                    COALESCE(SUM(latency_sum_ms), 0) AS latency_sum, COALESCE(SUM(latency_count), 0) AS latency_count
                FROM realtime_minutes WHERE minute > ? AND minute <= ?
                """, arguments: [last - Int64(minutes), last])!
        let window = Double(max(1, minutes))
        let latencyCount: Int64 = row["latency_count"]
        return Rates(
            eventsPerMinute: Double(row["events"] as Int64) / window,
            clicksPerMinute: Double(row["clicks"] as Int64) / window,
            deliveriesCompletedPerMinute: Double(row["completed"] as Int64) / window,
            deliveriesFailedPerMinute: Double(row["failed"] as Int64) / window,
            messagesSentPerMinute: Double(row["sent"] as Int64) / window,
            errorsPerMinute: Double(row["errors"] as Int64) / window,
            averageLatencyMilliseconds: latencyCount > 0
                ? Double(row["latency_sum"] as Int64) / Double(latencyCount) : nil)
    }
}
