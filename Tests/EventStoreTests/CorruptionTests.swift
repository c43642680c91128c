import EventStore
import Foundation
import Testing

@Suite struct CorruptionTests {
    /// 30 batches of 2 events; returns the frames and every event.
    private func makeLog() async throws -> (TempDirectory, [RecordedEvent], [FormatProbe.Frame]) {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        for tag in 0..<30 {
            try await log.append([sampleEvent(tag * 2, size: 300), sampleEvent(tag * 2 + 1, size: 300)])
        }
        await log.close()
        return (dir, try readAll(dir.path), try FormatProbe.frames(of: dir.file(dir.segmentFiles[0])))
    }

    @Test func aFlippedBitIsDetectedAndNamedNeverSkippedSilently() async throws {
        let (dir, _, frames) = try await makeLog()
        let segment = dir.segmentFiles[0]
        let damaged = frames[15]
        try flipBit(in: dir.file(segment), at: damaged.offset + 60)

        do {
            _ = try readAll(dir.path)
            Issue.record("a corrupt batch was read without an error")
        } catch let error as EventLogError {
            #expect(error.code == .corruption)
            #expect(error.segment == segment)
            #expect(error.offset == damaged.offset)
            #expect(error.message.contains(segment) && error.message.contains("offset \(damaged.offset)"))
            #expect(error.message.contains("log verify"))
        }

        let report = try LogReader.open(directory: dir.path).verify()
        #expect(!report.isSound)
        #expect(report.problems.first?.segment == segment)
        #expect(report.problems.first?.offset == damaged.offset)
        #expect(report.batches == 29)
    }

    @Test func skipCorruptReadsPastTheDamageAndReportsIt() async throws {
        let (dir, all, frames) = try await makeLog()
        let damaged = frames[15]
        try flipBit(in: dir.file(dir.segmentFiles[0]), at: damaged.offset + 100)
        let reader = try LogReader.open(directory: dir.path)
        var iterator = reader.events(from: 1, skipCorrupt: true).makeAsyncIterator()
        var read: [RecordedEvent] = []
        while let event = try iterator.nextEvent() { read.append(event) }
        let lost = damaged.basePosition...(damaged.basePosition + UInt64(damaged.count) - 1)
        #expect(read == all.filter { !lost.contains($0.position) })
        #expect(iterator.skipped.contains { $0.offset == damaged.offset && $0.bytes == damaged.length })
        #expect(iterator.skipped.contains { $0.positions == lost })
    }

    @Test func theWriterRefusesToOpenOverCorruptionInTheUnverifiedPart() async throws {
        let (dir, _, frames) = try await makeLog()
        let segment = dir.segmentFiles[0]
        try flipBit(in: dir.file(segment), at: frames[10].offset + 20)
        // Without its index the whole segment is unverified, so opening checks it all.
        for index in dir.indexFiles { try FileManager.default.removeItem(atPath: dir.file(index)) }
        do {
            _ = try EventLog.open(directory: dir.path)
            Issue.record("opened for writing over a corrupt batch")
        } catch {
            #expect(error.code == .corruption)
            #expect(error.segment == segment)
            #expect(error.offset == frames[10].offset)
        }
        // Nothing was cut: the file is as it was.
        #expect(dir.size(of: segment) == frames.last!.offset + frames.last!.length)
    }

    @Test func aDamagedSegmentHeaderIsCorruption() async throws {
        let (dir, _, _) = try await makeLog()
        let segment = dir.segmentFiles[0]
        try flipBit(in: dir.file(segment), at: 17)
        #expect(throws: EventLogError.self) { _ = try EventLog.open(directory: dir.path) }
        #expect(throws: EventLogError.self) { _ = try LogReader.open(directory: dir.path) }
    }
}
