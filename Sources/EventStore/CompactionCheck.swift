/// Reads a compacted segment back before it replaces the old one: every batch sound, positions
/// gapless from the segment's first to `lastPosition`, every record's CRC-32C the old one's, and
/// nothing after the last batch. Anything else is a bug, and the old segment stays.
enum CompactionCheck {
    /// The index of the checked file.
    static func readBack(
        _ path: String, header: SegmentHeader, checksums: [UInt32], lastPosition: UInt64
    ) throws(EventLogError) -> SegmentIndex {
        let file = try LogFile(path: path, create: false, readOnly: true)
        let size = try file.size()
        guard case .header(let written) = try SegmentHeader.read(from: file, size: size), written == header else {
            throw failure(path, "its header differs")
        }
        let dataStart = Int64(header.encodedSize)
        var index = SegmentIndex(firstPosition: header.firstPosition, dataStart: dataStart)
        var frames = FrameReader(file: file, offset: dataStart, limit: size)
        var found: [UInt32] = []
        found.reserveCapacity(checksums.count)
        while true {
            switch try frames.next() {
            case .end:
                guard found == checksums, index.lastPosition == lastPosition, index.coveredLength == size else {
                    throw failure(path, "its records differ from the old segment's")
                }
                return index
            case .frame(let batch, let stored, let offset):
                guard batch.basePosition == index.lastPosition + 1,
                    let records = FrameReader.records(of: batch, stored: stored, dictionary: header.dictionary),
                    RecordCodec.decode(records, count: Int(batch.recordCount), basePosition: batch.basePosition) != nil,
                    RecordChecksums.append(records, count: Int(batch.recordCount), to: &found)
                else { throw failure(path, "batch at offset \(offset) is not sound") }
                index.add(batch, at: offset)
            case .truncated(let offset, _), .invalid(let offset, _):
                throw failure(path, "batch at offset \(offset) is not sound")
            }
        }
    }

    private static func failure(_ path: String, _ why: String) -> EventLogError {
        EventLogError(.io, "the compacted segment \(path) did not read back sound (\(why)); the original was kept")
    }
}
