/// How compaction compresses the batches it writes.
public enum CompactionCodec: String, Sendable, Equatable, CaseIterable {
    /// Zstandard (batch codec 3): entropy coding, about 1.3 to 1.8 times smaller than LZ4 HC.
    case zstd
    /// LZ4 HC with the segment's dictionary (batch codec 2): faster to write and to read, larger.
    case lz4hc

    /// The level used when none is given.
    public var defaultLevel: Int {
        switch self {
        case .zstd: return 9
        case .lz4hc: return 12
        }
    }

    /// The levels it accepts.
    public var levels: ClosedRange<Int> {
        switch self {
        case .zstd: return 1...22
        case .lz4hc: return 3...12
        }
    }
}

/// How compaction rewrites sealed segments.
public struct CompactionOptions: Sendable, Equatable {
    /// Compression of the rewritten batches.
    public var codec = CompactionCodec.zstd
    /// Level of `codec` (0: its `defaultLevel`); higher is smaller and slower to write.
    public var level = 0
    /// Uncompressed bytes gathered into each rewritten batch (a batch of the old segment is
    /// never split, so one may be larger).
    public var batchBytes = 1 << 20
    /// A segment is rewritten only when the result is at least this fraction smaller.
    public var minimumSaving = 1.0 / 16

    /// The level used: `level`, or the codec's default when it is 0, kept within the codec's levels.
    public var effectiveLevel: Int {
        level == 0 ? codec.defaultLevel : min(max(level, codec.levels.lowerBound), codec.levels.upperBound)
    }

    /// The defaults: Zstandard at its default level, 1 MiB batches, at least 1/16 saved.
    public init() {}

    /// Options changed by `body`.
    public init(_ body: (inout CompactionOptions) -> Void) {
        self.init()
        body(&self)
    }
}

/// Called by compaction after every batch it writes, with the bytes of the old segment read since
/// the last call; it may sleep (to leave the machine to ingestion) and returns `false` to stop
/// (the segment being rewritten is left as it was).
public typealias CompactionPacer = @Sendable (_ bytesRead: Int) -> Bool

/// What a compaction did.
public struct CompactionReport: Sendable, Equatable {
    /// One segment rewritten.
    public struct Segment: Sendable, Equatable {
        /// File name, e.g. `00000000000000000001.seg`.
        public var name: String
        /// Size of the segment file before, in bytes.
        public var bytesBefore: Int64
        /// Size of the segment file after, in bytes.
        public var bytesAfter: Int64
        /// Batches in the segment before.
        public var batchesBefore: UInt64
        /// Batches in the segment after.
        public var batchesAfter: UInt64
        /// Events in the segment (the same before and after).
        public var events: UInt64
        /// Uncompressed bytes of the records (the same before and after).
        public var recordBytes: UInt64
    }

    /// A segment left as it was, and why.
    public struct Skip: Sendable, Equatable {
        /// The reason given for a segment already in large batches (others may change with time).
        public static let alreadyCompacted = "already in large batches"

        /// File name of the segment left as it was.
        public var name: String
        /// Why it was left as it was.
        public var reason: String
    }

    /// The segments rewritten, in position order.
    public var compacted: [Segment] = []
    /// The sealed segments left as they were, and why.
    public var skipped: [Skip] = []
    /// Whether the pacer stopped it before it was done.
    public var stopped = false

    /// Bytes of the rewritten segments before, in all.
    public var bytesBefore: Int64 { compacted.reduce(0) { $0 + $1.bytesBefore } }
    /// Bytes of the rewritten segments after, in all.
    public var bytesAfter: Int64 { compacted.reduce(0) { $0 + $1.bytesAfter } }
}

/// What the compactions of an open log rewrote, in all (``EventLog/compactionTotals``).
public struct CompactionTotals: Sendable, Equatable {
    /// Segments rewritten.
    public var segments = 0
    /// Bytes of those segments before they were rewritten.
    public var bytesBefore: Int64 = 0
    /// Bytes of those segments after.
    public var bytesAfter: Int64 = 0

    /// Nothing rewritten yet.
    public init() {}

    mutating func add(_ segment: CompactionReport.Segment) {
        segments += 1
        bytesBefore += segment.bytesBefore
        bytesAfter += segment.bytesAfter
    }
}
