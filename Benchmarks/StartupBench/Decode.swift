import Adapters
import BenchSupport
import Delivery
import EventStore
import Foundation

/// What loading the newest snapshots costs, apart from serve: reading a file and checking its
/// CRC32C, then decoding the saga's and the dedupe index's payloads. Medians.
enum Decode {
    static func run(directory: String, repeats: Int) {
        let store = SnapshotStore(directory: directory + "/snapshots")
        func time(_ body: () -> Void) -> Double {
            median(
                (0..<repeats).map { _ in
                    let began = ContinuousClock.now
                    body()
                    return seconds(ContinuousClock.now - began)
                })
        }
        for kind in [SagaState.snapshotKind, DedupeIndex.snapshotKind] {
            var size = 0
            let read = time {
                size = store.newest(kind: kind, rejected: { print($0) }) { .success($0.payload.count) }?.value ?? 0
            }
            print("\(kind): \(size / 1024) KiB, read + CRC32C \(read, digits: 3) s")
        }
        let saga = time {
            _ = SagaState.newestSnapshot(
                in: store, lastPosition: .max, memoryWindowMilliseconds: Generate.window, rejected: { print($0) })
        }
        let dedupe = time {
            _ = store.newest(kind: DedupeIndex.snapshotKind, rejected: { print($0) }) {
                DedupeIndex.fromSnapshot(
                    $0.payload, windowMilliseconds: Generate.window, now: Int64(Date().timeIntervalSince1970 * 1000))
            }
        }
        print("saga read + CRC + decode \(saga, digits: 3) s; dedupe read + CRC + decode \(dedupe, digits: 3) s")
        // What writing them costs `serve` (encode + write + fsync, in its snapshot task), into a scratch store.
        let scratch = SnapshotStore(directory: directory + "/snapshots.encode-bench", keep: 1)
        defer { try? FileManager.default.removeItem(atPath: scratch.directory) }
        if let state = SagaState.newestSnapshot(
            in: store, lastPosition: .max, memoryWindowMilliseconds: Generate.window, rejected: { print($0) }),
            let (index, _) = store.newest(
                kind: DedupeIndex.snapshotKind, rejected: { print($0) },
                accept: { DedupeIndex.fromSnapshot($0.payload, windowMilliseconds: Generate.window, now: $0.takenAt) })
        {
            let sagaWrite = time {
                _ = try? scratch.write(
                    kind: SagaState.snapshotKind, position: state.position, takenAt: 0,
                    payloadVersion: SagaState.snapshotVersion, payload: state.snapshotPayload())
            }
            let dedupeWrite = time {
                _ = try? scratch.write(
                    kind: DedupeIndex.snapshotKind, position: state.position, takenAt: 0,
                    payloadVersion: DedupeIndex.snapshotVersion, payload: index.snapshotPayload())
            }
            print("saga encode + write \(sagaWrite, digits: 3) s; dedupe encode + write \(dedupeWrite, digits: 3) s")
        }
    }
}
