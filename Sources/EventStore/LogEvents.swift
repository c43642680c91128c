/// A finite read of the log: from a position or a time to the committed end as reached.
///
/// Iterate it as an `AsyncSequence`, or synchronously: `var it = events.makeAsyncIterator()`,
/// then `try it.nextEvent()` or `try it.nextBatch()`.
///
/// Made by ``EventLog/events(from:)`` and ``LogReader/events(from:skipCorrupt:)`` and their
/// `since:` twins. Iterating throws ``EventLogError`` with code ``EventLogError/Code/corruption``
/// at a damaged batch (unless the read skips corrupt data) and ``EventLogError/Code/io`` when a
/// segment cannot be read.
public struct LogEvents: AsyncSequence, Sendable {
    /// Each element is one event, in position order.
    public typealias Element = RecordedEvent

    enum Start: Sendable {
        case position(UInt64)
        case time(Int64)
    }

    let catalog: LogCatalog
    let start: Start
    var skipCorrupt = false

    init(catalog: LogCatalog, start: Start, skipCorrupt: Bool = false) {
        self.catalog = catalog
        self.start = start
        self.skipCorrupt = skipCorrupt
    }

    /// Starts reading at the sequence's first position or time; each iterator reads on its own.
    public func makeAsyncIterator() -> Iterator {
        switch start {
        case .position(let position):
            return Iterator(cursor: EventCursor(catalog: catalog, from: position, skipCorrupt: skipCorrupt))
        case .time(let time):
            return Iterator(cursor: EventCursor(catalog: catalog, since: time, skipCorrupt: skipCorrupt))
        }
    }

    /// Reads the events one by one or a batch at a time; not `Sendable`, use it from one task.
    public struct Iterator: AsyncIteratorProtocol {
        let cursor: EventCursor
        private var batch: [RecordedEvent] = []
        private var index = 0

        init(cursor: EventCursor) { self.cursor = cursor }

        /// The next event, or `nil` at the end.
        public mutating func next() async throws(EventLogError) -> RecordedEvent? {
            try nextEvent()
        }

        /// The next event, or `nil` at the end, without suspending (reads are plain file reads).
        public mutating func nextEvent() throws(EventLogError) -> RecordedEvent? {
            if index == batch.count {
                guard let next = try cursor.nextBatch() else { return nil }
                batch = next
                index = 0
            }
            defer { index += 1 }
            return batch[index]
        }

        /// The next whole batch of events (memory bounded by one batch), or `nil` at the end.
        public mutating func nextBatch() throws(EventLogError) -> [RecordedEvent]? {
            if index < batch.count {
                defer { index = batch.count }
                return Array(batch[index...])
            }
            return try cursor.nextBatch()
        }

        /// Damaged ranges skipped so far (only when reading with `skipCorrupt`).
        public var skipped: [SkippedRange] { cursor.skipped }
    }
}
