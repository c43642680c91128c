import EventStore
import Foundation
import Testing

@Suite struct SegmentTests {
    private func makeLog() async throws -> (TempDirectory, [RecordedEvent]) {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path, configuration: .testing(segmentSize: 8 * 1024))
        for tag in 0..<150 {
            try await log.append((0..<(1 + tag % 3)).map { sampleEvent(tag * 10 + $0, size: 50 + (tag * 37) % 400) })
            if tag % 25 == 0 { try await Task.sleep(for: .milliseconds(3)) }  // spread the timestamps
        }
        await log.close()
        return (dir, try readAll(dir.path))
    }

    @Test func segmentsRollAndReadsCrossThem() async throws {
        let (dir, all) = try await makeLog()
        #expect(dir.segmentFiles.count > 5)
        #expect(dir.segmentFiles[0] == "00000000000000000001.seg")
        #expect(all.map(\.position) == Array(1...UInt64(all.count)))
        // Each segment is named by its first position.
        for name in dir.segmentFiles {
            let first = UInt64(name.dropLast(4))!
            #expect(try FormatProbe.frames(of: dir.file(name)).first?.basePosition == first)
        }
        // Reading from any position starts exactly there.
        for start in stride(from: 1, through: all.count, by: 17) {
            #expect(try readAll(dir.path, from: UInt64(start)) == Array(all[(start - 1)...]))
        }
        #expect(try readAll(dir.path, from: UInt64(all.count + 5)).isEmpty)
    }

    @Test func readingSinceATimeStartsAtTheFirstEventAtOrAfterIt() async throws {
        let (dir, all) = try await makeLog()
        let reader = try LogReader.open(directory: dir.path)
        for probe in stride(from: 0, to: all.count, by: 23) {
            let time = all[probe].timestamp
            var iterator = reader.events(since: time).makeAsyncIterator()
            let first = try iterator.nextEvent()
            let expected = all.first { $0.timestamp >= time }
            #expect(first == expected)
        }
    }

    @Test func lostOrDamagedIndexesAreRebuiltWithTheSameResults() async throws {
        let (dir, all) = try await makeLog()
        let indexes = dir.indexFiles
        #expect(indexes.count == dir.segmentFiles.count)
        let saved = try indexes.map { try Data(contentsOf: URL(fileURLWithPath: dir.file($0))) }

        // Deleted: readers rebuild them in memory, the writer on disk too.
        for index in indexes { try FileManager.default.removeItem(atPath: dir.file(index)) }
        let reader = try LogReader.open(directory: dir.path)
        #expect(reader.recovery.rebuiltIndexes.count == indexes.count)
        #expect(try readAll(dir.path) == all)
        #expect(try readAll(dir.path, from: 200) == Array(all[199...]))
        let log = try EventLog.open(directory: dir.path)
        #expect(try await readAll(log, from: 77) == Array(all[76...]))
        await log.close()
        #expect(dir.indexFiles == indexes)

        // Garbage, or another segment's index: not trusted, rebuilt.
        try Data("not an index".utf8).write(to: URL(fileURLWithPath: dir.file(indexes[1])))
        try saved[3].write(to: URL(fileURLWithPath: dir.file(indexes[2])))
        #expect(try readAll(dir.path) == all)
        #expect(try LogReader.open(directory: dir.path).recovery.rebuiltIndexes.count == 2)
    }

    @Test func statsAddUp() async throws {
        let (dir, all) = try await makeLog()
        let stats = try LogReader.open(directory: dir.path).stats()
        #expect(stats.events == UInt64(all.count))
        #expect(stats.segments == dir.segmentFiles.count)
        #expect(stats.firstPosition == 1 && stats.lastPosition == UInt64(all.count))
        #expect(stats.firstTimestamp == all.first!.timestamp && stats.lastTimestamp == all.last!.timestamp)
        #expect(stats.bytesOnDisk == dir.segmentFiles.reduce(0) { $0 + dir.size(of: $1) })
        let verify = try LogReader.open(directory: dir.path).verify()
        #expect(verify.isSound && verify.events == UInt64(all.count))
    }

    @Test func aReaderFollowsAWriterInAnotherProcessByRefreshing() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path, configuration: .testing(segmentSize: 4 * 1024))
        try await log.append(sampleEvent(1))
        let reader = try LogReader.open(directory: dir.path)
        #expect(reader.lastPosition == 1)
        for tag in 2...120 { try await log.append(sampleEvent(tag, size: 200)) }
        #expect(reader.lastPosition == 1)
        try reader.refresh()
        #expect(reader.lastPosition == 120)
        var iterator = reader.events(from: 100).makeAsyncIterator()
        #expect(try iterator.nextEvent()?.position == 100)
        await log.close()
    }
}
