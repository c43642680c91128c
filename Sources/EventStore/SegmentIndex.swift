/// A sparse index of one segment: where batches start (position → byte offset, time → position),
/// plus totals for the bytes it covers.
///
/// It is a cache. It is rebuilt by scanning when missing or stale, and every offset taken from
/// it is checked against the batch found there.
struct SegmentIndex: Equatable, Sendable {
    struct Entry: Equatable, Sendable {
        var basePosition: UInt64
        var offset: Int64
        var firstTimestamp: Int64
    }

    /// New entries are added when a batch starts at least this many bytes after the last entry.
    static let spacing: Int64 = 32 * 1024
    static let magic: UInt64 = 0x3130_5844_4955_4355  // "CUIDX001" little-endian

    var firstPosition: UInt64
    var entries: [Entry] = []
    /// Bytes of the segment file that are verified and covered by this index.
    var coveredLength: Int64
    /// Last position in the covered bytes (`firstPosition - 1` when there is none).
    var lastPosition: UInt64
    var firstTimestamp: Int64 = 0
    var lastTimestamp: Int64 = 0
    var batchCount: UInt64 = 0
    var uncompressedBytes: UInt64 = 0

    init(firstPosition: UInt64, dataStart: Int64) {
        self.firstPosition = firstPosition
        self.coveredLength = dataStart
        self.lastPosition = firstPosition - 1
    }

    var eventCount: UInt64 { lastPosition + 1 - firstPosition }

    /// Records a verified batch that starts at `offset`, directly after the covered bytes (or,
    /// `afterDamage`, after damaged bytes a reader reads past: the batch then gets an entry, so
    /// that reads from its positions on start there).
    mutating func add(_ header: BatchHeader, at offset: Int64, afterDamage: Bool = false) {
        if entries.isEmpty || afterDamage || offset - entries[entries.count - 1].offset >= Self.spacing {
            entries.append(
                Entry(basePosition: header.basePosition, offset: offset, firstTimestamp: header.firstTimestamp))
        }
        if batchCount == 0 { firstTimestamp = header.firstTimestamp }
        coveredLength = offset + Int64(header.frameLength)
        lastPosition = header.lastPosition
        lastTimestamp = header.lastTimestamp
        batchCount += 1
        uncompressedBytes += UInt64(header.uncompressedLength)
    }

    /// The offset of a batch at or before the one holding `position` (nil: from the segment's
    /// first batch; an entry after `position` — past damage at the start — is never the answer).
    func offset(forPosition position: UInt64) -> Int64? {
        guard position >= firstPosition, !entries.isEmpty else { return nil }
        var low = 0
        var high = entries.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if entries[mid].basePosition <= position { low = mid } else { high = mid - 1 }
        }
        return entries[low].basePosition <= position ? entries[low].offset : nil
    }

    /// The offset of a batch at or before the first one that may hold events at or after `time`
    /// (nil: from the segment's first batch).
    func offset(forTime time: Int64) -> Int64? {
        guard !entries.isEmpty else { return nil }
        var low = 0
        var high = entries.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if entries[mid].firstTimestamp < time { low = mid } else { high = mid - 1 }
        }
        return entries[low].firstTimestamp < time ? entries[low].offset : nil
    }

    // MARK: File form

    func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + entries.count * 24 + 4)
        out.appendLittleEndian(Self.magic)
        out.appendLittleEndian(firstPosition)
        out.appendLittleEndian(coveredLength)
        out.appendLittleEndian(lastPosition)
        out.appendLittleEndian(firstTimestamp)
        out.appendLittleEndian(lastTimestamp)
        out.appendLittleEndian(batchCount)
        out.appendLittleEndian(uncompressedBytes)
        out.appendLittleEndian(UInt32(entries.count))
        for entry in entries {
            out.appendLittleEndian(entry.basePosition)
            out.appendLittleEndian(entry.offset)
            out.appendLittleEndian(entry.firstTimestamp)
        }
        out.appendLittleEndian(CRC32C.checksum(out))
        return out
    }

    /// Decodes an index file; `nil` when it is damaged or not an index (it is then rebuilt).
    static func decode(_ bytes: [UInt8]) -> SegmentIndex? {
        bytes.withUnsafeBytes { raw -> SegmentIndex? in
            guard raw.count >= 72 + 4 else { return nil }
            let body = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 4)])
            guard CRC32C.checksum(body) == raw.loadLittleEndian(UInt32.self, at: raw.count - 4) else { return nil }
            var cursor = ByteCursor(body)
            guard cursor.read(UInt64.self) == magic,
                let firstPosition = cursor.read(UInt64.self), firstPosition > 0,
                let covered = cursor.read(Int64.self), let last = cursor.read(UInt64.self),
                let firstTime = cursor.read(Int64.self), let lastTime = cursor.read(Int64.self),
                let batches = cursor.read(UInt64.self), let uncompressed = cursor.read(UInt64.self),
                let count = cursor.read(UInt32.self), cursor.remaining == Int(count) * 24
            else { return nil }
            var index = SegmentIndex(firstPosition: firstPosition, dataStart: covered)
            index.lastPosition = last
            index.firstTimestamp = firstTime
            index.lastTimestamp = lastTime
            index.batchCount = batches
            index.uncompressedBytes = uncompressed
            guard index.totalsArePossible, UInt64(count) <= batches else { return nil }
            index.entries.reserveCapacity(Int(count))
            for _ in 0..<count {
                index.entries.append(
                    Entry(
                        basePosition: cursor.read(UInt64.self)!, offset: cursor.read(Int64.self)!,
                        firstTimestamp: cursor.read(Int64.self)!))
            }
            return index.entriesAreOrdered ? index : nil
        }
    }

    /// Whether the totals read from a file can describe real batches, so that no later sum or
    /// `lastPosition + 1` overflows: every batch takes at least a header, an LZ4 block expands at
    /// most 255 times, every event takes at least `RecordCodec.fixedBytes` uncompressed.
    private var totalsArePossible: Bool {
        guard coveredLength >= 0, coveredLength <= 1 << 48, lastPosition < UInt64.max,
            lastPosition >= firstPosition - 1
        else { return false }
        let covered = UInt64(coveredLength)
        return batchCount <= covered / UInt64(BatchHeader.size)
            && uncompressedBytes <= covered * LZ4Compressor.maxExpansion
            && eventCount <= uncompressedBytes / UInt64(RecordCodec.fixedBytes)
            && (batchCount == 0) == (eventCount == 0)
    }

    /// Whether the entries go forward in offset and position, within the positions covered.
    private var entriesAreOrdered: Bool {
        var previous: Entry?
        for entry in entries {
            guard entry.basePosition >= firstPosition, entry.basePosition <= lastPosition else { return false }
            if let previous, entry.offset <= previous.offset || entry.basePosition <= previous.basePosition {
                return false
            }
            previous = entry
        }
        return true
    }
}
