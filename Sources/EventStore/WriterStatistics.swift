/// Counters of a log's writer since it opened (for metrics and benchmarks).
public struct WriterStatistics: Sendable, Equatable {
    /// Groups of appends written together with one write (and, when durable, one sync).
    public var groups: UInt64 = 0
    /// Groups synced before being acknowledged: equal to ``groups`` with ``Durability/always``,
    /// 0 otherwise (the background syncs of the unsafe modes are not counted).
    public var syncs: UInt64 = 0
    /// Appends that succeeded (one per call of an `append` method, whatever its number of events).
    public var appends: UInt64 = 0
    /// Events appended.
    public var events: UInt64 = 0
    /// Bytes written to segments (batch headers and stored bytes).
    public var bytesWritten: UInt64 = 0
    /// Groups that failed (a write or sync error) and were rolled back.
    public var failedGroups: UInt64 = 0

    /// All zero: the counters of a log just opened.
    public init() {}
}
