import Synchronization

/// The segments of a log and how far each is committed, shared by the writer (which extends it
/// after every durable write) and any number of readers.
final class LogCatalog: Sendable {
    struct Location: Sendable {
        var ordinal: Int
        var path: String
        var dictionary: [UInt8]
        var offset: Int64
        var firstPosition: UInt64
        /// The file the offset belongs to (`nil`: not recorded).
        var identity: FileIdentity?
    }

    struct Limit: Sendable {
        var committedLength: Int64
        var isLast: Bool
        var identity: FileIdentity?
    }

    let directory: String
    private let segments: Mutex<[SegmentState]>

    init(directory: String, segments: [SegmentState]) {
        self.directory = directory
        self.segments = Mutex(segments)
    }

    func snapshot() -> [SegmentState] { segments.withLock { $0 } }

    func update(_ body: (inout [SegmentState]) -> Void) { segments.withLock { body(&$0) } }

    /// Last committed position (0 for an empty log).
    var lastPosition: UInt64 {
        segments.withLock { $0.last.map { $0.index.lastPosition } ?? 0 }
    }

    /// Segments, committed bytes and last position, under one lock.
    var footprint: LogFootprint {
        segments.withLock { all in
            var footprint = LogFootprint()
            footprint.segments = all.count
            for segment in all { footprint.bytes += segment.committedLength }
            footprint.lastPosition = all.last.map { $0.index.lastPosition } ?? 0
            return footprint
        }
    }

    var lastTimestamp: Int64 {
        segments.withLock { all in all.last(where: { $0.index.batchCount > 0 })?.index.lastTimestamp ?? 0 }
    }

    /// Where to start reading to find `position` (clamped to the first position of the log).
    func location(forPosition position: UInt64) -> Location? {
        segments.withLock { all in
            guard !all.isEmpty else { return nil }
            var ordinal = all.count - 1
            while ordinal > 0 && all[ordinal].firstPosition > position { ordinal -= 1 }
            return Self.location(in: all, ordinal: ordinal) { $0.index.offset(forPosition: position) }
        }
    }

    /// Where to start reading to find the first event recorded at or after `time` (ms).
    func location(forTime time: Int64) -> Location? {
        segments.withLock { all in
            guard !all.isEmpty else { return nil }
            var ordinal = 0
            // The last segment whose first batch is older than `time`; later ones start at or after it.
            for (candidate, segment) in all.enumerated()
            where segment.index.batchCount > 0 && segment.index.firstTimestamp < time {
                ordinal = candidate
            }
            return Self.location(in: all, ordinal: ordinal) { $0.index.offset(forTime: time) }
        }
    }

    /// The segment after `ordinal`, read from its first batch.
    func location(afterSegment ordinal: Int) -> Location? {
        segments.withLock { all in
            guard ordinal + 1 < all.count else { return nil }
            return Self.location(in: all, ordinal: ordinal + 1) { _ in nil }
        }
    }

    /// A location in segment `ordinal`, at the offset `seek` finds (its first batch when none).
    private static func location(
        in all: [SegmentState], ordinal: Int, seek: (SegmentState) -> Int64?
    ) -> Location {
        let segment = all[ordinal]
        return Location(
            ordinal: ordinal, path: segment.path, dictionary: segment.header.dictionary,
            offset: seek(segment) ?? segment.dataStart, firstPosition: segment.firstPosition,
            identity: segment.identity)
    }

    func limit(ofSegment ordinal: Int) -> Limit {
        segments.withLock { all in
            Limit(
                committedLength: all[ordinal].committedLength, isLast: ordinal == all.count - 1,
                identity: all[ordinal].identity)
        }
    }

    /// Puts `state` in place of the segment with the same first position (one compaction
    /// rewrote): the same events, at other offsets.
    func replace(_ state: SegmentState) {
        segments.withLock { all in
            guard let ordinal = all.firstIndex(where: { $0.firstPosition == state.firstPosition }) else { return }
            all[ordinal] = state
        }
    }
}
