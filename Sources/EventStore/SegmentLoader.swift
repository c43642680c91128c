/// Opens the segments of a log directory: trusts sealed segments whose index covers them,
/// verifies the rest, cuts (or, read-only, ignores) a torn tail, and stops at corruption.
struct SegmentLoader {
    enum Mode { case write, read }

    let directory: String
    let mode: Mode
    /// Segments moved out of the live log by `log archive`, read before the live ones (read mode).
    let archive: String?
    var report = RecoveryReport()

    init(directory: String, mode: Mode, archive: String? = nil) {
        self.directory = directory
        self.mode = mode
        self.archive = mode == .read ? archive : nil
        report.readOnly = mode == .read
    }

    /// Segment file names in position order: the archive's before the live log's first one
    /// (a segment in both is read from the live log).
    func segmentNames() throws(EventLogError) -> [(name: String, firstPosition: UInt64)] {
        let live = try Self.names(in: directory)
        guard let archive else { return live }
        let first = live.first?.firstPosition ?? .max
        return try Self.names(in: archive).filter { $0.firstPosition < first } + live
    }

    private static func names(in directory: String) throws(EventLogError) -> [(name: String, firstPosition: UInt64)] {
        try LogFS.list(directory)
            .compactMap { name in SegmentName.firstPosition(ofSegment: name).map { (name, $0) } }
            .sorted { $0.1 < $1.1 }
    }

    /// The directory holding `name`: the live log's, else the archive's.
    func directory(of name: String) -> String {
        guard let archive, !LogFS.exists(directory + "/" + name), LogFS.exists(archive + "/" + name) else {
            return directory
        }
        return archive
    }

    /// Loads every segment of the directory.
    mutating func loadAll() throws(EventLogError) -> [SegmentState] {
        var segments: [SegmentState] = []
        let names = try segmentNames()
        for (ordinal, entry) in names.enumerated() {
            let isLast = ordinal == names.count - 1
            guard let segment = try load(name: entry.name, firstPosition: entry.firstPosition, isLast: isLast) else {
                continue
            }
            if let previous = segments.last, segment.firstPosition != previous.index.lastPosition + 1 {
                throw .corruption(
                    segment: segment.name, offset: 0,
                    "segment starts at position \(segment.firstPosition) but \(previous.name) ends at "
                        + "\(previous.index.lastPosition)")
            }
            segments.append(segment)
        }
        return segments
    }

    /// Loads one segment; `nil` when it is an empty last segment whose creation was cut short.
    mutating func load(name: String, firstPosition: UInt64, isLast: Bool) throws(EventLogError) -> SegmentState? {
        let file = try LogFile(path: directory(of: name) + "/" + name, create: false, readOnly: mode == .read)
        return try load(opened: file, name: name, firstPosition: firstPosition, isLast: isLast)
    }

    /// Loads one segment from `file`, opened at its path (the index cache is used only while the
    /// path still names that file).
    mutating func load(
        opened file: borrowing LogFile, name: String, firstPosition: UInt64, isLast: Bool
    ) throws(EventLogError) -> SegmentState? {
        let path = directory(of: name) + "/" + name
        let size = try file.size()
        let header: SegmentHeader
        switch try SegmentHeader.read(from: file, size: size) {
        case .incomplete where isLast:
            if mode == .write { LogFS.remove(path) }
            report.removedSegments.append(name)
            return nil
        case .incomplete:
            throw .corruption(segment: name, offset: 0, "segment header cut short")
        case .invalid(let why):
            throw .corruption(segment: name, offset: 0, why)
        case .header(let value):
            header = value
        }
        guard header.firstPosition == firstPosition else {
            throw .corruption(segment: name, offset: 0, "header says first position \(header.firstPosition)")
        }
        let identity = try FileIdentity(of: file)
        var state = SegmentState(
            name: name, path: path, header: header,
            index: SegmentIndex(firstPosition: firstPosition, dataStart: Int64(header.encodedSize)),
            identity: identity)
        // An index read after compaction renamed a new segment over the one opened here describes
        // the new one: used only while the path still names the file opened.
        if let cached = loadIndex(
            firstPosition: firstPosition, dataStart: state.dataStart, fileSize: size, isLast: isLast),
            FileIdentity(path: path) == identity
        {
            state.index = cached
            if !isLast && cached.coveredLength == size { return state }
        } else {
            report.rebuiltIndexes.append(SegmentName.index(firstPosition))
        }
        try verifyTail(of: &state, file: file, size: size, isLast: isLast)
        if mode == .write && !isLast { try? LogFS.writeCacheFile(indexPath(firstPosition), state.index.encode()) }
        return state
    }

    /// Verifies the bytes after `state.index.coveredLength` up to `size` and extends the index.
    ///
    /// At an unsound batch (short, bad magic, impossible lengths, checksum mismatch): zeros from
    /// there to the end are space written ahead, cut. Otherwise a later sound batch decides. None
    /// in the last segment: a torn tail, cut (read-only: ignored). One: the damaged batch was once
    /// sound, so this is corruption and nothing is cut: the writer stops (`LogRepair` mends it); a
    /// reader notes it in `report.damaged` and indexes past it (reads stop there with
    /// `.corruption` unless they skip corrupt data).
    mutating func verifyTail(
        of state: inout SegmentState, file: borrowing LogFile, size: Int64, isLast: Bool
    ) throws(EventLogError) {
        let start = state.index.coveredLength
        guard size > start else { return }
        let reader = try LogFile(duplicating: file)
        var frames = FrameReader(file: reader, offset: start, limit: size, mayShrink: mode == .read)
        report.verifiedBytes += size - start
        var damage: SkippedRange?
        while true {
            let offset: Int64
            let reason: String
            var header: BatchHeader?
            switch try frames.next() {
            case .end:
                // (A file read beside its writer can end before the sound batch found after damage.)
                if let damage { report.damaged.append(damage) }
                return
            case .frame(let sound, _, let at):
                try extend(&state, with: sound, at: at, after: &damage)
                continue
            case .truncated(let at, let partial):
                (offset, reason, header) = (at, FrameReader.cutShortReason(partial), partial)
            case .invalid(let at, let why):
                (offset, reason) = (at, why)
            }
            if try frames.onlyZeros(from: offset) {
                // Space the writer had filled with zeros ahead of its batches: not a torn batch.
                try cutZeros(of: state, file: file, at: offset, size: size)
                return
            }
            guard let next = try frames.findNextSoundFrame(after: offset) else {
                // A torn write leaves garbage only at the very end of the last segment.
                guard isLast else { throw .corruption(segment: state.name, offset: offset, reason) }
                try cutTail(of: state, file: file, at: offset, size: size, header: header)
                return
            }
            // A sound batch follows, so this one was once sound. Except read beside the writer: a
            // batch being written into the zeros ahead can look damaged while the next one is
            // already readable; read again, it is whole.
            if mode == .read, isLast, try frames.becomesSound(at: offset) { continue }
            guard mode == .read else {
                throw .damagedBeforeSoundBatches(segment: state.name, offset: offset, reason)
            }
            damage = SkippedRange(
                segment: state.name, offset: offset, bytes: next - offset, positions: nil, reason: reason)
            frames.seek(to: next)
        }
    }

    /// Adds a sound batch to the index; it must follow on from the last position (after damage
    /// read past: at or after it, the positions in between being lost in the damage).
    private mutating func extend(
        _ state: inout SegmentState, with header: BatchHeader, at offset: Int64, after damage: inout SkippedRange?
    ) throws(EventLogError) {
        let expected = state.index.lastPosition + 1
        guard header.basePosition == expected || (damage != nil && header.basePosition > expected) else {
            throw .corruption(
                segment: state.name, offset: offset, "expected position \(expected), found \(header.basePosition)")
        }
        if var skipped = damage {
            if header.basePosition > expected { skipped.positions = expected...(header.basePosition - 1) }
            report.damaged.append(skipped)
            damage = nil
            state.index.add(header, at: offset, afterDamage: true)
        } else {
            state.index.add(header, at: offset)
        }
    }

    private mutating func cutTail(
        of state: SegmentState, file: borrowing LogFile, at offset: Int64, size: Int64, header: BatchHeader?
    ) throws(EventLogError) {
        report.truncatedSegment = state.name
        report.truncatedBytes = size - offset
        if let header, header.lastPosition >= header.basePosition {
            report.truncatedPositions = header.basePosition...header.lastPosition
        }
        if mode == .write {
            try file.truncate(to: offset)
            try file.sync()
        }
    }

    private mutating func cutZeros(
        of state: SegmentState, file: borrowing LogFile, at offset: Int64, size: Int64
    ) throws(EventLogError) {
        report.preallocatedBytes += size - offset
        if mode == .write {
            try file.truncate(to: offset)
            try file.sync()
        }
    }

    func indexPath(_ firstPosition: UInt64) -> String {
        directory(of: SegmentName.segment(firstPosition)) + "/" + SegmentName.index(firstPosition)
    }

    /// The index cache, when it describes this file: a sealed segment's must cover it exactly (so
    /// that a cache written for the segment before or after compaction, whose sizes always differ,
    /// is never taken for this one's).
    private func loadIndex(firstPosition: UInt64, dataStart: Int64, fileSize: Int64, isLast: Bool) -> SegmentIndex? {
        let path = indexPath(firstPosition)
        // At most one entry per batch: a larger file is not this segment's index (nor read whole).
        let largest = 76 + 24 * (fileSize / Int64(BatchHeader.size) + 1)
        guard LogFS.exists(path), let file = try? LogFile(path: path, create: false, readOnly: true),
            let size = try? file.size(), size <= largest, let bytes = try? file.read(count: Int(size), at: 0),
            let index = SegmentIndex.decode(bytes), index.firstPosition == firstPosition,
            index.coveredLength >= dataStart, index.coveredLength <= fileSize,
            isLast || index.coveredLength == fileSize,
            index.entries.allSatisfy({ $0.offset >= dataStart && $0.offset < index.coveredLength })
        else { return nil }
        return index
    }
}
