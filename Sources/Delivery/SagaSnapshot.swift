import Domain
public import EventStore
import Foundation

/// The saga's state as bytes for a snapshot (`SnapshotStore` kind `saga`), and back. The state is a
/// function of the log up to `position` and of the memory window, so a snapshot made with another
/// window is refused rather than folded on as if it were the same.
extension SagaState {
    /// Bumped whenever the encoded form changes: an older snapshot is then ignored (and the fold
    /// starts from the log instead). Version 2: the remembered clicks, template messages and packs
    /// in binary, each key once (version 1 held them twice, in JSON: 62.5 MB at 10M events).
    public static let snapshotVersion: UInt32 = 2
    public static let snapshotKind = "saga"

    /// Everything but the remembered sets (small: in-flight deliveries, pending clicks, evidence).
    struct Stored: Codable {
        var position: UInt64
        var memoryWindowMilliseconds: Int64
        var deliveries: [String: DeliveryProgress]
        var active: [String]
        var templates: TemplateLedger
        var pending: [ButtonClicked]
        var undecided: [String]
        var skipPositions: [UInt64]
        var skipReasons: [String]
        var skipCount: Int
        var callbacks: [String: StepRef]
        var wamids: [String: StepRef]
        var evidence: [String: String]
        var finishedCounts: DeliveryCounts
    }

    struct StepRef: Codable {
        var delivery: String
        var step: Int
    }

    /// The state as a snapshot payload: the rest as JSON (keys sorted), then the decided clicks, the
    /// started template messages and the delivered packs, each as a count and, oldest first, the
    /// time since the previous entry and the key. Equal states give equal bytes.
    public func snapshotPayload() throws -> [UInt8] {
        let stored = Stored(
            position: position, memoryWindowMilliseconds: decidedClicks.windowMilliseconds, deliveries: deliveries,
            active: active.sorted(), templates: templates, pending: pending, undecided: undecidedIndex.sorted(),
            skipPositions: skips.map(\.position), skipReasons: skips.map(\.reason), skipCount: skipCount,
            callbacks: byCallback.mapValues { StepRef(delivery: $0.0, step: $0.1) },
            wamids: byWamid.mapValues { StepRef(delivery: $0.0, step: $0.1) }, evidence: evidence,
            finishedCounts: finishedCounts)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let sets = [decidedClicks, startedContexts, packsByContact].map(\.liveEntries)
        var writer = SnapshotBytesWriter(reservingCapacity: sets.reduce(0) { $0 + $1.count * 40 })
        writer.block(Array(try encoder.encode(stored)))
        for entries in sets {
            writer.unsigned(UInt64(entries.count))
            var previous: Int64 = 0
            for (key, time) in entries {
                writer.signed(time &- previous)
                writer.string(key)
                previous = time
            }
        }
        return writer.bytes
    }

    /// The state a snapshot payload holds, or why it cannot be used with this memory window.
    public static func fromSnapshot(
        _ payload: [UInt8], memoryWindowMilliseconds: Int64
    ) -> Result<SagaState, SnapshotProblem> {
        var reader = SnapshotBytesReader(payload)
        guard let json = reader.block() else { return .failure(SnapshotProblem(reason: "its saga state is truncated")) }
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: Data(json))
        } catch {
            return .failure(SnapshotProblem(reason: "its saga state does not decode (\(error))"))
        }
        guard stored.memoryWindowMilliseconds == memoryWindowMilliseconds else {
            return .failure(
                SnapshotProblem(
                    reason: "made with a memory window of \(stored.memoryWindowMilliseconds) ms, this "
                        + "service uses \(memoryWindowMilliseconds) ms"))
        }
        var sets: [ExpiringSet] = []
        for _ in 0..<3 {
            // Every entry takes at least two bytes: a count past that is damage, not a size to reserve.
            guard let count = reader.unsigned(), count <= UInt64(reader.remaining / 2) else { break }
            var entries: [(key: String, time: Int64)] = []
            entries.reserveCapacity(Int(count))
            var time: Int64 = 0
            for _ in 0..<count {
                guard let delta = reader.signed(), let key = reader.string() else { break }
                time &+= delta
                entries.append((key, time))
            }
            guard entries.count == count,
                let set = ExpiringSet(windowMilliseconds: memoryWindowMilliseconds, entries: entries)
            else { break }
            sets.append(set)
        }
        guard sets.count == 3, reader.remaining == 0, stored.skipPositions.count == stored.skipReasons.count else {
            return .failure(SnapshotProblem(reason: "its saga state is inconsistent"))
        }
        var state = SagaState(memoryWindowMilliseconds: memoryWindowMilliseconds)
        state.position = stored.position
        state.deliveries = stored.deliveries
        state.active = Set(stored.active)
        state.templates = stored.templates
        state.pending = stored.pending
        state.undecidedIndex = Set(stored.undecided)
        state.decidedClicks = sets[0]
        state.startedContexts = sets[1]
        state.packsByContact = sets[2]
        state.skips = zip(stored.skipPositions, stored.skipReasons).map { ($0, $1) }
        state.skipCount = stored.skipCount
        state.byCallback = stored.callbacks.mapValues { ($0.delivery, $0.step) }
        state.byWamid = stored.wamids.mapValues { ($0.delivery, $0.step) }
        state.evidence = stored.evidence
        state.finishedCounts = stored.finishedCounts
        return .success(state)
    }

    /// The newest usable saga snapshot in `store`: valid, of this version, within the log (up to
    /// `lastPosition`) and made with this memory window. `rejected` hears, one line each, why a
    /// newer one was skipped; none usable → `nil` (the fold starts at the log's first position).
    public static func newestSnapshot(
        in store: SnapshotStore, lastPosition: UInt64, memoryWindowMilliseconds: Int64, rejected: (String) -> Void
    ) -> SagaState? {
        store.newest(kind: snapshotKind, rejected: rejected) { snapshot -> Result<SagaState, SnapshotProblem> in
            guard snapshot.payloadVersion == snapshotVersion else {
                return .failure(
                    SnapshotProblem(
                        reason: "saga snapshot version \(snapshot.payloadVersion), this build reads "
                            + "\(snapshotVersion)"))
            }
            guard snapshot.position <= lastPosition else {
                return .failure(
                    SnapshotProblem(reason: "it covers position \(snapshot.position), the log ends at \(lastPosition)"))
            }
            return fromSnapshot(snapshot.payload, memoryWindowMilliseconds: memoryWindowMilliseconds).flatMap { state in
                state.position == snapshot.position
                    ? .success(state) : .failure(SnapshotProblem(reason: "its saga state is at another position"))
            }
        }?.value
    }
}
