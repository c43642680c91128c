/// How big a log is now, from what the log keeps in memory: cheap enough to read on every
/// health check or metrics scrape (no file is opened, unlike ``LogReader/stats()``).
public struct LogFootprint: Sendable, Equatable {
    /// Segment files.
    public var segments = 0
    /// Bytes of the segments that hold events: headers and committed batches. The zeros written
    /// ahead of the last batch (``EventLogConfiguration/preallocationBytes``) are not counted.
    public var bytes: Int64 = 0
    /// The position of the last committed event (0 when the log is empty).
    public var lastPosition: UInt64 = 0

    /// An empty log's: no segment, no byte, position 0.
    public init() {}
}
