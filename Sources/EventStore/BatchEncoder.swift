/// Turns groups of events into on-disk batch frames (header + compressed records).
///
/// Owned by the writer thread; reuses its scratch buffers between batches.
final class BatchEncoder {
    /// LZ4 (the writer's batches, and LZ4 HC compaction) or Zstandard (compaction's codec 3).
    private enum Compressor {
        case lz4(LZ4Compressor)
        case zstd(ZstdCompressor)
    }

    private let compressor: Compressor
    private var records: [UInt8] = []
    private var compressed: [UInt8] = []

    /// LZ4 batches (fast mode at `level` 0, LZ4 HC otherwise), with `dictionary` when not empty.
    init(dictionary: [UInt8], level: Int) {
        compressor = .lz4(LZ4Compressor(dictionary: dictionary, level: level))
    }

    /// Zstandard batches at `zstdLevel` (the segment's dictionary is not used: they are large).
    init(zstdLevel: Int) {
        compressor = .zstd(ZstdCompressor(level: zstdLevel))
    }

    /// Appends one frame holding `events` (positions `basePosition...`, all recorded at
    /// `timestamp`) to `out`, and returns its header.
    @discardableResult
    func appendFrame(
        _ events: [NewEvent], timestamp: Int64, basePosition: UInt64, to out: inout [UInt8]
    ) -> BatchHeader {
        records.removeAll(keepingCapacity: true)
        for event in events { RecordCodec.append(event, timestamp: timestamp, to: &records) }
        return appendFrame(
            records: records, count: events.count, basePosition: basePosition, firstTimestamp: timestamp,
            lastTimestamp: timestamp, to: &out)
    }

    /// Appends one frame holding `count` records already encoded (`RecordCodec`) to `out`, and
    /// returns its header: compressed when that saves at least 1/16, raw otherwise.
    @discardableResult
    func appendFrame(
        records: [UInt8], count: Int, basePosition: UInt64, firstTimestamp: Int64, lastTimestamp: Int64,
        to out: inout [UInt8]
    ) -> BatchHeader {
        let bound: Int
        let compressedCodec: BatchHeader.Codec
        switch compressor {
        case .lz4(let lz4):
            bound = LZ4Compressor.bound(records.count)
            compressedCodec = lz4.hasDictionary ? .lz4Dictionary : .lz4
        case .zstd:
            bound = ZstdCompressor.bound(records.count)
            compressedCodec = .zstd
        }
        if compressed.count < bound { compressed = [UInt8](repeating: 0, count: bound) }
        let compressedLength = records.withUnsafeBytes { source in
            compressed.withUnsafeMutableBytes { destination in
                switch compressor {
                case .lz4(let lz4): lz4.compress(source, into: destination, useDictionary: lz4.hasDictionary)
                case .zstd(let zstd): zstd.compress(source, into: destination)
                }
            }
        }
        // Store raw when compression does not pay (saves the reader a decompression, too).
        let pays = compressedLength.map { $0 < records.count - records.count / 16 } ?? false
        let codec: BatchHeader.Codec = pays ? compressedCodec : .raw
        let storedLength = pays ? compressedLength! : records.count
        let frameStart = out.count
        var header = BatchHeader(
            checksum: 0, codec: codec, recordCount: UInt32(count), basePosition: basePosition,
            firstTimestamp: firstTimestamp, lastTimestamp: lastTimestamp, uncompressedLength: UInt32(records.count),
            storedLength: UInt32(storedLength))
        header.append(to: &out)
        if pays {
            compressed.withUnsafeBufferPointer { out.append(contentsOf: $0[0..<storedLength]) }
        } else {
            out.append(contentsOf: records)
        }
        header.checksum = BatchHeader.sealChecksum(in: &out, frameStart: frameStart)
        return header
    }
}
