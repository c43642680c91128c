internal import CLZ4

/// LZ4 block compression, optionally primed with a dictionary (so that small batches of similar
/// payloads still compress well), at LZ4's fast setting or at an LZ4 HC level. Both produce
/// standard LZ4 blocks, decoded by the same `decompress`.
///
/// Not thread-safe: each writer owns one. Reading only needs the static `decompress`.
final class LZ4Compressor {
    /// 0 for LZ4's fast mode, otherwise an LZ4 HC level (3 ... 12).
    let level: Int
    /// The dictionary bytes; kept alive because the primed stream states point into them.
    private let dictionary: UnsafeMutableRawBufferPointer?
    private let primed: UnsafeMutablePointer<LZ4_stream_t>
    private let working: UnsafeMutablePointer<LZ4_stream_t>
    private let primedHC: UnsafeMutablePointer<LZ4_streamHC_t>?
    private let workingHC: UnsafeMutablePointer<LZ4_streamHC_t>?

    init(dictionary bytes: [UInt8], level: Int = 0) {
        self.level = level <= 0 ? 0 : min(max(level, Int(LZ4HC_CLEVEL_MIN)), Int(LZ4HC_CLEVEL_MAX))
        primed = .allocate(capacity: 1)
        working = .allocate(capacity: 1)
        LZ4_initStream(primed, MemoryLayout<LZ4_stream_t>.size)
        LZ4_initStream(working, MemoryLayout<LZ4_stream_t>.size)
        if self.level > 0 {
            primedHC = .allocate(capacity: 1)
            workingHC = .allocate(capacity: 1)
            LZ4_initStreamHC(primedHC, MemoryLayout<LZ4_streamHC_t>.size)
            LZ4_initStreamHC(workingHC, MemoryLayout<LZ4_streamHC_t>.size)
            LZ4_resetStreamHC_fast(primedHC, Int32(self.level))
        } else {
            primedHC = nil
            workingHC = nil
        }
        if bytes.isEmpty {
            dictionary = nil
        } else {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
            copy.copyBytes(from: bytes)
            dictionary = copy
            let start = copy.baseAddress!.assumingMemoryBound(to: CChar.self)
            _ = LZ4_loadDict(primed, start, Int32(bytes.count))
            if let primedHC { _ = LZ4_loadDictHC(primedHC, start, Int32(bytes.count)) }
        }
    }

    deinit {
        dictionary?.deallocate()
        primed.deallocate()
        working.deallocate()
        primedHC?.deallocate()
        workingHC?.deallocate()
    }

    var hasDictionary: Bool { dictionary != nil }

    static func bound(_ count: Int) -> Int { Int(LZ4_compressBound(Int32(count))) }

    /// Compresses `source` into `destination` (capacity at least `bound(source.count)`);
    /// returns the compressed length, or `nil` when LZ4 could not (it never should with that capacity).
    func compress(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, useDictionary: Bool
    ) -> Int? {
        guard let src = source.baseAddress?.assumingMemoryBound(to: CChar.self),
            let dst = destination.baseAddress?.assumingMemoryBound(to: CChar.self)
        else { return 0 }
        let count = Int32(source.count)
        let capacity = Int32(destination.count)
        let primeFromDictionary = useDictionary && dictionary != nil
        let written: Int32
        // A copy of a primed state is LZ4's documented cheap way to reuse a loaded dictionary.
        switch (primedHC, workingHC) {
        case (let primedHC?, let workingHC?):
            if primeFromDictionary {
                workingHC.update(from: primedHC, count: 1)
            } else {
                LZ4_resetStreamHC_fast(workingHC, Int32(level))
            }
            written = LZ4_compress_HC_continue(workingHC, src, dst, count, capacity)
        default:
            if primeFromDictionary {
                working.update(from: primed, count: 1)
                written = LZ4_compress_fast_continue(working, src, dst, count, capacity, 1)
            } else {
                written = LZ4_compress_default(src, dst, count, capacity)
            }
        }
        return written > 0 ? Int(written) : nil
    }

    /// An LZ4 block never decodes to more than 255 times its size (each byte of a match length
    /// adds at most 255 bytes of output).
    static let maxExpansion: UInt64 = 255

    /// Above this claimed length, `decompress` first checks that the block really decodes to it.
    static let trustedLength = 1 << 20

    /// Decompresses exactly `originalLength` bytes; `nil` when the input is not a valid block
    /// of that length.
    ///
    /// `originalLength` comes from disk: more than `trustedLength` is allocated only once a walk
    /// of the block's sequences (no output written) has found that it decodes to exactly that.
    static func decompress(
        _ source: UnsafeRawBufferPointer, originalLength: Int, dictionary: [UInt8]
    ) -> [UInt8]? {
        guard originalLength >= 0, originalLength <= Int(Int32.max), source.count <= Int(Int32.max) else {
            return nil
        }
        if originalLength == 0 { return source.isEmpty ? [] : nil }
        guard let src = source.baseAddress else { return nil }
        if originalLength > trustedLength {
            guard LZ4BlockLength.decoded(source, limit: originalLength) == originalLength else { return nil }
        }
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
