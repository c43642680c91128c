import Adapters
import Delivery
import EventStore
import Logging

/// Writes snapshots of the saga's state and of the dedupe index while `serve` runs: every
/// `everyEvents` events logged, or every `every` with any event logged, checked once a second.
/// A failed write is logged and tried again at the next check; the log stays the truth.
struct SnapshotWriter: Sendable {
    let log: EventLog
    let dedupe: DedupeIndex
    let saga: DeliverySaga?
    let store: SnapshotStore
    let settings: SnapshotConfiguration
    let wall: WallClock
    let logger: Logger

    /// Positions of the snapshots loaded at start (or written since), so the first write waits
    /// for the log to grow.
    func run(sagaPosition: UInt64, dedupePosition: UInt64) async throws {
        var written = (saga: sagaPosition, dedupe: dedupePosition)
        var lastWrite = ContinuousClock.now
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(1))
            let head = log.lastPosition
            let newest = min(written.dedupe, saga == nil ? written.dedupe : written.saga)
            let due =
                head >= newest + UInt64(settings.everyEvents)
                || (head > newest && ContinuousClock.now - lastWrite >= settings.every)
            guard due else { continue }
            lastWrite = ContinuousClock.now
            if let saga { written.saga = await writeSaga(saga, after: written.saga) }
            written.dedupe = writeDedupe(after: written.dedupe)
        }
    }

    /// Returns the position now covered by a saga snapshot.
    private func writeSaga(_ saga: DeliverySaga, after previous: UInt64) async -> UInt64 {
        let state = await saga.snapshotState
        guard state.position > previous else { return previous }
        do {
            let payload = try state.snapshotPayload()
            try store.write(
                kind: SagaState.snapshotKind, position: state.position, takenAt: wall.now(),
                payloadVersion: SagaState.snapshotVersion, payload: payload)
            logger.debug("snapshot: saga state at position \(state.position), \(payload.count) bytes")
            return state.position
        } catch {
            logger.warning("snapshot: cannot write the saga's state (\(error)); the next start folds more of the log")
            return previous
        }
    }

    private func writeDedupe(after previous: UInt64) -> UInt64 {
        // The position and time first: keys committed after them are in the snapshot or in the log after it.
        let position = log.lastPosition
        let takenAt = wall.now()
        guard position > previous else { return previous }
        let payload = dedupe.snapshotPayload()
        do {
            try store.write(
                kind: DedupeIndex.snapshotKind, position: position, takenAt: takenAt,
                payloadVersion: DedupeIndex.snapshotVersion, payload: payload)
            logger.debug("snapshot: dedupe index at position \(position), \(payload.count) bytes")
            return position
        } catch {
            logger.warning("snapshot: cannot write the dedupe index (\(error)); the next start reads more of the log")
            return previous
        }
    }
}
