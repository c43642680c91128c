import Domain
public import EventStore
import Foundation

/// The saga's state as bytes for a snapshot (`SnapshotStore` kind `saga`), and back. The state is a
/// function of the log up to `position` and of the memory window, so a snapshot made with another
/// window is refused rather than folded on as if it were the same.
extension SagaState {
    /// Bumped whenever the encoded form changes: an older snapshot is then ignored (and the fold
    /// starts from the log instead).
    public static let snapshotVersion: UInt32 = 1
    public static let snapshotKind = "saga"

    struct Stored: Codable {
        var position: UInt64
        var deliveries: [String: DeliveryProgress]
        var active: [String]
        var templates: TemplateLedger
        var pending: [ButtonClicked]
        var undecided: [String]
        var decidedClicks: ExpiringSet.Stored
        var startedContexts: ExpiringSet.Stored
        var packsByContact: ExpiringSet.Stored
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

    /// The state as a snapshot payload (JSON, keys sorted: equal states give equal bytes).
    public func snapshotPayload() throws -> [UInt8] {
        let stored = Stored(
            position: position, deliveries: deliveries, active: active.sorted(), templates: templates,
            pending: pending, undecided: undecidedIndex.sorted(), decidedClicks: decidedClicks.stored,
            startedContexts: startedContexts.stored, packsByContact: packsByContact.stored,
            skipPositions: skips.map(\.position), skipReasons: skips.map(\.reason), skipCount: skipCount,
            callbacks: byCallback.mapValues { StepRef(delivery: $0.0, step: $0.1) },
            wamids: byWamid.mapValues { StepRef(delivery: $0.0, step: $0.1) }, evidence: evidence,
            finishedCounts: finishedCounts)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(stored))
    }

    /// The state a snapshot payload holds, or why it cannot be used with this memory window.
    public static func fromSnapshot(
        _ payload: [UInt8], memoryWindowMilliseconds: Int64
    ) -> Result<SagaState, SnapshotProblem> {
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: Data(payload))
        } catch {
            return .failure(SnapshotProblem(reason: "its saga state does not decode (\(error))"))
        }
        guard stored.decidedClicks.windowMilliseconds == memoryWindowMilliseconds else {
            return .failure(
                SnapshotProblem(
                    reason: "made with a memory window of \(stored.decidedClicks.windowMilliseconds) ms, this "
                        + "service uses \(memoryWindowMilliseconds) ms"))
        }
        guard let decided = ExpiringSet(stored.decidedClicks), let contexts = ExpiringSet(stored.startedContexts),
            let packs = ExpiringSet(stored.packsByContact), stored.skipPositions.count == stored.skipReasons.count
        else { return .failure(SnapshotProblem(reason: "its saga state is inconsistent")) }
        var state = SagaState(memoryWindowMilliseconds: memoryWindowMilliseconds)
        state.position = stored.position
        state.deliveries = stored.deliveries
        state.active = Set(stored.active)
        state.templates = stored.templates
        state.pending = stored.pending
        state.undecidedIndex = Set(stored.undecided)
        state.decidedClicks = decided
        state.startedContexts = contexts
        state.packsByContact = packs
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
