import EventStore
import Foundation
import Testing

/// Compaction of sealed segments: every event byte-identical at its position afterwards, indexes
/// right, readers opened before it see every event once, stale index caches never misread.
@Suite struct CompactionTests {
    /// A log of `count` events appended one at a time (webhooks arriving one by one) in 64 KiB
    /// segments: many sealed segments of small batches.
    private func makeLog(_ directory: TempDirectory, count: Int = 1200) async throws {
        let log = try EventLog.open(directory: directory.path, configuration: .testing(segmentSize: 64 << 10))
        for tag in 0..<count { try await log.append(webhookLike(tag)) }
        await log.close()
    }

    /// JSON with the repetition of real webhooks and a little that differs each time.
    private func webhookLike(_ tag: Int) -> NewEvent {
        let body =
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1065403522\",\"changes\":[{\"value\":"
            + "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550001111\"},"
            + "\"messages\":[{\"from\":\"1555\(100_000 + tag % 97)\",\"id\":\"wamid.HBgL\(tag * 7919)\","
            + "\"timestamp\":\"\(1_700_000_000 + tag)\",\"type\":\"button\","
            + "\"button\":{\"payload\":\"unlock-\(tag % 5)\"}}]}"
            + ",\"field\":\"messages\"}]}]}"
        return NewEvent(
            type: "webhook.received", stream: "1555\(100_000 + tag % 97)", data: Array("{\"n\":\(tag)}".utf8),
            attachment: Array(body.utf8))
    }

    private func bytesOnDisk(_ directory: TempDirectory) -> Int64 {
        directory.segmentFiles.reduce(0) { $0 + directory.size(of: $1) }
    }

    @Test func everyEventStaysByteIdenticalAtItsPositionAndTheLogShrinks() async throws {
        let directory = TempDirectory()
        try await makeLog(directory)
        let before = try readAll(directory.path)
        let sizeBefore = bytesOnDisk(directory)
        let segments = directory.segmentFiles
        #expect(segments.count >= 4)

        let report = try LogCompaction.compact(directory: directory.path)
        #expect(report.compacted.map(\.name) == Array(segments.dropLast()))
        #expect(report.compacted.allSatisfy { $0.bytesAfter < $0.bytesBefore && $0.batchesAfter < $0.batchesBefore })
        #expect(directory.segmentFiles == segments)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!directory.indexFiles.isEmpty && !names.contains { $0.hasSuffix(".compact") })
        let after = try readAll(directory.path)
        #expect(after == before)
        #expect(bytesOnDisk(directory) * 2 < sizeBefore, "\(bytesOnDisk(directory)) vs \(sizeBefore)")

        // The new index caches are taken as they are (nothing rebuilt) and find every position.
        let reader = try LogReader.open(directory: directory.path)
        #expect(reader.recovery.rebuiltIndexes.isEmpty)
        #expect(try reader.verify().isSound)
        for position in stride(from: UInt64(1), through: UInt64(before.count), by: 97) {
            var iterator = reader.events(from: position).makeAsyncIterator()
            #expect(try iterator.nextEvent() == before[Int(position - 1)])
        }
        let middle = before[before.count / 2]
        var since = reader.events(since: middle.timestamp).makeAsyncIterator()
        #expect(try since.nextEvent()?.timestamp == before.first { $0.timestamp >= middle.timestamp }?.timestamp)

        // Compacting again finds nothing to do; the log opens for writing and goes on.
        #expect(try LogCompaction.compact(directory: directory.path).compacted.isEmpty)
        let log = try EventLog.open(directory: directory.path, configuration: .testing(segmentSize: 64 << 10))
        let next = try await log.append(sampleEvent(1))
        #expect(next == UInt64(before.count + 1))
        await log.close()
        #expect(Array(try readAll(directory.path).prefix(before.count)) == before)
    }

    @Test func readersOpenedBeforeSeeEveryEventOnceDuringAndAfter() async throws {
        let directory = TempDirectory()
        try await makeLog(directory)
        let before = try readAll(directory.path)
        let reader = try LogReader.open(directory: directory.path)
        // One reader is in the middle of the first segment (its file open), one has not started,
        // one starts from a time: all learned their offsets before compaction.
        var midway = reader.events(from: 1).makeAsyncIterator()
        var seen: [RecordedEvent] = []
        for _ in 0..<10 { seen.append(try #require(try midway.nextEvent())) }
        var fresh = reader.events(from: 400).makeAsyncIterator()
        var timed = reader.events(since: before[700].timestamp).makeAsyncIterator()

        let report = try LogCompaction.compact(directory: directory.path)
        #expect(report.compacted.count >= 3)

        while let event = try midway.nextEvent() { seen.append(event) }
        #expect(seen == before)
        var fromFresh: [RecordedEvent] = []
        while let event = try fresh.nextEvent() { fromFresh.append(event) }
        #expect(fromFresh == Array(before[399...]))
        let first = try #require(try timed.nextEvent())
        #expect(first == before.first { $0.timestamp >= before[700].timestamp })
        #expect(try reader.verify().isSound)
    }

    @Test func compactsBesideItsWriterWhileAppendsGoOn() async throws {
        let directory = TempDirectory()
        let log = try EventLog.open(directory: directory.path, configuration: .testing(segmentSize: 64 << 10))
        for tag in 0..<900 { try await log.append(webhookLike(tag)) }
        let before = try await readAll(log)
        let subscription = log.events(from: 1)
        var iterator = subscription.makeAsyncIterator()
        #expect(try await iterator.next() == before[0])
        let appending = Task {
            for tag in 900..<1100 { _ = try await log.append(webhookLike(tag)) }
        }
        let report = try log.compactSealedSegments()
        try await appending.value
        #expect(report.compacted.count >= 2)
        var rest: [RecordedEvent] = [before[0]]
        while rest.count < before.count, let event = try await iterator.next() { rest.append(event) }
        #expect(rest == before)
        let all = try await readAll(log)
        #expect(all.count == 1100 && Array(all.prefix(900)) == before)
        await log.close()
        #expect(try readAll(directory.path) == all)
    }

    @Test func aReaderRefreshedAfterItsLastSegmentWasSealedAndCompactedReadsOn() async throws {
        let directory = TempDirectory()
        let log = try EventLog.open(directory: directory.path, configuration: .testing(segmentSize: 64 << 10))
        for tag in 0..<300 { try await log.append(webhookLike(tag)) }
        let reader = try LogReader.open(directory: directory.path)
        let segments = directory.segmentFiles.count
        var tag = 300
        while directory.segmentFiles.count == segments {
            try await log.append(webhookLike(tag))
            tag += 1
        }
        let report = try log.compactSealedSegments()
        #expect(report.compacted.map(\.name).contains(directory.segmentFiles[segments - 1]))
        try reader.refresh()
        var iterator = reader.events(from: 1).makeAsyncIterator()
        var seen: [RecordedEvent] = []
        while let event = try iterator.nextEvent() { seen.append(event) }
        #expect(seen == (try await readAll(log)))
        #expect(seen.count == tag)
        await log.close()
    }

    @Test func anIndexCacheOfTheOtherFileIsNeverTakenForThisOne() async throws {
        let directory = TempDirectory()
        try await makeLog(directory, count: 600)
        let before = try readAll(directory.path)
        let name = try #require(directory.segmentFiles.first)
        let index = name.replacingOccurrences(of: ".seg", with: ".idx")
        let oldSegment = try Data(contentsOf: URL(fileURLWithPath: directory.file(name)))
        let oldIndex = try Data(contentsOf: URL(fileURLWithPath: directory.file(index)))
        _ = try LogCompaction.compact(directory: directory.path)
        let newSegment = try Data(contentsOf: URL(fileURLWithPath: directory.file(name)))
        let newIndex = try Data(contentsOf: URL(fileURLWithPath: directory.file(index)))
        #expect(newSegment.count < oldSegment.count && newIndex != oldIndex)

        // The new segment with the old index, then the old segment with the new index.
        for (segment, cache) in [(newSegment, oldIndex), (oldSegment, newIndex)] {
            try segment.write(to: URL(fileURLWithPath: directory.file(name)))
            try cache.write(to: URL(fileURLWithPath: directory.file(index)))
            let reader = try LogReader.open(directory: directory.path)
            #expect(reader.recovery.rebuiltIndexes == [index])
            #expect(reader.recovery.damaged.isEmpty)
            #expect(try readAll(directory.path) == before)
            var iterator = reader.events(from: 77).makeAsyncIterator()
            #expect(try iterator.nextEvent() == before[76])
        }
    }

    @Test func refusesWhileTheLogIsOpenForWriting() async throws {
        let directory = TempDirectory()
        let log = try EventLog.open(directory: directory.path)
        _ = try await log.append(sampleEvent(1))
        #expect(throws: EventLogError.self) { try LogCompaction.compact(directory: directory.path) }
        await log.close()
    }
}
