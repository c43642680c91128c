/// Told how long the log's appends and syncs take, for metrics (a Prometheus histogram, a log
/// line): set it as ``EventLogConfiguration/observer``.
///
/// The writer thread calls it after it has acknowledged the appends concerned, so a slow observer
/// delays the next group commit, never the acknowledgement of these ones: keep each call short and
/// non-blocking (record into a histogram, bump a counter). Without an observer the writer reads no
/// clock for it.
///
/// ```swift
/// final class Timings: EventLogObserver {
///     func appendDidComplete(events: Int, latency: Duration) { appendLatency.record(latency) }
///     func syncDidComplete(duration: Duration) { syncLatency.record(duration) }
/// }
/// let log = try EventLog.open(directory: directory, configuration: .init { $0.observer = Timings() })
/// ```
public protocol EventLogObserver: Sendable {
    /// One call of an `append` method succeeded: `events` were appended, and `latency` passed from
    /// the call reaching the writer's queue to its acknowledgement (durable when the log's
    /// ``Durability`` is ``Durability/always``: the sync is included).
    ///
    /// - Parameters:
    ///   - events: How many events that append stored.
    ///   - latency: From the append's submission to its acknowledgement.
    func appendDidComplete(events: Int, latency: Duration)

    /// One sync of a segment file to the device (`fsync`) succeeded after `duration`: the sync of
    /// a group commit, and those of the unsafe modes' intervals and of sealing a segment.
    ///
    /// - Parameter duration: How long the sync took.
    func syncDidComplete(duration: Duration)
}
