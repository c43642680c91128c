import EventStore
import Foundation
import Synchronization
import Testing

/// What a log tells an ``EventLogObserver`` (each append's latency, each sync's duration), and its
/// ``LogFootprint`` against the files on disk.
@Suite struct ObserverAndFootprintTests {
    final class Recorder: EventLogObserver {
        let appends = Mutex<[(events: Int, latency: Duration)]>([])
        let syncs = Mutex<[Duration]>([])
        func appendDidComplete(events: Int, latency: Duration) { appends.withLock { $0.append((events, latency)) } }
        func syncDidComplete(duration: Duration) { syncs.withLock { $0.append(duration) } }
    }

    @Test func everyAppendAndEverySyncIsReportedWithItsTiming() async throws {
        let dir = TempDirectory()
        let recorder = Recorder()
        let log = try EventLog.open(directory: dir.path, configuration: .init { $0.observer = recorder })
        try await log.append(sampleEvent(1))
        try await log.append([sampleEvent(2), sampleEvent(3), sampleEvent(4)])
        await log.close()

        let appends = recorder.appends.withLock { $0 }
        #expect(appends.map(\.events) == [1, 3])
        #expect(appends.allSatisfy { $0.latency > .zero })
        let syncs = recorder.syncs.withLock { $0 }
        // One per durable group commit (two), and at least the one of closing.
        #expect(syncs.count >= 2)
        #expect(syncs.allSatisfy { $0 > .zero })
        // The sync is part of a durable append's latency.
        #expect(appends[0].latency >= syncs[0])
    }

    @Test func withoutDurabilityNoGroupSyncIsReported() async throws {
        let dir = TempDirectory()
        let recorder = Recorder()
        let log = try EventLog.open(
            directory: dir.path,
            configuration: .init {
                $0.observer = recorder
                $0.durability = .unsafeNone
            })
        for tag in 0..<5 { try await log.append(sampleEvent(tag)) }
        #expect(recorder.appends.withLock { $0.count } == 5)
        #expect(recorder.syncs.withLock { $0.isEmpty })
        await log.close()
    }

    @Test func theFootprintCountsSegmentsCommittedBytesAndTheHead() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(
            directory: dir.path, configuration: .init { $0.segmentSize = 4096 })
        #expect(log.footprint.segments == 1)
        #expect(log.footprint.lastPosition == 0)
        for tag in 0..<40 { try await log.append(sampleEvent(tag, size: 300)) }
        let open = log.footprint
        #expect(open.lastPosition == 40)
        #expect(open.segments == dir.segmentFiles.count)
        #expect(open.segments > 1)
        await log.close()
        // Closed, the files end with their last batch: their sizes are the committed bytes.
        let onDisk = dir.segmentFiles.reduce(Int64(0)) { $0 + dir.size(of: $1) }
        #expect(open.bytes == onDisk)
        let stats = try LogReader.open(directory: dir.path).stats()
        #expect(stats.bytesOnDisk == onDisk)
    }
}
