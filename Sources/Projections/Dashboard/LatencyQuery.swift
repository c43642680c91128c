import GRDB

/// Click-to-completed latency percentiles from the metrics' three-level histogram
/// (`LatencyHistogram`): a few hundred rows read per percentile, whatever the day's samples.
enum LatencyQuery {
    /// The figures of the deliveries completed from `from` to `to` (days) in `zone`.
    static func figures(_ db: Database, from: String, to: String, zone: String, dimension: String = "") throws
        -> LatencyFigures
    {
        let scope = Scope(db: db, from: from, to: to, zone: zone, dimension: dimension)
        let octaves = try scope.counts(level: 0, 0...64)
        let count = octaves.reduce(0) { $0 + $1.count }
        guard count > 0 else { return LatencyFigures(p50: nil, p95: nil, count: 0) }
        return LatencyFigures(
            p50: try scope.value(at: LatencyHistogram.rank(50, of: count), octaves),
            p95: try scope.value(at: LatencyHistogram.rank(95, of: count), octaves), count: Int(count))
    }

    private struct Scope {
        let db: Database
        let from: String, to: String, zone: String, dimension: String

        /// Counts of `level`'s values within `range`, by value, ascending.
        func counts(level: Int64, _ range: ClosedRange<Int64>) throws -> [(value: Int64, count: Int64)] {
            let filter = "zone = ? AND dimension = ? AND level = ? AND value BETWEEN ? AND ?"
            let sql =
                from == to
                ? "SELECT value, count FROM metrics_latency WHERE day = ? AND \(filter) ORDER BY value"
                : "SELECT value, SUM(count) FROM metrics_latency WHERE day BETWEEN ? AND ? AND \(filter)"
                    + " GROUP BY value ORDER BY value"
            var arguments: StatementArguments = from == to ? [from] : [from, to]
            arguments += [zone, dimension, level, range.lowerBound, range.upperBound]
            var rows: [(value: Int64, count: Int64)] = []
            try db.eachRow(sql, arguments) { row in
                let value = Int64(&row)
                rows.append((value, Int64(&row)))
            }
            return rows
        }

        /// The value of rank `rank` (1-based): its octave, then its 64th of the octave, then itself.
        func value(at rank: Int64, _ octaves: [(value: Int64, count: Int64)]) throws -> Int {
            let octave = Self.pick(rank, octaves)
            let bucket = Self.pick(octave.rank, try counts(level: 1, LatencyHistogram.buckets(ofOctave: octave.value)))
            return Int(
                Self.pick(bucket.rank, try counts(level: 2, LatencyHistogram.range(ofBucket: bucket.value))).value)
        }

        /// The value whose cumulative count reaches `rank`, and the rank within it.
        private static func pick(_ rank: Int64, _ counts: [(value: Int64, count: Int64)]) -> (
            value: Int64, rank: Int64
        ) {
            var seen: Int64 = 0
            for (value, count) in counts {
                if seen + count >= rank { return (value, rank - seen) }
                seen += count
            }
            return (counts.last?.value ?? 0, 1)
        }
    }
}
