import Adapters
import BenchSupport
import ClickUnlockTesting
import Delivery
import Domain
import EventStore
import Foundation
import Synchronization

/// Builds a data directory holding `events` events of a service's history spread over time (one
/// event every `spacing` ms, the last one now), and the snapshots `serve` would have written about
/// `behind` events before the end (half the default interval). The history is `RandomHistory` with
/// at most `maxInFlight` deliveries in flight (they complete or fail) and redelivered taps repeating
/// recent ones: about 25 events per tap, so 70 ms per event is ~50,000 taps a day and 10M events
/// ≈ 8 days, the saga's memory window and the dedupe window.
enum Generate {
    static let spacingMilliseconds: Int64 = 70
    static let maxInFlight = 8
    static let window: Int64 = 8 * 24 * 3_600_000

    static func run(directory: String, events: Int, behind: UInt64) throws {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try DefaultManifest.yaml.write(toFile: directory + "/content.yaml", atomically: true, encoding: .utf8)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let written = Atomic<Int64>(0)
        let start = now - Int64(events) * spacingMilliseconds
        let wall = WallClock { start + written.load(ordering: .relaxed) * spacingMilliseconds }
        let began = ContinuousClock.now
        let result = try blocking {
            let log = try EventLog.open(
                directory: directory + "/log",
                configuration: EventLogConfiguration {
                    $0.durability = .unsafeNone
                    $0.wall = wall
                })
            var history = RandomHistory(seed: 18, maxInFlight: maxInFlight)
            var total = 0
            while total < events {
                // One append per simulated webhook arrival: its events share a timestamp.
                var chunk: [NewEvent] = []
                while chunk.count < 64, total + chunk.count < events { chunk += history.next() }
                _ = try await log.append(chunk)
                total += chunk.count
                written.store(Int64(total), ordering: .relaxed)
            }
            let last = log.lastPosition
            await log.close()
            return (last, history.started)
        }
        let built = seconds(ContinuousClock.now - began)
        let days = Double(result.0) * Double(spacingMilliseconds) / 86_400_000
        print(
            "built \(result.0) events in \(built, digits: 1) s "
                + "(\(Double(result.0) / built / 1000, digits: 0)k events/s); "
                + "\(result.1) taps over \(days, digits: 2) days (\(Double(result.1) / days, digits: 0) a day)")
        let last = result.0
        try writeSnapshots(directory: directory, at: last > behind ? last - behind : last, now: now)
    }

    /// The saga's state and the dedupe index as of `position`, written as `serve` writes them.
    static func writeSnapshots(directory: String, at position: UInt64, now: Int64) throws {
        let began = ContinuousClock.now
        let reader = try LogReader.open(directory: directory + "/log")
        var state = SagaState(memoryWindowMilliseconds: window)
        var takenAt: Int64 = 0
        var iterator = reader.events(from: 1).makeAsyncIterator()
        reading: while let batch = try iterator.nextBatch() {
            for event in batch {
                if event.position > position { break reading }
                state.apply(event)
                takenAt = event.timestamp
            }
        }
        let index = DedupeIndex(windowMilliseconds: window)
        let since = reader.events(since: now - window)
        var keys = since.makeAsyncIterator()
        while let batch = try keys.nextBatch() {
            for event in batch where event.position <= position {
                if let name = DedupeIndex.key(of: event) { index.commit([index.key(name)], at: event.timestamp) }
            }
        }
        let store = SnapshotStore(directory: directory + "/snapshots")
        let saga = try state.snapshotPayload()
        try store.write(
            kind: SagaState.snapshotKind, position: position, takenAt: takenAt,
            payloadVersion: SagaState.snapshotVersion,
            payload: saga)
        let dedupe = index.snapshotPayload()
        try store.write(
            kind: DedupeIndex.snapshotKind, position: position, takenAt: takenAt,
            payloadVersion: DedupeIndex.snapshotVersion, payload: dedupe)
        print(
            "snapshots at position \(position): saga \(saga.count / 1024) KiB (\(state.active.count) in flight, "
                + "\(state.undecidedCount) undecided), dedupe \(index.count) keys, \(dedupe.count / 1024) KiB, "
                + "in \(seconds(ContinuousClock.now - began), digits: 1) s")
    }
}
