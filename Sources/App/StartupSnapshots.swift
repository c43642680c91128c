import Delivery
import EventStore
import Logging

/// What `serve` loads at start instead of folding the whole log: the newest usable saga snapshot.
/// An unusable one (corrupt, another version, another memory window, past the log's end) is
/// logged in one line and the next older one is tried; none usable means the fold starts at the
/// log's first position.
enum StartupSnapshots {
    static func sagaState(
        store: SnapshotStore, log: EventLog, memoryWindowMilliseconds: Int64, logger: Logger
    ) -> SagaState? {
        let state = SagaState.newestSnapshot(
            in: store, lastPosition: log.lastPosition, memoryWindowMilliseconds: memoryWindowMilliseconds,
            rejected: { logger.warning("\($0); the saga folds more of the log") })
        if let state { logger.info("delivery saga: starting from the snapshot at position \(state.position)") }
        return state
    }
}
