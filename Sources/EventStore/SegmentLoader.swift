/// Opens the segments of a log directory: trusts sealed segments whose index covers them,
/// verifies the rest, cuts (or, read-only, ignores) a torn tail, and stops at corruption.
struct SegmentLoader {
    enum Mode { case write, read }

    let directory: String
    let mode: Mode
    var report = RecoveryReport()

    init(directory: String, mode: Mode) {
        self.directory = directory
        self.mode = mode
        report.readOnly = mode == .read
    }

    /// Segment file names in position order.
    func segmentNames() throws(EventLogError) -> [(name: String, firstPosition: UInt64)] {
        try LogFS.list(directory)
            .compactMap { name in SegmentName.firstPosition(ofSegment: name).map { (name, $0) } }
            .sorted { $0.1 < $1.1 }
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
                    "segment starts at position \(segment.firstPosition) but \(previous.name) ends at \(previous.index.lastPosition)")
            }
            segments.append(segment)
        }
        return segments
    }

    /// Loads one segment; `nil` when it is an empty last segment whose creation was cut short.
    mutating func load(name: String, firstPosition: UInt64, isLast: Bool) throws(EventLogError) -> SegmentState? {
        let path = directory + "/" + name
        let file = try LogFile(path: path, create: false, readOnly: mode == .read)
        let size = try file.size()
        let head = try file.read(count: Int(min(size, Int64(SegmentHeader.fixedSize + SegmentHeader.maxDictionary + 4))), at: 0)
        let header: SegmentHeader
        switch head.withUnsafeBytes({ SegmentHeader.decode($0) }) {
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
        var state = SegmentState(
            name: name, path: path, header: header,
            index: SegmentIndex(firstPosition: firstPosition, dataStart: Int64(header.encodedSize)))
        if let cached = loadIndex(firstPosition: firstPosition, dataStart: state.dataStart, fileSize: size) {
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
    mutating func verifyTail(of state: inout SegmentState, file: borrowing LogFile, size: Int64, isLast: Bool)
        throws(EventLogError)
    {
        let start = state.index.coveredLength
        guard size > start else { return }
        let reader = try LogFile(path: state.path, create: false, readOnly: true)
        var frames = FrameReader(file: reader, offset: start, limit: size, mayShrink: mode == .read)
        report.verifiedBytes += size - start
        while true {
            switch try frames.next() {
            case .end:
                return
            case .frame(let header, _, let offset):
                guard header.basePosition == state.index.lastPosition + 1 else {
                    throw .corruption(
                        segment: state.name, offset: offset,
                        "expected position \(state.index.lastPosition + 1), found \(header.basePosition)")
                }
                state.index.add(header, at: offset)
            case .truncated(let offset, _) where try frames.onlyZeros(from: offset),
                .invalid(let offset, _) where try frames.onlyZeros(from: offset):
                // Space the writer had filled with zeros ahead of its batches: not a torn batch.
                try cutZeros(of: state, file: file, at: offset, size: size)
                return
            case .truncated(let offset, let header):
                guard isLast else { throw .corruption(segment: state.name, offset: offset, "batch cut short") }
                try cutTail(of: state, file: file, at: offset, size: size, header: header)
                return
            case .invalid(let offset, let reason):
                // A torn write leaves garbage only at the very end; a sound batch after a bad one means
                // the bad one was once sound, so it is corruption. Except read beside the writer: a
                // batch being written into the zeros ahead can look damaged while the next one is
                // already readable; read again, it is whole.
                guard isLast, try frames.findNextSoundFrame(after: offset) == nil else {
                    if mode == .read, isLast, try frames.becomesSound(at: offset) { continue }
                    throw .corruption(segment: state.name, offset: offset, reason)
                }
                try cutTail(of: state, file: file, at: offset, size: size, header: nil)
                return
            }
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

    private mutating func cutZeros(of state: SegmentState, file: borrowing LogFile, at offset: Int64, size: Int64)
        throws(EventLogError)
    {
        report.preallocatedBytes += size - offset
        if mode == .write {
            try file.truncate(to: offset)
            try file.sync()
        }
    }

    func indexPath(_ firstPosition: UInt64) -> String { directory + "/" + SegmentName.index(firstPosition) }

    private func loadIndex(firstPosition: UInt64, dataStart: Int64, fileSize: Int64) -> SegmentIndex? {
        let path = indexPath(firstPosition)
        guard LogFS.exists(path), let file = try? LogFile(path: path, create: false, readOnly: true),
            let size = try? file.size(), size < 1 << 30, let bytes = try? file.read(count: Int(size), at: 0),
            let index = SegmentIndex.decode(bytes), index.firstPosition == firstPosition,
            index.coveredLength >= dataStart, index.coveredLength <= fileSize,
            index.entries.allSatisfy({ $0.offset >= dataStart && $0.offset < index.coveredLength })
        else { return nil }
        return index
    }
}
