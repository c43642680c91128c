/// Totals of a log.
public struct LogStats: Sendable, Equatable {
    /// Segment files.
    public var segments = 0
    /// Batches (groups of events written with one append or group commit).
    public var batches: UInt64 = 0
    /// Events.
    public var events: UInt64 = 0
    /// Size of the segment files in bytes, headers and preallocated zeros included.
    public var bytesOnDisk: Int64 = 0
    /// Size of the batches' records before compression.
    public var uncompressedBytes: UInt64 = 0
    /// Position of the first event (`nil` when the log is empty).
    public var firstPosition: UInt64?
    /// Position of the last event (`nil` when the log is empty).
    public var lastPosition: UInt64?
    /// Time of the first event, in milliseconds since the Unix epoch (`nil` when the log is empty).
    public var firstTimestamp: Int64?
    /// Time of the last event, in milliseconds since the Unix epoch (`nil` when the log is empty).
    public var lastTimestamp: Int64?

    /// All zero: the totals of an empty log.
    public init() {}

    /// Uncompressed bytes per byte on disk.
    public var compressionRatio: Double {
        bytesOnDisk > 0 ? Double(uncompressedBytes) / Double(bytesOnDisk) : 0
    }
}
