import EventStore
import Foundation
import Testing

/// The writer extends the active segment with zeros ahead of its batches (so that most syncs need
/// not write a new file size); closing and sealing cut them, and a tail of zeros left by a crash
/// is never taken for a torn batch.
@Suite struct PreallocationTests {
    private func appendZeros(_ count: Int, to path: String, after garbage: [UInt8] = []) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(garbage + [UInt8](repeating: 0, count: count)))
        try handle.close()
    }

    /// A closed log of five events in one segment, and where that segment ends.
    private func closedLog() async throws -> (dir: TempDirectory, segment: String, end: Int64) {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        for tag in 0..<5 { try await log.append(sampleEvent(tag)) }
        await log.close()
        let segment = dir.segmentFiles[0]
        return (dir, segment, dir.size(of: segment))
    }

    @Test func theActiveSegmentHasZerosAheadWhileOpenAndEndsWithItsLastBatchOnceClosed() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        for tag in 0..<20 { try await log.append(sampleEvent(tag)) }
        let segment = dir.segmentFiles[0]
        let whileOpen = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.file(segment))))
        await log.close()
        let end = try FormatProbe.frames(of: dir.file(segment)).last.map { $0.offset + $0.length } ?? 0
        #expect(dir.size(of: segment) == end)
        #expect(Int64(whileOpen.count) >= end + (1 << 19))
        #expect(whileOpen[Int(end)...].allSatisfy { $0 == 0 })
        #expect(try readAll(dir.path).count == 20)
    }

    @Test func aTailOfZerosIsCutWithoutBeingCalledATornBatch() async throws {
        let (dir, segment, end) = try await closedLog()
        try appendZeros(700_000, to: dir.file(segment))  // what a crash leaves

        let reader = try LogReader.open(directory: dir.path)
        #expect(reader.lastPosition == 5)
        #expect(reader.recovery.truncatedBytes == 0)
        #expect(reader.recovery.preallocatedBytes == 700_000)
        #expect(dir.size(of: segment) == end + 700_000)  // read-only: nothing changed

        let reopened = try EventLog.open(directory: dir.path)
        #expect(!reopened.recovery.cutSomething)
        #expect(reopened.recovery.preallocatedBytes == 700_000)
        #expect(dir.size(of: segment) == end)
        #expect(try await reopened.append(sampleEvent(9)) == 6)
        await reopened.close()
        #expect(try readAll(dir.path).count == 6)
    }

    @Test func aTornBatchFollowedByZerosIsStillATornBatch() async throws {
        let (dir, segment, end) = try await closedLog()
        // A batch written into the zeros ahead, cut short by a crash.
        try appendZeros(4096, to: dir.file(segment), after: (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) })
        let reopened = try EventLog.open(directory: dir.path)
        #expect(reopened.recovery.truncatedBytes == 4396)
        #expect(reopened.recovery.preallocatedBytes == 0)
        #expect(dir.size(of: segment) == end)
        #expect(reopened.lastPosition == 5)
        await reopened.close()
    }

    /// Beside a writer, a reader can catch a batch half copied into the zeros while the next is
    /// already readable: it must read again, never report corruption.
    @Test func readersBesideTheWriterNeverSeeCorruption() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(
            directory: dir.path, configuration: .testing(segmentSize: 256 * 1024, durability: .unsafeNone))
        try await log.append(sampleEvent(0))
        let writer = Task {
            var tag = 1
            while !Task.isCancelled && tag < 6000 {
                let base = tag
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in base..<(base + 8) {
                        group.addTask { _ = try await log.append(sampleEvent(index, size: 40 + index % 3000)) }
                    }
                    try await group.waitForAll()
                }
                tag += 8
            }
        }
        var last: UInt64 = 0
        for _ in 0..<40 {
            let reader = try LogReader.open(directory: dir.path)
            let count = try readAll(dir.path).count
            #expect(UInt64(count) >= last)
            #expect(reader.lastPosition >= last)
            last = UInt64(count)
        }
        writer.cancel()
        _ = try? await writer.value
        await log.close()
        #expect(last > 0)
    }

    /// A crash between cutting a sealed segment's zeros and syncing that cut.
    @Test func zerosAfterASealedSegmentAreCutToo() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path, configuration: .testing(segmentSize: 4 * 1024))
        for tag in 0..<100 { try await log.append(sampleEvent(tag)) }
        await log.close()
        #expect(dir.segmentFiles.count > 2)
        let sealed = dir.segmentFiles[0]
        let end = dir.size(of: sealed)
        try appendZeros(100_000, to: dir.file(sealed))
        let reopened = try EventLog.open(directory: dir.path)
        #expect(!reopened.recovery.cutSomething)
        #expect(dir.size(of: sealed) == end)
        #expect(try await readAll(reopened).map(tag) == Array(0..<100))
        await reopened.close()
    }
}
