/// A tail subscription: every event from a position on, then each newly committed one, woken
/// by commits rather than by polling. Ends when the log closes or the task is cancelled.
///
/// Made by ``EventLog/subscribe(from:)``. Each iterator reads on its own, so several tasks may
/// iterate the same subscription; one iterator belongs to one task.
public struct EventSubscription: AsyncSequence, Sendable {
    /// Each element is one event, in position order.
    public typealias Element = RecordedEvent

    let catalog: LogCatalog
    let notifier: CommitNotifier
    let from: UInt64

    /// Starts reading at the subscription's first position.
    public func makeAsyncIterator() -> Iterator {
        Iterator(cursor: EventCursor(catalog: catalog, from: from), notifier: notifier)
    }

    /// Hands out the events one by one (``next()``) or a batch at a time (``nextBatch()``).
    ///
    /// Not `Sendable`: use it from the task that made it. Errors are ``EventLogError``s:
    /// ``EventLogError/Code/corruption`` when a committed batch does not decode,
    /// ``EventLogError/Code/io`` when a segment cannot be read.
    public struct Iterator: AsyncIteratorProtocol {
        /// The rest of the current batch, or the next committed batch, waiting for a commit when
        /// caught up. `nil` when the log closes or the task is cancelled.
        public mutating func nextBatch() async throws(EventLogError) -> [RecordedEvent]? {
            if index < batch.count {
                defer { index = batch.count }
                return Array(batch[index...])
            }
            while true {
                if Task.isCancelled { return nil }
                if let next = try cursor.nextBatch() { return next }
                guard await notifier.wait(beyond: cursor.nextPosition - 1) else {
                    return Task.isCancelled ? nil : try cursor.nextBatch()
                }
            }
        }

        /// The next committed batch if there is one now, without waiting.
        public mutating func availableBatch() throws(EventLogError) -> [RecordedEvent]? {
            if index < batch.count {
                defer { index = batch.count }
                return Array(batch[index...])
            }
            return try cursor.nextBatch()
        }

        let cursor: EventCursor
        let notifier: CommitNotifier
        private var batch: [RecordedEvent] = []
        private var index = 0

        init(cursor: EventCursor, notifier: CommitNotifier) {
            self.cursor = cursor
            self.notifier = notifier
        }

        /// The next event, waiting for a commit when caught up; `nil` once the log has closed
        /// (after every event committed before that) or the task is cancelled.
        public mutating func next() async throws(EventLogError) -> RecordedEvent? {
            try await next(isolation: nil)
        }

        /// As ``next()``, staying on `actor` (what `for try await` calls).
        public mutating func next(
            isolation actor: isolated (any Actor)?
        ) async throws(EventLogError) -> RecordedEvent? {
            while index == batch.count {
                if Task.isCancelled { return nil }
                if let next = try cursor.nextBatch() {
                    batch = next
                    index = 0
                    break
                }
                guard await notifier.wait(beyond: cursor.nextPosition - 1) else {
                    // Closed or cancelled: hand out what was committed before that, then end.
                    guard !Task.isCancelled, let rest = try cursor.nextBatch() else { return nil }
                    batch = rest
                    index = 0
                    break
                }
            }
            defer { index += 1 }
            return batch[index]
        }
    }
}
