import EventStore
import Foundation
import Testing

/// Ways of damaging one batch in place (one flipped bit each), as a disk or a stray write would.
enum BatchDamage: String, CaseIterable, CustomStringConvertible, Sendable {
    /// A high bit of the stored length (byte 47): the batch now claims 256 MiB more than the file holds.
    case storedLengthHighBit
    /// The first byte of the magic.
    case badMagic
    /// A byte of the stored records: the checksum no longer matches.
    case checksumMismatch
    /// A high bit of the uncompressed length (byte 43): lengths that cannot describe a batch.
    case impossibleLength

    var description: String { rawValue }

    var byte: Int64 {
        switch self {
        case .storedLengthHighBit: return 47
        case .badMagic: return 0
        case .checksumMismatch: return 60
        case .impossibleLength: return 43
        }
    }

    func apply(to path: String, at frame: FormatProbe.Frame) throws {
        try flipBit(in: path, at: frame.offset + byte)
    }
}

/// A log of 6,000 events in 300 batches of 20 in one segment, whose index covers only the first
/// 100 batches: as after a crash before the index was saved again, opening verifies the rest.
func makeLogWithUnverifiedTail() async throws -> (TempDirectory, [RecordedEvent], [FormatProbe.Frame]) {
    let dir = TempDirectory()
    var log = try EventLog.open(directory: dir.path)
    for batch in 0..<100 { try await log.append((0..<20).map { sampleEvent(batch * 20 + $0) }) }
    await log.close()
    let index = dir.file(dir.indexFiles[0])
    let stale = try Data(contentsOf: URL(fileURLWithPath: index))
    log = try EventLog.open(directory: dir.path)
    for batch in 100..<300 { try await log.append((0..<20).map { sampleEvent(batch * 20 + $0) }) }
    await log.close()
    try stale.write(to: URL(fileURLWithPath: index))
    let all = try readAll(dir.path)
    #expect(all.count == 6000)
    return (dir, all, try FormatProbe.frames(of: dir.file(dir.segmentFiles[0])))
}

func fileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Positions `first ... first + count - 1` of a frame.
func positions(of frame: FormatProbe.Frame) -> ClosedRange<UInt64> {
    frame.basePosition...(frame.basePosition + UInt64(frame.count) - 1)
}

/// Every event, read with `skipCorrupt`, and what was skipped.
func readAllSkippingCorrupt(_ directory: String) throws -> ([RecordedEvent], [SkippedRange]) {
    let reader = try LogReader.open(directory: directory)
    var iterator = reader.events(from: 1, skipCorrupt: true).makeAsyncIterator()
    var events: [RecordedEvent] = []
    while let event = try iterator.nextEvent() { events.append(event) }
    return (events, iterator.skipped)
}

/// CRC-32C (Castagnoli), as the format uses, written apart from the library's.
enum TestCRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension Array where Element == UInt8 {
    func u32(at offset: Int) -> UInt32 { self[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }

    mutating func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { raw in
            for (index, byte) in raw.enumerated() { self[offset + index] = byte }
        }
    }

    /// Recomputes the checksum of the batch at `offset` whose stored bytes are `storedLength` long
    /// (as a crafted file would carry it), when they are all there.
    mutating func resealBatch(at offset: Int, storedLength: Int) {
        let end = offset + 48 + storedLength
        guard offset + 48 <= count, end <= count, end >= offset + 48 else { return }
        store(TestCRC32C.checksum(self[(offset + 8)..<end]), at: offset + 4)
    }
}
