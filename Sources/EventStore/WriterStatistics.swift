/// Counters of a log's writer since it opened (for metrics and benchmarks).
public struct WriterStatistics: Sendable, Equatable {
    /// Groups of appends written together with one write (and, when durable, one sync).
    public var groups: UInt64 = 0
    public var syncs: UInt64 = 0
    public var appends: UInt64 = 0
    public var events: UInt64 = 0
    /// Bytes written to segments (batch headers and stored bytes).
    public var bytesWritten: UInt64 = 0
    /// Groups that failed (a write or sync error) and were rolled back.
    public var failedGroups: UInt64 = 0

    public init() {}
}
