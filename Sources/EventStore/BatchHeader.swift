/// The fixed 48-byte header in front of every batch on disk.
///
/// ```
/// offset size field
///      0    4 magic "CUB1"
///      4    4 CRC-32C of bytes 8..<48 and of the stored bytes that follow
///      8    2 format version (1)
///     10    1 codec (0 raw, 1 LZ4, 2 LZ4 with the segment's dictionary, 3 Zstandard frame: compaction only)
///     11    1 flags (0)
///     12    4 record count
///     16    8 base position (position of the first record)
///     24    8 first timestamp (ms)
///     32    8 last timestamp (ms)
///     40    4 uncompressed length
///     44    4 stored length
/// ```
struct BatchHeader: Equatable {
    static let size = 48
    static let magic: UInt32 = 0x3142_5543  // "CUB1" little-endian
    static let formatVersion: UInt16 = 1

    enum Codec: UInt8 {
        case raw = 0
        case lz4 = 1
        case lz4Dictionary = 2
        /// One Zstandard frame (its header declares the uncompressed length); written by compaction.
        case zstd = 3
    }

    var checksum: UInt32
    var codec: Codec
    var recordCount: UInt32
    var basePosition: UInt64
    var firstTimestamp: Int64
    var lastTimestamp: Int64
    var uncompressedLength: UInt32
    var storedLength: UInt32

    var frameLength: Int { Self.size + Int(storedLength) }
    var lastPosition: UInt64 { basePosition + UInt64(recordCount) - 1 }

    /// Writes the header with a zero checksum; `sealChecksum` fills it in.
    func append(to out: inout [UInt8]) {
        out.appendLittleEndian(Self.magic)
        out.appendLittleEndian(UInt32(0))
        out.appendLittleEndian(Self.formatVersion)
        out.append(codec.rawValue)
        out.append(0)
        out.appendLittleEndian(recordCount)
        out.appendLittleEndian(basePosition)
        out.appendLittleEndian(firstTimestamp)
        out.appendLittleEndian(lastTimestamp)
        out.appendLittleEndian(uncompressedLength)
        out.appendLittleEndian(storedLength)
    }

    /// Computes and stores the checksum of the frame starting at `frameStart` in `out`.
    @discardableResult
    static func sealChecksum(in out: inout [UInt8], frameStart: Int) -> UInt32 {
        let crc = out.withUnsafeBytes { raw in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[(frameStart + 8)...]))
        }
        out.storeLittleEndian(crc, at: frameStart + 4)
        return crc
    }

    enum ParseProblem: Equatable {
        case badMagic
        case unsupportedVersion(UInt16)
        case unknownCodec(UInt8)
        case inconsistent(String)
    }

    /// Parses a header from exactly `size` bytes.
    static func parse(_ raw: UnsafeRawBufferPointer) -> Result<BatchHeader, HeaderError> {
        precondition(raw.count >= size)
        guard raw.loadLittleEndian(UInt32.self, at: 0) == magic else { return .failure(HeaderError(.badMagic)) }
        let version = raw.loadLittleEndian(UInt16.self, at: 8)
        guard version == formatVersion else { return .failure(HeaderError(.unsupportedVersion(version))) }
        guard let codec = Codec(rawValue: raw[10]) else { return .failure(HeaderError(.unknownCodec(raw[10]))) }
        let header = BatchHeader(
            checksum: raw.loadLittleEndian(UInt32.self, at: 4), codec: codec,
            recordCount: raw.loadLittleEndian(UInt32.self, at: 12),
            basePosition: raw.loadLittleEndian(UInt64.self, at: 16),
            firstTimestamp: raw.loadLittleEndian(Int64.self, at: 24),
            lastTimestamp: raw.loadLittleEndian(Int64.self, at: 32),
            uncompressedLength: raw.loadLittleEndian(UInt32.self, at: 40),
            storedLength: raw.loadLittleEndian(UInt32.self, at: 44))
        if header.recordCount == 0 { return .failure(HeaderError(.inconsistent("record count is 0"))) }
        if header.basePosition == 0 { return .failure(HeaderError(.inconsistent("base position is 0"))) }
        if let why = header.impossibleLengths { return .failure(HeaderError(.inconsistent(why))) }
        if header.lastTimestamp < header.firstTimestamp {
            return .failure(HeaderError(.inconsistent("last timestamp before first")))
        }
        return .success(header)
    }

    /// Why the counts and lengths cannot describe a real batch, checked before anything is
    /// allocated or added from them; `nil` when they can.
    ///
    /// Every record takes at least `RecordCodec.fixedBytes` uncompressed; an LZ4 block expands at
    /// most 255 times, a Zstandard frame 32768 times; positions must stay below `Int64.max`
    /// (`lastPosition + 1` stays valid, and the projections, SQLite and JSON readers hold positions
    /// as signed 64-bit numbers).
    var impossibleLengths: String? {
        if basePosition >= UInt64(Int64.max) - UInt64(recordCount) {
            return "base position \(basePosition) + \(recordCount) records runs past the largest position"
        }
        if UInt64(recordCount) * UInt64(RecordCodec.fixedBytes) > UInt64(uncompressedLength) {
            return "\(recordCount) records cannot fit in \(uncompressedLength) uncompressed bytes"
        }
        switch codec {
        case .raw where storedLength != uncompressedLength:
            return "raw batch with stored length != uncompressed length"
        case .lz4, .lz4Dictionary:
            if UInt64(uncompressedLength) > UInt64(storedLength) * LZ4Compressor.maxExpansion {
                return "\(storedLength) LZ4 bytes cannot expand to \(uncompressedLength)"
            }
        case .zstd:
            if UInt64(uncompressedLength) > UInt64(storedLength) * ZstdCompressor.maxExpansion {
                return "\(storedLength) Zstandard bytes cannot expand to \(uncompressedLength)"
            }
        default:
            break
        }
        return nil
    }

    struct HeaderError: Error, Equatable {
        var problem: ParseProblem
        init(_ problem: ParseProblem) { self.problem = problem }

        var description: String {
            switch problem {
            case .badMagic: return "no batch magic"
            case .unsupportedVersion(let version): return "unsupported batch format version \(version)"
            case .unknownCodec(let codec): return "unknown codec \(codec)"
            case .inconsistent(let why): return "inconsistent header: \(why)"
            }
        }
    }

    /// Verifies the checksum over header bytes 8..<48 and `stored`.
    func verify(headerBytes: UnsafeRawBufferPointer, stored: UnsafeRawBufferPointer) -> Bool {
        let partial = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: headerBytes[8..<Self.size]))
        return CRC32C.update(partial, stored) == checksum
    }
}
