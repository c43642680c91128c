import EventStore
import Foundation
import Testing

@Suite struct ConcurrencyTests {
    @Test func thousandsOfConcurrentAppendsGetUniqueGaplessPositions() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path, configuration: .testing(segmentSize: 16 * 1024))
        let appenders = 3000
        let ranges = try await withThrowingTaskGroup(of: (Int, Range<UInt64>).self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    let batch = (0..<(1 + appender % 3)).map { sampleEvent(appender * 10 + $0) }
                    return (appender, try await log.append(batch))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let total = (0..<appenders).reduce(0) { $0 + 1 + $1 % 3 }
        let positions = ranges.values.flatMap { Array($0) }.sorted()
        #expect(positions == Array(1...UInt64(total)))

        // Each append's events sit at the positions it was given, in order, together.
        let events = try await readAll(log)
        #expect(events.count == total)
        for (appender, range) in ranges {
            for (offset, position) in range.enumerated() {
                #expect(tag(of: events[Int(position) - 1]) == appender * 10 + offset)
            }
        }
        // Several readers, in-process and from disk, see the same order.
        async let first = readAll(log)
        async let second = readAll(log, from: 1)
        let fromDisk = try readAll(dir.path)
        #expect(try await first == events)
        #expect(try await second == events)
        #expect(fromDisk == events)
        #expect(dir.segmentFiles.count > 1)
        await log.close()
    }

    @Test func groupCommitSharesSyncsAcrossConcurrentAppenders() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<512 { group.addTask { try await log.append(sampleEvent(appender)) } }
            try await group.waitForAll()
        }
        await log.close()
        let stats = try LogReader.open(directory: dir.path).stats()
        #expect(stats.events == 512)
        // One batch (one write + one sync) per drained group: far fewer than one per append.
        #expect(stats.batches < 256, "\(stats.batches) batches for 512 appends")
    }
}
