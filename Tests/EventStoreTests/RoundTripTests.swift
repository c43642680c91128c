import EventStore
import Foundation
import Testing

@Suite struct RoundTripTests {
    @Test func appendedEventsReadBackExactly() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        var written: [NewEvent] = []
        for tag in 0..<50 {
            let batch = (0..<(1 + tag % 4)).map { sampleEvent(tag * 10 + $0, size: ($0 * 977) % 5000) }
            let range = try await log.append(batch)
            #expect(range.count == batch.count)
            #expect(range.lowerBound == UInt64(written.count + 1))
            written += batch
        }
        let read = try await readAll(log)
        #expect(read.count == written.count)
        for (index, event) in read.enumerated() {
            #expect(event.position == UInt64(index + 1))
            #expect(event.type == written[index].type)
            #expect(event.version == written[index].version)
            #expect(event.stream == written[index].stream)
            #expect(event.data == written[index].data)
            #expect(event.attachment == written[index].attachment)
        }
        #expect(zip(read, read.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
        await log.close()

        // Reopened, by a writer and by a reader: the same events.
        let reopened = try EventLog.open(directory: dir.path)
        #expect(reopened.lastPosition == UInt64(written.count))
        #expect(!reopened.recovery.cutSomething)
        #expect(try await readAll(reopened) == read)
        await reopened.close()
        #expect(try readAll(dir.path) == read)
    }

    @Test func unknownTypesAndOpaqueBytesSurvive() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        let odd = [
            NewEvent(type: "future.kind.v9", version: 65535, stream: "", data: [], attachment: []),
            NewEvent(
                type: "x", version: 0, stream: "ü🙂", data: [0, 255, 1, 254],
                attachment: Array(repeating: 0, count: 70_000)),
            NewEvent(
                type: String(repeating: "t", count: 255), stream: String(repeating: "s", count: 1024),
                data: Array("not json".utf8)),
        ]
        try await log.append(odd)
        await log.close()
        let read = try readAll(dir.path)
        #expect(read.map(\.type) == odd.map(\.type))
        #expect(read.map(\.version) == odd.map(\.version))
        #expect(read.map(\.stream) == odd.map(\.stream))
        #expect(read.map(\.data) == odd.map(\.data))
        #expect(read.map(\.attachment) == odd.map(\.attachment))
    }

    @Test func invalidEventsAreRejectedWithAReason() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path, configuration: .init { $0.maxEventBytes = 10_000 })
        await #expect(throws: EventLogError.self) { try await log.append([]) }
        let tooBig = NewEvent(type: "big", stream: "s", data: Array(repeating: 1, count: 20_000))
        do {
            try await log.append(tooBig)
            Issue.record("an oversized event was accepted")
        } catch {
            #expect(error.code == .invalidEvent)
            #expect(error.message.contains("limit is 10000"))
        }
        let longType = NewEvent(type: String(repeating: "t", count: 256), stream: "s", data: [])
        await #expect(throws: EventLogError.self) { try await log.append(longType) }
        // Nothing of the rejected appends is in the log; the next append gets position 1.
        #expect(try await log.append(sampleEvent(1)) == 1)
        await log.close()
    }

    @Test func closedLogRefusesAppendsAndSecondWriterIsLockedOut() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        #expect(throws: EventLogError.self) { _ = try EventLog.open(directory: dir.path) }
        try await log.append(sampleEvent(1))
        await log.close()
        do {
            try await log.append(sampleEvent(2))
            Issue.record("append after close succeeded")
        } catch {
            #expect(error.code == .closed)
        }
    }

    @Test func smallBatchesOfSimilarPayloadsCompressWithADictionary() async throws {
        let payload = { (tag: Int) in
            Array(
                ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1022901\(tag % 10)\",\"changes\":"
                    + "[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"statuses\":"
                    + "[{\"id\":\"wamid.\(tag)\",\"status\":\"delivered\"}]}}]}]}").utf8)
        }
        let dictionary = (0..<40).flatMap { payload($0 * 7919) }
        var sizes: [Int64] = []
        for useDictionary in [false, true] {
            let dir = TempDirectory()
            let log = try EventLog.open(
                directory: dir.path, configuration: .init { $0.compressionDictionary = useDictionary ? dictionary : [] }
            )
            // One event per batch: small batches are where plain LZ4 finds little to reuse.
            for tag in 0..<500 {
                try await log.append(
                    NewEvent(type: "webhook.received", stream: "w", data: [], attachment: payload(tag)))
            }
            await log.close()
            sizes.append(try LogReader.open(directory: dir.path).stats().bytesOnDisk)
            #expect(try readAll(dir.path).map(\.attachment) == (0..<500).map(payload))
        }
        #expect(Double(sizes[1]) < Double(sizes[0]) * 0.6, "with dictionary \(sizes[1]) bytes, without \(sizes[0])")
    }
}

@Suite struct CompressionSettingsTests {
    private static let dictionaryA = Array(
        String(repeating: "{\"status\":\"delivered\",\"recipient_id\":\"5511", count: 200).utf8)
    private static let dictionaryB = Array(
        String(repeating: "{\"type\":\"button\",\"payload\":\"unlock:2026-", count: 200).utf8)

    /// Each segment keeps the dictionary it was created with, whatever later opens configure.
    @Test func reopeningWithAnotherDictionaryOrLevelKeepsEverySegmentReadable() async throws {
        let dir = TempDirectory()
        var expected: [Int] = []
        let settings: [([UInt8], Int)] = [
            (Self.dictionaryA, 0), (Self.dictionaryB, 4), ([], 9), (Self.dictionaryA, 3), (Self.dictionaryB, 0),
        ]
        for (round, (dictionary, level)) in settings.enumerated() {
            let log = try EventLog.open(
                directory: dir.path,
                configuration: .init {
                    $0.segmentSize = 6 * 1024
                    $0.compressionDictionary = dictionary
                    $0.compressionLevel = level
                })
            for index in 0..<60 {
                let tag = round * 1000 + index
                // Payloads that look like both dictionaries, so that LZ4 does refer to them.
                var event = sampleEvent(tag, size: 0)
                event.attachment =
                    Array(Self.dictionaryA.prefix(40 + index)) + Array(Self.dictionaryB.prefix(90 - index))
                try await log.append(event)
                expected.append(tag)
            }
            #expect(try await readAll(log).compactMap(tag) == expected)
            await log.close()
        }
        #expect(dir.segmentFiles.count > settings.count)
        #expect(try readAll(dir.path).compactMap(tag) == expected)
        #expect(try LogReader.open(directory: dir.path).verify().isSound)
    }
}
