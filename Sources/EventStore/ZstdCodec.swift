internal import CZstd

/// Zstandard compression of whole batches, for compaction's large batches at rest (batch codec 3):
/// entropy coding on top of matches, so each webhook's unique bytes cost less than as LZ4 literals.
/// The group-commit write path stays LZ4 (faster to write).
///
/// Not thread-safe: each compaction writer owns one. Reading only needs the static `decompress`.
final class ZstdCompressor {
    /// Zstandard level (1 ... 22; higher is smaller and slower to write, about as fast to read).
    let level: Int
    private let context: OpaquePointer

    /// Levels compaction accepts.
    static let levels = 1...22

    init(level: Int) {
        self.level = min(max(level, Self.levels.lowerBound), Self.levels.upperBound)
        context = ZSTD_createCCtx()
        _ = ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(self.level))
        // A content checksum (4 bytes a frame): a crafted frame that still decodes is refused too.
        _ = ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
    }

    deinit { ZSTD_freeCCtx(context) }

    static func bound(_ count: Int) -> Int { ZSTD_compressBound(count) }

    /// Compresses `source` into one Zstandard frame (its content size written in the frame header,
    /// a checksum of the content at its end) in `destination` (capacity at least
    /// `bound(source.count)`); `nil` when zstd could not.
    func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return nil }
        let written = ZSTD_compress2(context, dst, destination.count, src, source.count)
        return ZSTD_isError(written) != 0 ? nil : written
    }

    /// A Zstandard block of at most 128 KiB takes at least 4 bytes (3 of header, 1 run-length
    /// byte), so a frame never decodes to more than this many times its size.
    static let maxExpansion: UInt64 = 32768

    /// Output is produced in pieces of this size, so what is allocated follows what really decodes.
    private static let piece = 1 << 18

    /// Decompresses exactly `originalLength` bytes; `nil` when the input is not one Zstandard
    /// frame of that length (or anything follows it).
    ///
    /// `originalLength` comes from disk: it must equal the size the frame header declares, and the
    /// output grows with the bytes really decoded (never past `originalLength`), so a hostile claim
    /// allocates nothing it does not back with data.
    static func decompress(_ source: UnsafeRawBufferPointer, originalLength: Int) -> [UInt8]? {
        guard originalLength >= 0, originalLength <= Int(Int32.max), let src = source.baseAddress else { return nil }
        guard ZSTD_getFrameContentSize(src, source.count) == UInt64(originalLength) else { return nil }
        guard let stream = ZSTD_createDCtx() else { return nil }
        defer { ZSTD_freeDCtx(stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(originalLength, piece))
        var scratch = [UInt8](repeating: 0, count: min(max(originalLength, 1), piece))
        var input = ZSTD_inBuffer(src: src, size: source.count, pos: 0)
        while true {
            let consumed = input.pos
            let (result, produced) = scratch.withUnsafeMutableBytes { buffer in
                var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
                let result = ZSTD_decompressStream(stream, &out, &input)
                return (result, out.pos)
            }
            if ZSTD_isError(result) != 0 || produced > originalLength - output.count { return nil }
            output.append(contentsOf: scratch[0..<produced])
            if result == 0 { break }  // the frame is complete
            // No progress at all: the input is cut short.
            if produced == 0, input.pos == consumed { return nil }
        }
        guard input.pos == input.size, output.count == originalLength else { return nil }
        return output
    }
}
