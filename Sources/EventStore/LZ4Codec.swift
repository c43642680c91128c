internal import CLZ4

/// LZ4 block compression, optionally primed with a dictionary (so that small batches of
/// similar payloads still compress well).
///
/// Not thread-safe: each writer owns one. Reading only needs the static `decompress`.
final class LZ4Compressor {
    /// The dictionary bytes (at most 64 KiB are used by LZ4); kept alive because the primed
    /// stream state points into them.
    private let dictionary: UnsafeMutableRawBufferPointer?
    private let primed: UnsafeMutablePointer<LZ4_stream_t>
    private let working: UnsafeMutablePointer<LZ4_stream_t>

    init(dictionary bytes: [UInt8]) {
        primed = .allocate(capacity: 1)
        working = .allocate(capacity: 1)
        LZ4_initStream(primed, MemoryLayout<LZ4_stream_t>.size)
        LZ4_initStream(working, MemoryLayout<LZ4_stream_t>.size)
        if bytes.isEmpty {
            dictionary = nil
        } else {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
            copy.copyBytes(from: bytes)
            dictionary = copy
            _ = LZ4_loadDict(primed, copy.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        }
    }

    deinit {
        dictionary?.deallocate()
        primed.deallocate()
        working.deallocate()
    }

    var hasDictionary: Bool { dictionary != nil }

    static func bound(_ count: Int) -> Int { Int(LZ4_compressBound(Int32(count))) }

    /// Compresses `source` into `destination` (capacity at least `bound(source.count)`);
    /// returns the compressed length, or `nil` when LZ4 could not (it never should with that capacity).
    func compress(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, useDictionary: Bool
    ) -> Int? {
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return 0 }
        let written: Int32
        if useDictionary, dictionary != nil {
            // A copy of the primed state is LZ4's documented cheap way to reuse a loaded dictionary.
            working.update(from: primed, count: 1)
            written = LZ4_compress_fast_continue(
                working, src.assumingMemoryBound(to: CChar.self), dst.assumingMemoryBound(to: CChar.self),
                Int32(source.count), Int32(destination.count), 1)
        } else {
            written = LZ4_compress_default(
                src.assumingMemoryBound(to: CChar.self), dst.assumingMemoryBound(to: CChar.self),
                Int32(source.count), Int32(destination.count))
        }
        return written > 0 ? Int(written) : nil
    }

    /// Decompresses exactly `originalLength` bytes; `nil` when the input is not a valid block
    /// of that length.
    static func decompress(
        _ source: UnsafeRawBufferPointer, originalLength: Int, dictionary: [UInt8]
    ) -> [UInt8]? {
        guard originalLength >= 0, originalLength <= Int(Int32.max) else { return nil }
        if originalLength == 0 { return source.isEmpty ? [] : nil }
        guard let src = source.baseAddress else { return nil }
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: originalLength) { buffer, count in
            let dst = UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let produced: Int32 = dictionary.withUnsafeBytes { dict in
                if dict.isEmpty {
                    return LZ4_decompress_safe(
                        src.assumingMemoryBound(to: CChar.self), dst, Int32(source.count), Int32(originalLength))
                }
                return LZ4_decompress_safe_usingDict(
                    src.assumingMemoryBound(to: CChar.self), dst, Int32(source.count), Int32(originalLength),
                    dict.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(dict.count))
            }
            failed = Int(produced) != originalLength
            count = failed ? 0 : originalLength
        }
        return failed ? nil : output
    }
}
