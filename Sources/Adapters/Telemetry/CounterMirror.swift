import CoreMetrics

/// Raises counters to totals kept elsewhere (the ingress's `IngressCounters`, the log writer's
/// statistics, the saga's fold) when metrics are scraped: those stay the one count, their hot
/// paths untouched, and the exposition's counters equal them at every scrape.
///
/// Not thread-safe by itself: `ServiceTelemetry` keeps it behind a lock, so that two scrapes
/// never add the same increase twice.
struct CounterMirror: Sendable {
    private var exported: [ObjectIdentifier: Int] = [:]

    /// Increments `counter` by what `total` gained since the last call for it (totals only grow;
    /// a lower one, which cannot happen, changes nothing).
    mutating func raise(_ counter: CoreMetrics.Counter, to total: Int) {
        let key = ObjectIdentifier(counter)
        let last = exported[key] ?? 0
        guard total > last else { return }
        counter.increment(by: total - last)
        exported[key] = total
    }
}
