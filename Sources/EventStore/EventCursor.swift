/// A range of the log that a reader skipped because it was damaged (`skipCorrupt` only).
public struct SkippedRange: Sendable, Equatable, CustomStringConvertible {
    /// File name of the segment holding the damage, e.g. `00000000000000000001.seg`.
    public var segment: String
    /// Byte offset in `segment` where the skipped range starts.
    public var offset: Int64
    /// Length of the skipped range in bytes (0 when positions are missing with no bytes in their place).
    public var bytes: Int64
    /// Positions lost, when the positions around the damage tell them.
    public var positions: ClosedRange<UInt64>?
    /// Why the range was skipped, e.g. `checksum mismatch` or `positions missing`.
    public var reason: String

    /// One line for logs and the CLI: bytes, segment, offset, reason and lost positions.
    public var description: String {
        var text = "skipped \(bytes) corrupt bytes in \(segment) at offset \(offset) (\(reason))"
        if let positions { text += ", positions \(positions.lowerBound)-\(positions.upperBound)" }
        return text
    }
}

/// Reads the log forward, one batch at a time (memory bounded by the batch size), across
/// segments, never past what is committed.
final class EventCursor {
    private let catalog: LogCatalog
    private let skipCorrupt: Bool
    private var location: LogCatalog.Location?
    private var frames: FrameReader?
    /// Skip events before these (the start of the read).
    private var minPosition: UInt64
    private var minTimestamp: Int64?
    /// Last position handed out or skipped over, to check that the log is gapless.
    private var lastPosition: UInt64?
    private(set) var skipped: [SkippedRange] = []
    /// The file `frames` reads.
    private var openIdentity: FileIdentity?

    init(catalog: LogCatalog, from position: UInt64, skipCorrupt: Bool = false) {
        self.catalog = catalog
        self.skipCorrupt = skipCorrupt
        self.minPosition = max(1, position)
        self.location = catalog.location(forPosition: max(1, position))
    }

    init(catalog: LogCatalog, since time: Int64, skipCorrupt: Bool = false) {
        self.catalog = catalog
        self.skipCorrupt = skipCorrupt
        self.minPosition = 1
        self.minTimestamp = time
        self.location = catalog.location(forTime: time)
    }

    /// The next position this cursor will return.
    var nextPosition: UInt64 { max(minPosition, (lastPosition ?? 0) + 1) }

    /// The next non-empty batch of events, or `nil` when the cursor has reached the committed end.
    func nextBatch() throws(EventLogError) -> [RecordedEvent]? {
        while true {
            if location == nil { location = catalog.location(forPosition: nextPosition) }
            guard let current = location else { return nil }
            var limit = catalog.limit(ofSegment: current.ordinal)
            if frames == nil {
                let file = try LogFile(path: current.path, create: false, readOnly: true)
                let identity = try FileIdentity(of: file)
                if let expected = current.identity, expected != identity {
                    // Compaction put another file in place since the offsets were learned: the same
                    // events at other offsets. Learn them from the file now open, then start again.
                    try relearn(current, from: file)
                    continue
                }
                frames = FrameReader(file: file, offset: current.offset, limit: limit.committedLength)
                openIdentity = identity
            }
            // (A file already open is read to its end even if another was renamed over it since.)
            if limit.identity == nil || limit.identity == openIdentity { frames!.limit = limit.committedLength }
            limit.committedLength = frames!.limit
            switch try frames!.next() {
            case .frame(let header, let stored, let offset):
                if let events = try accept(header, stored: stored, offset: offset, in: current) { return events }
            case .end:
                guard !limit.isLast, let next = catalog.location(afterSegment: current.ordinal) else { return nil }
                location = next
                frames = nil
            case .truncated(let offset, _):
                try skipDamage(at: offset, in: current, reason: "batch cut short")
            case .invalid(let offset, let reason):
                try skipDamage(at: offset, in: current, reason: reason)
            }
        }
    }

    /// Loads segment `segment` again from `file` (a compacted one), puts it in the catalog, and
    /// finds where to go on reading in it.
    private func relearn(_ segment: LogCatalog.Location, from file: borrowing LogFile) throws(EventLogError) {
        var loader = SegmentLoader(directory: catalog.directory, mode: .read)
        let name = SegmentName.segment(segment.firstPosition)
        guard
            let state = try loader.load(
                opened: file, name: name, firstPosition: segment.firstPosition, isLast: false)
        else { throw .corruption(segment: name, offset: 0, "segment header cut short") }
        catalog.replace(state)
        if lastPosition == nil, let time = minTimestamp {
            location = catalog.location(forTime: time)
        } else {
            location = catalog.location(forPosition: nextPosition)
        }
    }

    private func accept(
        _ header: BatchHeader, stored: [UInt8], offset: Int64, in segment: LogCatalog.Location
    ) throws(EventLogError) -> [RecordedEvent]? {
        let name = SegmentName.segment(segment.firstPosition)
        if lastPosition == nil, minTimestamp == nil, segment.ordinal == 0, minPosition < segment.firstPosition {
            // The log starts later than asked: its first segments were archived.
            throw EventLogError(
                .archived,
                "positions \(minPosition)-\(segment.firstPosition - 1) are not in the live log, which starts at "
                    + "position \(segment.firstPosition) (older segments were archived with `clickunlock log "
                    + "archive`): read them with --archive DIR, or start from a snapshot or a later position")
        }
        if let last = lastPosition, header.basePosition != last + 1 {
            if header.basePosition <= last {
                throw .corruption(segment: name, offset: offset, "position \(header.basePosition) repeats")
            }
            let gap = SkippedRange(
                segment: name, offset: offset, bytes: 0, positions: (last + 1)...(header.basePosition - 1),
                reason: "positions missing")
            guard skipCorrupt else {
                throw .corruption(
                    segment: name, offset: offset, "expected position \(last + 1), found \(header.basePosition)")
            }
            skipped.append(gap)
        } else if lastPosition == nil, minTimestamp == nil, minPosition >= segment.firstPosition,
            header.basePosition > minPosition
        {
            // The first batch read starts after the position asked for: what holds it is missing.
            let gap = SkippedRange(
                segment: name, offset: offset, bytes: 0, positions: minPosition...(header.basePosition - 1),
                reason: "positions missing")
            guard skipCorrupt else {
                throw .corruption(
                    segment: name, offset: offset, "expected position \(minPosition), found \(header.basePosition)")
            }
            skipped.append(gap)
        }
        lastPosition = header.lastPosition
        if header.lastPosition < minPosition { return nil }
        if let time = minTimestamp, header.lastTimestamp < time { return nil }
        guard var events = FrameReader.events(of: header, stored: stored, dictionary: segment.dictionary) else {
            let problem = EventLogError.corruption(segment: name, offset: offset, "records do not decode")
            guard skipCorrupt else { throw problem }
            skipped.append(
                SkippedRange(
                    segment: name, offset: offset, bytes: Int64(header.frameLength),
                    positions: header.basePosition...header.lastPosition, reason: "records do not decode"))
            return nil
        }
        if events[0].position < minPosition { events.removeFirst(Int(minPosition - events[0].position)) }
        if let time = minTimestamp {
            if let first = events.firstIndex(where: { $0.timestamp >= time }) {
                events.removeFirst(first)
                minTimestamp = nil
            } else {
                return nil
            }
        }
        return events.isEmpty ? nil : events
    }

    private func skipDamage(at offset: Int64, in segment: LogCatalog.Location, reason: String) throws(EventLogError) {
        let name = SegmentName.segment(segment.firstPosition)
        guard skipCorrupt else { throw .corruption(segment: name, offset: offset, reason) }
        if let next = try frames!.findNextSoundFrame(after: offset) {
            skipped.append(
                SkippedRange(segment: name, offset: offset, bytes: next - offset, positions: nil, reason: reason))
            frames!.seek(to: next)
        } else {
            let end = frames!.limit
            skipped.append(
                SkippedRange(segment: name, offset: offset, bytes: end - offset, positions: nil, reason: reason))
            frames!.seek(to: end)
        }
    }
}
