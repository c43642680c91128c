/// Totals of a log.
public struct LogStats: Sendable, Equatable {
    public var segments = 0
    public var batches: UInt64 = 0
    public var events: UInt64 = 0
    public var bytesOnDisk: Int64 = 0
    /// Size of the batches' records before compression.
    public var uncompressedBytes: UInt64 = 0
    public var firstPosition: UInt64?
    public var lastPosition: UInt64?
    public var firstTimestamp: Int64?
    public var lastTimestamp: Int64?

    public init() {}

    /// Uncompressed bytes per byte on disk.
    public var compressionRatio: Double {
        bytesOnDisk > 0 ? Double(uncompressedBytes) / Double(bytesOnDisk) : 0
    }
}
