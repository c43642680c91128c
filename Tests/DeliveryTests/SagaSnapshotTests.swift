import ClickUnlockTesting
import Delivery
import Domain
import EventStore
import Foundation
import Testing

/// Saga snapshots against the full fold (differential, over random histories in a real log), and
/// snapshots that must not be used: corrupt, of another format or payload version, of another window.
@Suite struct SagaSnapshotTests {
    static let window: Int64 = 8 * 24 * 3_600_000

    /// A real log in a temporary directory holding `appends` appends of a random history.
    static func log(seed: UInt64, appends: Int) async throws -> (EventLog, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString)").path
        let log = try EventLog.open(
            directory: directory + "/log", configuration: EventLogConfiguration { $0.durability = .unsafeNone })
        var history = RandomHistory(seed: seed)
        var pending: [NewEvent] = []
        for _ in 0..<appends {
            pending += history.next()
            if pending.count >= 200 {
                _ = try await log.append(pending)
                pending = []
            }
        }
        if !pending.isEmpty { _ = try await log.append(pending) }
        return (log, directory)
    }

    static func fold(_ state: inout SagaState, _ log: EventLog, from: UInt64 = 1, through: UInt64 = .max) throws {
        var iterator = log.events(from: from).makeAsyncIterator()
        while let batch = try iterator.nextBatch() {
            for event in batch where event.position <= through { state.apply(event) }
        }
    }

    static let decider = ClickDecider(
        manifest: ContentManifest(packs: [ContentPack(name: "day", payload: "unlock:{date}", items: [.text("x")])]),
        settings: {
            var settings = SagaSettings(phoneNumberId: "106540352242922")
            settings.clickMaxAge = .seconds(365 * 24 * 3600)
            return settings
        }())

    /// The decisions the saga would take next: the events, as bytes.
    static func decisions(_ state: SagaState, now: Int64) -> [[UInt8]] {
        decider.decide(state.undecided, state: state, now: now).map { Array($0.type.utf8) + [0] + $0.data }
    }

    @Test(arguments: [11 as UInt64, 12, 13])
    func aFoldFromASnapshotEqualsTheFullFold(seed: UInt64) async throws {
        let (log, directory) = try await Self.log(seed: seed, appends: 1500)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var full = SagaState(memoryWindowMilliseconds: Self.window)
        try Self.fold(&full, log)
        let last = log.lastPosition
        #expect(full.position == last)
        var random = SplitMix64(seed: seed)
        let store = SnapshotStore(directory: directory + "/snapshots", keep: 2)
        for _ in 0..<4 {
            let cut = 1 + random.next() % (last - 1)
            var before = SagaState(memoryWindowMilliseconds: Self.window)
            try Self.fold(&before, log, through: cut)
            try store.write(
                kind: SagaState.snapshotKind, position: before.position, takenAt: 0,
                payloadVersion: SagaState.snapshotVersion, payload: before.snapshotPayload())
            // What a restart does: the newest snapshot (this one, or a later one kept), then the rest.
            let newest = try #require(
                SagaState.newestSnapshot(
                    in: store, lastPosition: last, memoryWindowMilliseconds: Self.window,
                    rejected: { Issue.record("rejected: \($0)") }))
            var restored = newest
            try Self.fold(&restored, log, from: newest.position + 1)
            #expect(try restored.snapshotPayload() == full.snapshotPayload(), "cut at \(cut)")
            #expect(restored.counts == full.counts)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            #expect(Self.decisions(restored, now: now) == Self.decisions(full, now: now))
        }
        #expect(!full.undecided.isEmpty || full.counts.started > 0, "the history exercises the saga")
        await log.close()
    }

    @Test func aCorruptOrForeignSnapshotIsIgnoredAndAnOlderOneUsed() async throws {
        let (log, directory) = try await Self.log(seed: 5, appends: 400)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = SnapshotStore(directory: directory + "/snapshots", keep: 5)
        var state = SagaState(memoryWindowMilliseconds: Self.window)
        var paths: [UInt64: String] = [:]
        for cut in [100, 200, 300, 400] as [UInt64] {
            try Self.fold(&state, log, from: state.position + 1, through: cut)
            paths[cut] = try store.write(
                kind: SagaState.snapshotKind, position: cut, takenAt: 0,
                payloadVersion: cut == 300 ? SagaState.snapshotVersion + 1 : SagaState.snapshotVersion,
                payload: state.snapshotPayload())
        }
        // 400: one payload byte flipped; 300: a payload version from a later build; 200: the file
        // format version of a later build.
        try flip(paths[400]!, at: 60)
        try flip(paths[200]!, at: 6)
        var reasons: [String] = []
        func newest() -> SagaState? {
            reasons = []
            return SagaState.newestSnapshot(
                in: store, lastPosition: log.lastPosition, memoryWindowMilliseconds: Self.window,
                rejected: { reasons.append($0) })
        }
        #expect(newest()?.position == 100)
        #expect(reasons.count == 3)
        #expect(reasons[0].contains("checksum mismatch") && reasons[0].contains(paths[400]!))
        #expect(reasons[1].contains("saga snapshot version \(SagaState.snapshotVersion + 1)"))
        #expect(reasons[2].contains("snapshot format version"))
        // Another memory window: ignored too; none left means the fold starts at position 1.
        let other = SagaState.newestSnapshot(
            in: store, lastPosition: log.lastPosition, memoryWindowMilliseconds: Self.window / 2, rejected: { _ in })
        #expect(other == nil)
        // A snapshot past the end of the log (a log restored from an older copy) is not used.
        let short = SagaState.newestSnapshot(
            in: store, lastPosition: 99, memoryWindowMilliseconds: Self.window, rejected: { _ in })
        #expect(short == nil)
        await log.close()
    }

    /// A payload's bytes are trusted only as far as they hold together: truncated, bit-flipped or
    /// claiming more entries than there are bytes, it is refused (or, when a flip lands in a key or
    /// a time, decodes to another state), never a crash nor an allocation of the claimed size.
    @Test func aDamagedPayloadIsRefusedNotTrusted() async throws {
        let (log, directory) = try await Self.log(seed: 7, appends: 400)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var state = SagaState(memoryWindowMilliseconds: Self.window)
        try Self.fold(&state, log)
        await log.close()
        let payload = try state.snapshotPayload()
        func decodes(_ bytes: [UInt8]) -> Bool {
            if case .success = SagaState.fromSnapshot(bytes, memoryWindowMilliseconds: Self.window) { return true }
            return false
        }
        #expect(decodes(payload))
        #expect(state.rememberedCount > 0, "the history remembers clicks, so the binary part is exercised")
        for length in stride(from: 0, to: payload.count, by: max(1, payload.count / 120)) {
            #expect(!decodes(Array(payload.prefix(length))), "truncated to \(length) bytes")
        }
        var random = SplitMix64(seed: 7)
        for _ in 0..<150 {
            var bytes = payload
            bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(1 + random.next() % 255)
            _ = decodes(bytes)
        }
        // The JSON part intact, then a count of 2^62 entries for the first set.
        let huge =
            Array(payload.prefix(Self.jsonEnd(payload))) + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]
        #expect(!decodes(huge))
    }

    /// Where the JSON block of a payload ends (its length is the leading varint).
    static func jsonEnd(_ payload: [UInt8]) -> Int {
        var length = 0
        var shift = 0
        var index = 0
        while payload[index] & 0x80 != 0 {
            length |= Int(payload[index] & 0x7f) << shift
            shift += 7
            index += 1
        }
        length |= Int(payload[index]) << shift
        return index + 1 + length
    }

    private func flip(_ path: String, at offset: Int) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[offset] ^= 0x5a
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
