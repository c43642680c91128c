/// Snapshots of the saga's state and of the dedupe index (`DATA/snapshots/`): how often they are
/// written and how many of each are kept. A start loads the newest valid one and folds only the log
/// after it.
struct SnapshotConfiguration {
    /// A snapshot once the log has grown this many events since the last one... (a start folds at
    /// most this many events after the snapshot: 20,000 keep it under a second with 10M events in the
    /// log, for about a second of one core per snapshot — BENCHMARKS.md, "Start-up against log size")
    var everyEvents = 20_000
    /// ...or once this long has passed with any new event.
    var every: Duration = .seconds(10 * 60)
    /// Snapshots kept of each kind (the newest); a corrupt newest one falls back to the next.
    var keep = 3

    static let directoryName = "snapshots"
}
