/// Rewrites one sealed segment into large batches, then puts the new file in place atomically.
///
/// Order, so that a crash at any point leaves a readable log: the new segment is written beside
/// the old one (`<name>.compact`), synced, and read back (every batch sound, the same positions,
/// every record's CRC-32C equal to the old one's); then the old index cache is removed, the new
/// file renamed over the old one and the directory synced, and only then the new index written.
/// Before the rename the old segment is untouched; after it, an index cache that describes the
/// other file is told apart by its covered length (a rewrite is always smaller) and by the
/// file identity readers check, and is rebuilt by scanning.
enum SegmentCompactor {
    static let tempSuffix = ".compact"

    enum Outcome {
        case compacted(SegmentState, CompactionReport.Segment)
        case skipped(String)
        case stopped
    }

    /// Why `segment` need not be rewritten, or `nil` when it should be.
    ///
    /// A segment already in large batches is rewritten once more only to move it from LZ4 (an
    /// earlier compaction, or `lz4hc`) to Zstandard when that is the codec asked for; never back.
    static func skipReason(_ segment: SegmentState, options: CompactionOptions) -> String? {
        let index = segment.index
        guard index.batchCount > 1 else { return "holds at most one batch" }
        guard index.uncompressedBytes / index.batchCount < UInt64(max(1, options.batchBytes / 2)) else {
            guard options.codec == .zstd, let codec = firstCodec(segment), codec != .zstd else {
                return CompactionReport.Skip.alreadyCompacted
            }
            return nil
        }
        return nil
    }

    /// The codec of the segment's first batch; `nil` when it cannot be read (left to the rewrite,
    /// which reads and checks everything, or to `log verify`).
    private static func firstCodec(_ segment: SegmentState) -> BatchHeader.Codec? {
        guard let file = try? LogFile(path: segment.path, create: false, readOnly: true),
            let bytes = try? file.read(count: BatchHeader.size, at: segment.dataStart), bytes.count == BatchHeader.size,
            case .success(let header) = bytes.withUnsafeBytes({ BatchHeader.parse($0) })
        else { return nil }
        return header.codec
    }

    static func compact(
        _ segment: SegmentState, directory: String, options: CompactionOptions, pacer: CompactionPacer
    ) throws(EventLogError) -> Outcome {
        let temp = segment.path + tempSuffix
        LogFS.remove(temp)
        let source = try LogFile(path: segment.path, create: false, readOnly: true)
        let identity = try FileIdentity(of: source)
        if let known = segment.identity, known != identity { return .skipped("rewritten since the log was opened") }
        let size = try source.size()
        guard case .header(let header) = try SegmentHeader.read(from: source, size: size),
            header.firstPosition == segment.firstPosition
        else {
            throw .corruption(segment: segment.name, offset: 0, "segment header unreadable; compaction left it alone")
        }
        let dataStart = Int64(header.encodedSize)
        do throws(EventLogError) {
            let writer = try CompactedSegmentWriter(
                path: temp, headerBytes: try source.read(count: Int(dataStart), at: 0), header: header,
                options: options)
            var checksums: [UInt32] = []
            var frames = FrameReader(file: try LogFile(duplicating: source), offset: dataStart, limit: size)
            var expected = header.firstPosition
            var batchesBefore: UInt64 = 0
            var recordBytes: UInt64 = 0
            var read = 0
            scan: while true {
                switch try frames.next() {
                case .end:
                    break scan
                case .frame(let batch, let stored, let offset):
                    guard batch.basePosition == expected,
                        let records = FrameReader.records(of: batch, stored: stored, dictionary: header.dictionary),
                        RecordChecksums.append(records, count: Int(batch.recordCount), to: &checksums)
                    else {
                        throw .corruption(
                            segment: segment.name, offset: offset,
                            "batch does not decode or does not follow on; run `clickunlock log verify`")
                    }
                    expected = batch.lastPosition + 1
                    batchesBefore += 1
                    recordBytes += UInt64(records.count)
                    read += batch.frameLength
                    if try writer.add(records: records, of: batch) {
                        guard pacer(read) else {
                            LogFS.remove(temp)
                            return .stopped
                        }
                        read = 0
                    }
                case .truncated(let offset, _), .invalid(let offset, _):
                    // Zeros a crash left after a sealed segment's last batch are no data.
                    guard try frames.onlyZeros(from: offset) else {
                        throw .corruption(
                            segment: segment.name, offset: offset, "damaged batch; run `clickunlock log verify`")
                    }
                    break scan
                }
            }
            guard expected - 1 == segment.index.lastPosition else {
                throw .corruption(
                    segment: segment.name, offset: 0,
                    "holds positions up to \(expected - 1), the log expected \(segment.index.lastPosition)")
            }
            let newSize = try writer.finish()
            guard Double(newSize) <= Double(size) * (1 - options.minimumSaving), newSize < size else {
                LogFS.remove(temp)
                return .skipped("a rewrite would save less than \(Int(options.minimumSaving * 100))%")
            }
            let index = try CompactionCheck.readBack(
                temp, header: header, checksums: checksums, lastPosition: expected - 1)
            let newIdentity = try writer.identity()
            let indexPath = directory + "/" + SegmentName.index(segment.firstPosition)
            LogFS.remove(indexPath)
            try LogFS.syncDirectory(directory)
            guard FileIdentity(path: segment.path) == identity else {
                LogFS.remove(temp)
                return .skipped("rewritten by another process meanwhile")
            }
            try LogFS.move(temp, segment.path)
            try LogFS.syncDirectory(directory)
            try? LogFS.writeCacheFile(indexPath, index.encode())
            let state = SegmentState(
                name: segment.name, path: segment.path, header: header, index: index, identity: newIdentity)
            let done = CompactionReport.Segment(
                name: segment.name, bytesBefore: size, bytesAfter: newSize, batchesBefore: batchesBefore,
                batchesAfter: writer.batches, events: UInt64(checksums.count), recordBytes: recordBytes)
            return .compacted(state, done)
        } catch {
            LogFS.remove(temp)
            throw error
        }
    }
}
