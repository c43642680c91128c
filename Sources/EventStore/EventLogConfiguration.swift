/// When an append counts as done.
public enum Durability: Sendable, Equatable {
    /// Acknowledge only after the batch is written and synced to the device (the default).
    case always
    /// UNSAFE: acknowledge after the write; sync at most this many milliseconds later.
    /// A crash or power loss can lose acknowledged appends.
    case unsafeInterval(milliseconds: Int)
    /// UNSAFE: acknowledge after the write and never sync (tests and benchmarks only).
    case unsafeNone
}

/// How a log is laid out and written.
public struct EventLogConfiguration: Sendable {
    /// A new segment is started once the current one holds at least this many bytes.
    public var segmentSize: Int64 = 64 << 20
    /// When an append is acknowledged: after the sync (``Durability/always``, the default) or
    /// earlier, at the risk of losing acknowledged appends in a crash.
    public var durability: Durability = .always
    /// Soft limit of a batch's uncompressed size; one append is never split across batches.
    public var maxBatchBytes: Int = 1 << 20
    /// Largest accepted event (type, stream, data and attachment together).
    public var maxEventBytes: Int = 16 << 20
    /// An LZ4 dictionary of typical payloads (at most 64 KiB), stored in each new segment's
    /// header so that small batches compress well. Empty: plain LZ4.
    public var compressionDictionary: [UInt8] = []
    /// 0: LZ4's fast mode. 3 to 12: that LZ4 HC level — smaller batches on disk for more CPU when
    /// writing; reading is as fast (the same LZ4 blocks). The default, HC level 3, makes webhook
    /// batches about 20% smaller than fast mode and still writes several hundred thousand durable
    /// events per second on 2 cores (BENCHMARKS.md has the trade measured).
    public var compressionLevel: Int = 3
    /// The active segment's index is saved after this many new bytes (and on close).
    public var indexSaveInterval: Int64 = 8 << 20
    /// How far ahead of its last batch the active segment is extended with zeros (0: never).
    /// A sync that grows a file must also write its new size, a second device write waited for
    /// (ext4); within space already written, a sync writes the data only. The zeros are cut when
    /// a segment is sealed and when the log closes; after a crash, opening the log cuts them
    /// (a tail of zeros is never taken for a torn batch).
    public var preallocationBytes: Int64 = 1 << 20
    /// Failure injection for tests; `nil` in production.
    public var faults: IOFaults?
    /// Told the latency of each append and the duration of each sync (for metrics); `nil`: no
    /// timing is taken.
    public var observer: (any EventLogObserver)?
    /// The time events are stamped with (never earlier than the previous batch's): the system
    /// clock; benchmarks that build years of history quickly give their own.
    public var wall: WallClock = .system

    /// The defaults: 64 MiB segments, durable appends, LZ4 HC level 3, 1 MiB preallocation.
    public init() {}

    /// The defaults, changed by `configure`.
    ///
    /// ```swift
    /// let configuration = EventLogConfiguration { $0.segmentSize = 8 << 20 }
    /// ```
    ///
    /// - Parameter configure: Sets the fields that differ from the defaults.
    public init(_ configure: (inout EventLogConfiguration) -> Void) {
        configure(&self)
    }
}
