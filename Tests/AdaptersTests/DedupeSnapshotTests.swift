import Adapters
import Domain
import EventStore
import Foundation
import Testing

/// The dedupe index restored from a snapshot and the log after it knows the same keys as one read
/// from the whole log; a corrupt snapshot is ignored (logged) and the log read instead.
@Suite struct DedupeSnapshotTests {
    static let window: Int64 = 8 * 24 * 3_600_000

    /// A log of `count` status events (some repeated, as Meta redelivers); their key strings.
    static func log(count: Int) async throws -> (EventLog, String, [String]) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dedupe-\(UUID().uuidString)").path
        let log = try EventLog.open(
            directory: directory + "/log", configuration: EventLogConfiguration { $0.durability = .unsafeNone })
        var keys: [String] = []
        var batch: [NewEvent] = []
        for index in 0..<count {
            let wamid = "wamid.S\(index % (count * 3 / 4))"
            let status = ["sent", "delivered", "read"][index % 3]
            batch.append(
                StatusUpdated(
                    wamid: wamid, status: status, timestamp: 1_764_000_000, recipientId: "15550001", errors: [],
                    bizOpaqueCallbackData: nil
                ).newEvent())
            keys.append("status:\(wamid):\(status)")
            if batch.count == 100 {
                _ = try await log.append(batch)
                batch = []
            }
        }
        if !batch.isEmpty { _ = try await log.append(batch) }
        return (log, directory, keys)
    }

    static func allSeen(_ index: DedupeIndex, _ keys: [String], now: Int64) -> Bool {
        index.reserve(keys.map { index.key($0) }, now: now).allSatisfy { !$0 }
    }

    @Test func anIndexFromASnapshotAndTheLogAfterItKnowsEveryKey() async throws {
        let (log, directory, keys) = try await Self.log(count: 3000)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let store = SnapshotStore(directory: directory + "/snapshots")
        // The snapshot as serve takes it: the index as it was at position 1200.
        let early = DedupeIndex(windowMilliseconds: Self.window)
        var iterator = log.events(from: 1).makeAsyncIterator()
        var position: UInt64 = 0
        while let batch = try iterator.nextBatch() {
            for event in batch {
                position = event.position
                guard event.position <= 1200, let name = DedupeIndex.key(of: event) else { continue }
                early.commit([early.key(name)], at: event.timestamp)
            }
        }
        #expect(position == 3000)
        try store.write(
            kind: DedupeIndex.snapshotKind, position: 1200, takenAt: now, payloadVersion: DedupeIndex.snapshotVersion,
            payload: early.snapshotPayload())

        let full = DedupeIndex(windowMilliseconds: Self.window)
        try full.load(from: log, now: now)
        let (restored, at) = try DedupeIndex.load(
            from: log, snapshots: store, windowMilliseconds: Self.window, now: now,
            rejected: { Issue.record("rejected: \($0)") })
        #expect(at == 1200)
        #expect(restored.hashKey == early.hashKey)
        #expect(restored.count == full.count)
        #expect(Self.allSeen(restored, keys, now: now))
        #expect(restored.reserve([restored.key("status:wamid.new:sent")], now: now) == [true])

        // One flipped byte: the snapshot is ignored, with a line saying so, and the log read.
        let path = directory + "/snapshots/dedupe-00000000000000001200.snap"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[100] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var reasons: [String] = []
        let (fallback, none) = try DedupeIndex.load(
            from: log, snapshots: store, windowMilliseconds: Self.window, now: now, rejected: { reasons.append($0) })
        #expect(none == nil)
        #expect(reasons.count == 1 && reasons[0].contains("checksum mismatch"))
        #expect(fallback.count == full.count)
        #expect(Self.allSeen(fallback, keys, now: now))
        await log.close()
    }

    /// SipHash-2-4's reference vectors (key 00…0f; messages 00…(n-1)), through the index's keys.
    @Test func fingerprintsAreSipHash24() {
        let k0: UInt64 = 0x0706_0504_0302_0100
        let k1: UInt64 = 0x0f0e_0d0c_0b0a_0908
        let key = DedupeIndex.HashKey(k0, k1, k0, k1)
        let empty = DedupeIndex.Key("", hashKey: key)
        let fifteen = DedupeIndex.Key(String(decoding: Array(0..<15 as Range<UInt8>), as: UTF8.self), hashKey: key)
        #expect(empty == DedupeIndex.Key(high: 0x726f_db47_dd0e_0e31, low: 0x726f_db47_dd0e_0e31))
        #expect(fifteen == DedupeIndex.Key(high: 0xa129_ca61_49be_45e5, low: 0xa129_ca61_49be_45e5))
    }
}
