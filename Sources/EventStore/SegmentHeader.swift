/// The header at the start of every segment file.
///
/// ```
/// offset size field
///      0    8 magic "CULOGSG1"
///      8    2 format version (1)
///     10    2 flags (0)
///     12    4 dictionary length N (0 when none)
///     16    8 first position of the segment
///     24    8 creation time (ms)
///     32    N LZ4 dictionary used by batches with codec 2
///   32+N    4 CRC-32C of bytes 0..<32+N
/// ```
struct SegmentHeader: Equatable {
    static let magic: UInt64 = 0x3147_5347_4F4C_5543  // "CULOGSG1" little-endian
    static let formatVersion: UInt16 = 1
    static let fixedSize = 32
    static let maxDictionary = 64 * 1024

    var firstPosition: UInt64
    var createdAt: Int64
    var dictionary: [UInt8]

    var encodedSize: Int { Self.fixedSize + dictionary.count + 4 }

    func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encodedSize)
        out.appendLittleEndian(Self.magic)
        out.appendLittleEndian(Self.formatVersion)
        out.appendLittleEndian(UInt16(0))
        out.appendLittleEndian(UInt32(dictionary.count))
        out.appendLittleEndian(firstPosition)
        out.appendLittleEndian(createdAt)
        out.append(contentsOf: dictionary)
        out.appendLittleEndian(CRC32C.checksum(out))
        return out
    }

    enum DecodeResult: Equatable {
        case header(SegmentHeader)
        /// Fewer bytes than the header claims: a segment whose creation was cut short.
        case incomplete
        case invalid(String)
    }

    /// Reads and decodes the header of a segment file of `size` bytes.
    static func read(from file: borrowing LogFile, size: Int64) throws(EventLogError) -> DecodeResult {
        let head = try file.read(count: Int(min(size, Int64(fixedSize + maxDictionary + 4))), at: 0)
        return head.withUnsafeBytes { decode($0) }
    }

    /// Decodes a header from the start of a segment file's bytes (at least the first
    /// `fixedSize + maxDictionary + 4` bytes, or the whole file when shorter).
    static func decode(_ raw: UnsafeRawBufferPointer) -> DecodeResult {
        guard raw.count >= fixedSize else { return .incomplete }
        guard raw.loadLittleEndian(UInt64.self, at: 0) == magic else { return .invalid("no segment magic") }
        let version = raw.loadLittleEndian(UInt16.self, at: 8)
        guard version == formatVersion else { return .invalid("unsupported segment format version \(version)") }
        let dictionaryLength = Int(raw.loadLittleEndian(UInt32.self, at: 12))
        guard dictionaryLength <= maxDictionary else { return .invalid("dictionary length \(dictionaryLength)") }
        let end = fixedSize + dictionaryLength
        guard raw.count >= end + 4 else { return .incomplete }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<end]))
        guard crc == raw.loadLittleEndian(UInt32.self, at: end) else {
            return .invalid("segment header checksum mismatch")
        }
        guard raw.loadLittleEndian(UInt64.self, at: 16) > 0 else { return .invalid("segment header names position 0") }
        return .header(
            SegmentHeader(
                firstPosition: raw.loadLittleEndian(UInt64.self, at: 16),
                createdAt: raw.loadLittleEndian(Int64.self, at: 24),
                dictionary: [UInt8](UnsafeRawBufferPointer(rebasing: raw[fixedSize..<end]))))
    }
}
