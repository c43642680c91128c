import EventStore
import Foundation
import Testing

/// Counts, lengths and positions on disk with valid checksums (a crafted file, or a bug) that
/// cannot describe a real batch or index: reported as corruption or ignored, never a trap and
/// never an allocation sized by the claim.
@Suite struct HostileHeaderTests {
    /// 10 batches of 3 events; the frames of its one segment.
    private func makeLog() async throws -> (TempDirectory, [RecordedEvent], [FormatProbe.Frame]) {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        for batch in 0..<10 { try await log.append((0..<3).map { sampleEvent(batch * 3 + $0, size: 400) }) }
        await log.close()
        return (dir, try readAll(dir.path), try FormatProbe.frames(of: dir.file(dir.segmentFiles[0])))
    }

    /// Rewrites a field of the batch at `frame` and seals it with a valid checksum again.
    private func craft(
        _ dir: TempDirectory, _ frame: FormatProbe.Frame, _ change: (inout [UInt8], Int) -> Void
    ) throws {
        let path = dir.file(dir.segmentFiles[0])
        var bytes = try fileBytes(path)
        let offset = Int(frame.offset)
        change(&bytes, offset)
        bytes.resealBatch(at: offset, storedLength: Int(frame.length) - 48)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Every way of reading the log reports corruption at `frame` whose reason contains `why`.
    private func expectCorruption(_ dir: TempDirectory, at frame: FormatProbe.Frame, _ why: String) throws {
        let report = try LogReader.open(directory: dir.path).verify()
        #expect(report.problems.first?.offset == frame.offset)
        #expect(report.problems.first?.reason.contains(why) == true, "\(report.problems)")
        #expect(throws: EventLogError.self) { try readAll(dir.path) }
        for index in dir.indexFiles { try FileManager.default.removeItem(atPath: dir.file(index)) }
        #expect(throws: EventLogError.self) { try EventLog.open(directory: dir.path) }
    }

    @Test func theTestChecksumMatchesTheFormat() async throws {
        let (dir, _, frames) = try await makeLog()
        let before = try fileBytes(dir.file(dir.segmentFiles[0]))
        try craft(dir, frames[4]) { _, _ in }
        #expect(try fileBytes(dir.file(dir.segmentFiles[0])) == before)
    }

    @Test func aHugeRecordCountIsRejectedBeforeAnythingIsReserved() async throws {
        let (dir, _, frames) = try await makeLog()
        try craft(dir, frames[4]) { bytes, offset in bytes.store(UInt32.max, at: offset + 12) }
        try expectCorruption(dir, at: frames[4], "cannot fit")
    }

    /// Past `Int64.max`, too: the projections, SQLite and JSON hold positions as signed numbers.
    @Test(arguments: [UInt64.max - 1, UInt64(Int64.max) - 1])
    func positionsThatWouldOverflowAreRejected(base: UInt64) async throws {
        let (dir, _, frames) = try await makeLog()
        try craft(dir, frames[5]) { bytes, offset in bytes.store(base, at: offset + 16) }
        try expectCorruption(dir, at: frames[5], "runs past the largest position")
    }

    @Test func anLZ4LengthBeyondWhatTheBlockCanHoldIsRejected() async throws {
        let (dir, _, frames) = try await makeLog()
        let path = dir.file(dir.segmentFiles[0])
        let compressed = try #require(frames.first { try! fileBytes(path)[Int($0.offset) + 10] != 0 })
        try craft(dir, compressed) { bytes, offset in bytes.store(UInt32(Int32.max), at: offset + 40) }
        try expectCorruption(dir, at: compressed, "cannot expand")
    }

    @Test func batchesOfSeveralMegabytesStillDecode() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        // One append of ~3 MiB that LZ4 shrinks a lot: claimed lengths above 1 MiB are walked first.
        let big = (0..<60).map { tag in
            NewEvent(
                type: "test.big", stream: "s", data: Array("{\"tag\":\(tag)}".utf8),
                attachment: (0..<50_000).map { UInt8(truncatingIfNeeded: $0 % 97 + tag) })
        }
        try await log.append(big)
        try await log.append(sampleEvent(1))
        await log.close()
        let frames = try FormatProbe.frames(of: dir.file(dir.segmentFiles[0]))
        let bytes = try fileBytes(dir.file(dir.segmentFiles[0]))
        #expect(bytes[Int(frames[0].offset) + 10] != 0 && bytes.u32(at: Int(frames[0].offset) + 40) > 1 << 21)
        let read = try readAll(dir.path)
        #expect(read.count == 61 && read.prefix(60).map(\.attachment) == big.map(\.attachment))
        #expect(try LogReader.open(directory: dir.path).verify().isSound)
    }

    /// Rewrites the index of the first segment with `change` applied (and a valid checksum).
    private func craftIndex(_ dir: TempDirectory, _ change: (inout [UInt8]) -> Void) throws {
        let path = dir.file(dir.indexFiles[0])
        var bytes = try fileBytes(path)
        change(&bytes)
        bytes.store(TestCRC32C.checksum(bytes[0..<(bytes.count - 4)]), at: bytes.count - 4)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func anIndexClaimingTheLastPositionThereIsIsRebuilt() async throws {
        let (dir, all, _) = try await makeLog()
        // Index layout: magic, first position, covered length, last position (offset 24), ...
        try craftIndex(dir) { $0.store(UInt64.max, at: 24) }
        let reader = try LogReader.open(directory: dir.path)
        #expect(reader.recovery.rebuiltIndexes == [dir.indexFiles[0]])
        #expect(try readAll(dir.path) == all)
    }

    @Test func anIndexWithImpossibleTotalsIsRebuiltAndTheWriterGoesOn() async throws {
        let (dir, all, _) = try await makeLog()
        // ..., first and last time (32, 40), batch count (48), uncompressed bytes (56).
        try craftIndex(dir) { $0.store(UInt64.max - 10, at: 56) }
        let log = try EventLog.open(directory: dir.path)
        #expect(log.recovery.rebuiltIndexes == [dir.indexFiles[0]])
        #expect(try await log.append(sampleEvent(99)) == UInt64(all.count + 1))
        await log.close()
        let stats = try LogReader.open(directory: dir.path).stats()
        #expect(stats.events == UInt64(all.count + 1) && stats.uncompressedBytes < 1 << 20)
    }
}
