/// Writes a compacted segment: the old header byte for byte, then the old records regrouped into
/// large batches (same positions, same record bytes, timestamps taken from the old batches).
final class CompactedSegmentWriter {
    private let file: LogFile
    private let encoder: BatchEncoder
    private let batchBytes: Int
    private var pending: [UInt8] = []
    private var pendingCount = 0
    private var pendingBase: UInt64 = 0
    private var pendingFirstTimestamp: Int64 = 0
    private var pendingLastTimestamp: Int64 = 0
    private var frame: [UInt8] = []
    private(set) var end: Int64
    private(set) var batches: UInt64 = 0

    init(path: String, headerBytes: [UInt8], header: SegmentHeader, options: CompactionOptions) throws(EventLogError) {
        file = try LogFile(path: path, create: true)
        try file.truncate(to: 0)
        try file.write(headerBytes, at: 0)
        end = Int64(headerBytes.count)
        switch options.codec {
        case .zstd: encoder = BatchEncoder(zstdLevel: options.effectiveLevel)
        case .lz4hc: encoder = BatchEncoder(dictionary: header.dictionary, level: options.effectiveLevel)
        }
        batchBytes = options.batchBytes
    }

    /// Adds the records of one old batch; returns whether a new batch was written.
    func add(records: [UInt8], of header: BatchHeader) throws(EventLogError) -> Bool {
        if pendingCount == 0 {
            pendingBase = header.basePosition
            pendingFirstTimestamp = header.firstTimestamp
        }
        pending.append(contentsOf: records)
        pendingCount += Int(header.recordCount)
        pendingLastTimestamp = header.lastTimestamp
        // Keep a batch under what its 32-bit lengths and a reader's allocation check allow.
        guard pending.count >= batchBytes || pending.count >= Int(Int32.max) / 2 else { return false }
        try flush()
        return true
    }

    /// Writes what is gathered, then syncs the file.
    func finish() throws(EventLogError) -> Int64 {
        try flush()
        try file.sync()
        return end
    }

    func identity() throws(EventLogError) -> FileIdentity { try FileIdentity(of: file) }

    private func flush() throws(EventLogError) {
        guard pendingCount > 0 else { return }
        frame.removeAll(keepingCapacity: true)
        encoder.appendFrame(
            records: pending, count: pendingCount, basePosition: pendingBase, firstTimestamp: pendingFirstTimestamp,
            lastTimestamp: pendingLastTimestamp, to: &frame)
        try file.write(frame, at: end)
        end += Int64(frame.count)
        batches += 1
        pending.removeAll(keepingCapacity: true)
        pendingCount = 0
    }
}
