import CoreMetrics
import EventStore

/// The log's append and sync timings into the append and sync histograms.
final class LogTimings: EventLogObserver {
    private let append: CoreMetrics.Timer
    private let sync: CoreMetrics.Timer

    init(append: CoreMetrics.Timer, sync: CoreMetrics.Timer) {
        self.append = append
        self.sync = sync
    }

    func appendDidComplete(events: Int, latency: Duration) { append.recordNanoseconds(latency.nanoseconds) }

    func syncDidComplete(duration: Duration) { sync.recordNanoseconds(duration.nanoseconds) }
}

extension Duration {
    /// Whole nanoseconds (saturating far beyond any duration measured here).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : whole &+ attoseconds / 1_000_000_000
    }
}
