/// How one segment is mended, found by reading and decoding every batch of it (its index is not
/// trusted): which bytes are kept exactly, which go into quarantine, which positions placeholders fill.
///
/// Positions come only from sound batches (never from a damaged header): the positions lost in
/// damage are those between the last sound batch before it and the first sound one after it
/// (or, at the end of a sealed segment, the first position of the next segment).
struct SegmentRepairPlan {
    struct Damage {
        var offset: Int64
        var bytes: Int64
        var reason: String
        /// The positions the damaged bytes held; `nil` when none were lost.
        var positions: ClosedRange<UInt64>?
        /// Recording time for the placeholders: the last sound batch's before it, so that time
        /// stays non-decreasing along the log.
        var timestamp: Int64
    }

    enum Piece {
        /// Sound batches, copied byte for byte.
        case keep(Range<Int64>)
        /// Damaged bytes with sound batches after them (or a sealed segment's damaged end).
        case quarantine(Damage)
        /// Unsound bytes at the end of the last segment with no sound batch after them.
        case cutTornTail(Damage)
        /// Positions missing between sound batches, no bytes in their place (`bytes` is 0).
        case fillGap(Damage)
    }

    /// Most placeholder events one repair writes for one stretch: beyond that, the positions
    /// around the damage cannot be trusted to say what was lost.
    static let maxPlaceholders: UInt64 = 1 << 20

    let name: String
    let path: String
    let dataStart: Int64
    var pieces: [Piece] = []
    /// Zeros at the end (space written ahead), dropped by a rewrite.
    var zeroBytes: Int64 = 0
    /// Whether the segment's index cache (when given) describes its sound batches, or a prefix
    /// of them; one that does not is removed (opening rebuilds it).
    var indexAgrees = true

    /// Whether anything but sound batches (and zeros ahead, which opening cuts) was found.
    var needsRewrite: Bool {
        pieces.contains { piece in
            if case .keep = piece { return false }
            return true
        }
    }

    /// Reads the segment at `path` (header already decoded) from its first batch to its end.
    ///
    /// `nextFirstPosition` is the next segment's first position (`nil` for the last segment);
    /// `previousTimestamp` is the last sound batch's time so far along the log, updated;
    /// `cachedIndex` the segment's index cache, checked against what is found.
    static func scan(
        name: String, path: String, header: SegmentHeader, nextFirstPosition: UInt64?,
        previousTimestamp: inout Int64?, cachedIndex: SegmentIndex? = nil
    ) throws(EventLogError) -> SegmentRepairPlan {
        let file = try LogFile(path: path, create: false, readOnly: true)
        let size = try file.size()
        let dataStart = Int64(header.encodedSize)
        var plan = SegmentRepairPlan(name: name, path: path, dataStart: dataStart)
        var frames = FrameReader(file: file, offset: dataStart, limit: size)
        var expected = header.firstPosition
        var run: Int64? = dataStart
        // The index opening would build, while nothing is damaged yet.
        var index: SegmentIndex? = SegmentIndex(firstPosition: header.firstPosition, dataStart: dataStart)
        plan.indexAgrees = cachedIndex == nil || cachedIndex == index
        func closeRun(at end: Int64) {
            if let start = run, end > start { plan.pieces.append(.keep(start..<end)) }
            run = nil
        }
        scan: while true {
            let at: Int64
            let reason: String
            switch try frames.next() {
            case .end:
                closeRun(at: frames.offset)
                break scan
            case .frame(let batch, let stored, let offset)
            where FrameReader.events(of: batch, stored: stored, dictionary: header.dictionary) == nil:
                // Sound checksum, records that do not decode (a crafted file): damaged all the same.
                (at, reason) = (offset, "records do not decode")
            case .frame(let batch, _, let offset):
                guard batch.basePosition >= expected else {
                    throw .corruption(
                        segment: name, offset: offset,
                        "position \(batch.basePosition) repeats (expected \(expected)); repair cannot tell which copy "
                            + "is right")
                }
                if batch.basePosition > expected {
                    index = nil
                    closeRun(at: offset)
                    let lost = try plan.lost(expected...(batch.basePosition - 1), bytes: nil, at: offset)
                    plan.pieces.append(
                        .fillGap(
                            Damage(
                                offset: offset, bytes: 0, reason: "positions missing", positions: lost,
                                timestamp: previousTimestamp ?? batch.firstTimestamp)))
                }
                if run == nil { run = offset }
                index?.add(batch, at: offset)
                if let cachedIndex, cachedIndex == index { plan.indexAgrees = true }
                expected = batch.lastPosition + 1
                previousTimestamp = batch.lastTimestamp
                continue scan
            case .truncated(let offset, let partial):
                (at, reason) = (offset, FrameReader.cutShortReason(partial))
            case .invalid(let offset, let why):
                (at, reason) = (offset, why)
            }
            closeRun(at: at)
            index = nil
            if try frames.onlyZeros(from: at) {
                plan.zeroBytes = size - at
                break scan
            }
            if let (next, batch) = try nextSoundFrame(after: at, from: expected, in: &frames) {
                let lost = batch.basePosition > expected ? expected...(batch.basePosition - 1) : nil
                plan.pieces.append(
                    .quarantine(
                        Damage(
                            offset: at, bytes: next - at, reason: reason,
                            positions: try plan.lost(lost, bytes: next - at, at: at),
                            timestamp: previousTimestamp ?? batch.firstTimestamp)))
                expected = batch.basePosition
                frames.seek(to: next)
            } else if let nextFirst = nextFirstPosition {
                // A sealed segment's end: the next segment's first position says what was lost.
                let lost = nextFirst > expected ? expected...(nextFirst - 1) : nil
                plan.pieces.append(
                    .quarantine(
                        Damage(
                            offset: at, bytes: size - at, reason: reason,
                            positions: try plan.lost(lost, bytes: size - at, at: at),
                            timestamp: previousTimestamp ?? header.createdAt)))
                expected = max(expected, nextFirst)
                break scan
            } else {
                plan.pieces.append(
                    .cutTornTail(
                        Damage(
                            offset: at, bytes: size - at, reason: reason, positions: nil,
                            timestamp: previousTimestamp ?? header.createdAt)))
                break scan
            }
        }
        if let nextFirst = nextFirstPosition {
            guard expected <= nextFirst else {
                throw .corruption(
                    segment: name, offset: size,
                    "it ends at position \(expected - 1) but the next segment starts at \(nextFirst)")
            }
            if expected < nextFirst {
                let lost = try plan.lost(expected...(nextFirst - 1), bytes: nil, at: size)
                plan.pieces.append(
                    .fillGap(
                        Damage(
                            offset: size, bytes: 0, reason: "positions missing before the next segment",
                            positions: lost, timestamp: previousTimestamp ?? header.createdAt)))
            }
        }
        return plan
    }

    /// The first sound frame after `offset` whose positions start at or after `expected` (an
    /// older copy of earlier positions is not the continuation), with its header.
    private static func nextSoundFrame(
        after offset: Int64, from expected: UInt64, in frames: inout FrameReader
    ) throws(EventLogError) -> (Int64, BatchHeader)? {
        var from = offset
        while let candidate = try frames.findNextSoundFrame(after: from) {
            frames.seek(to: candidate)
            if case .frame(let batch, _, _) = try frames.next(), batch.basePosition >= expected {
                frames.seek(to: candidate)
                return (candidate, batch)
            }
            from = candidate
        }
        return nil
    }

    /// Checks that `positions` lost in `bytes` damaged bytes (`nil`: none, a gap) are few enough
    /// to have been there: each event takes at least `RecordCodec.fixedBytes` before an LZ4 block's
    /// at most 255-fold expansion, plus a batch header.
    private func lost(
        _ positions: ClosedRange<UInt64>?, bytes: Int64?, at offset: Int64
    ) throws(EventLogError) -> ClosedRange<UInt64>? {
        guard let positions else { return nil }
        let count = positions.upperBound - positions.lowerBound + 1
        var limit = Self.maxPlaceholders
        if let bytes {
            limit = min(limit, UInt64(bytes) * LZ4Compressor.maxExpansion / UInt64(RecordCodec.fixedBytes) + 1)
        }
        guard positions.lowerBound <= positions.upperBound, count <= limit else {
            throw .corruption(
                segment: name, offset: offset,
                "the batches around it say positions \(positions.lowerBound)-\(positions.upperBound) were lost, "
                    + "more than the damaged bytes can have held; repair will not fill them")
        }
        return positions
    }
}
