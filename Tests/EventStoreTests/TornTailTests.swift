import EventStore
import Foundation
import Testing

@Suite struct TornTailTests {
    /// A log whose last batch (3 events) starts at the returned offset.
    private func makeLog() async throws -> (TempDirectory, [RecordedEvent], lastBatch: FormatProbe.Frame) {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        for tag in 0..<19 { try await log.append([sampleEvent(tag * 2), sampleEvent(tag * 2 + 1)]) }
        try await log.append([sampleEvent(100, size: 90), sampleEvent(101, size: 5), sampleEvent(102, size: 200)])
        await log.close()
        let all = try readAll(dir.path)
        let frames = try FormatProbe.frames(of: dir.file(dir.segmentFiles[0]))
        return (dir, all, frames.last!)
    }

    @Test func cuttingTheLastBatchAtEveryByteDropsOnlyThatBatch() async throws {
        let (dir, all, last) = try await makeLog()
        #expect(last.count == 3 && last.basePosition == 39)
        let segment = dir.segmentFiles[0]
        let original = try Data(contentsOf: URL(fileURLWithPath: dir.file(segment)))
        let kept = Array(all.prefix(38))
        for cut in last.offset..<(last.offset + last.length) {
            let copy = TempDirectory()
            try original.prefix(Int(cut)).write(to: URL(fileURLWithPath: copy.file(segment)))
            // A reader (read-only) ignores the incomplete batch and changes nothing.
            let reader = try LogReader.open(directory: copy.path)
            #expect(reader.lastPosition == 38)
            #expect(copy.size(of: segment) == cut)

            let log = try EventLog.open(directory: copy.path)
            #expect(log.lastPosition == 38)
            #expect(log.recovery.truncatedBytes == cut - last.offset)
            #expect(log.recovery.truncatedSegment == (cut > last.offset ? segment : nil))
            #expect(copy.size(of: segment) == last.offset)
            #expect(try await readAll(log) == kept)
            // The log goes on from there.
            #expect(try await log.append(sampleEvent(500)) == 39)
            await log.close()
        }
    }

    @Test func garbageAfterTheLastBatchIsCutAndReported() async throws {
        let (dir, all, last) = try await makeLog()
        let path = dir.file(dir.segmentFiles[0])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }))
        try handle.close()
        let log = try EventLog.open(directory: dir.path)
        #expect(log.recovery.truncatedBytes == 300)
        #expect(log.recovery.description.contains("never acknowledged"))
        #expect(dir.size(of: dir.segmentFiles[0]) == last.offset + last.length)
        #expect(try await readAll(log) == all)
        await log.close()
    }

    @Test func aSegmentWhoseCreationWasCutShortIsRemoved() async throws {
        let (dir, all, _) = try await makeLog()
        let stray = dir.file("00000000000000000042.seg")
        try Data([0x43, 0x55, 0x4C]).write(to: URL(fileURLWithPath: stray))
        let log = try EventLog.open(directory: dir.path)
        #expect(log.recovery.removedSegments == ["00000000000000000042.seg"])
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(try await readAll(log) == all)
        await log.close()
    }
}
