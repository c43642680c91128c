/// A consistent, durable cut of a log for a backup: its segments as a reader sees them, the last
/// one cut at its committed length.
public struct LogCut: Sendable, Equatable {
    /// One segment of the cut.
    public struct Segment: Sendable, Equatable {
        /// The file name (`NNNNNNNNNNNNNNNNNNNN.seg`).
        public var name: String
        /// The index file name beside it.
        public var indexName: String
        /// Position of the segment's first event.
        public var firstPosition: UInt64
        /// Position of the last event within the cut.
        public var lastPosition: UInt64
        /// Sealed segments are copied whole (they may be compacted, new bytes under the same name,
        /// between the cut and the copy); the active one only up to ``length``.
        public var isSealed: Bool
        /// Committed bytes when the cut was taken.
        public var length: Int64
    }

    /// The segments up to the cut, in position order (the last one cut at `length`).
    public var segments: [Segment]

    /// The last position in the cut (0 for an empty log).
    public var lastPosition: UInt64 { segments.last?.lastPosition ?? 0 }
    /// The first position in the cut (0 for an empty log).
    public var firstPosition: UInt64 { segments.first?.firstPosition ?? 0 }
}

extension LogReader {
    /// Refreshes, then cuts the log at the last complete batch and makes that cut durable: the
    /// active segment is synced (any process may sync a file), so the cut never holds an event
    /// that a power loss could take from the live log.
    ///
    /// - Returns: The segments up to the cut.
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when a file cannot be read
    ///   or synced, ``EventLogError/Code/corruption`` when a new segment is damaged.
    public func cut() throws(EventLogError) -> LogCut {
        try refresh()
        let all = catalog.snapshot()
        if let last = all.last {
            let file = try LogFile(path: last.path, create: false, readOnly: true)
            try file.sync()
        }
        return LogCut(
            segments: all.enumerated().map { ordinal, segment in
                LogCut.Segment(
                    name: segment.name, indexName: SegmentName.index(segment.firstPosition),
                    firstPosition: segment.firstPosition, lastPosition: segment.index.lastPosition,
                    isSealed: ordinal < all.count - 1, length: segment.committedLength)
            })
    }
}
