public import EventStore
public import GRDB
import Foundation
import Synchronization

/// Follows the log's tail and applies events to the projections in batches, one SQLite
/// transaction per batch holding the rows and the checkpoints. After a crash it resumes from the
/// checkpoints: nothing applied twice, nothing skipped.
public final class Projector: Sendable {
    public struct Configuration: Sendable {
        /// Most events applied in one transaction (a log batch is never split).
        public var maxBatchEvents = 2000
        /// Where the projector runs while it keeps up: `nil` on the default executor; a
        /// `BackgroundExecutor` leaves the CPU to ingestion under load (the projections lag
        /// behind a burst and catch up after it).
        public var executor: BackgroundExecutor?
        /// Once the oldest event of a batch is older than this, the projector runs on the
        /// default executor until it has caught up, so that sustained load cannot starve it.
        public var maxBackgroundLag: Duration = .seconds(5)
        public init() {}
    }

    public let log: EventLog
    public let database: DatabasePool
    public let engine: ProjectionEngine
    private let configuration: Configuration
    private let applied: Mutex<(position: UInt64, batches: UInt64)>

    /// Prepares the database (creating projections, rebuilding those whose version or settings
    /// changed: `resets` says which) and positions the projector at the lowest checkpoint.
    public init(log: EventLog, database: DatabasePool, engine: ProjectionEngine, configuration: Configuration = .init())
        throws
    {
        self.log = log
        self.database = database
        self.engine = engine
        self.configuration = configuration
        let (resets, resume) = try database.write { db in (try engine.prepare(db), try engine.resumePosition(db)) }
        self.resets = resets
        applied = Mutex((resume, 0))
    }

    /// Projections that were reset at start because their schema version or settings changed.
    public let resets: [String]

    /// Runs until the task is cancelled or the log closes.
    /// `onBatch` is called after each committed batch with the last applied position.
    public func run(onBatch: @Sendable (UInt64) -> Void = { _ in }) async throws {
        var iterator = log.subscribe(from: applied.withLock { $0.position } + 1).makeAsyncIterator()
        let lagLimit = Int64(configuration.maxBackgroundLag.components.seconds * 1000)
        var background = configuration.executor
        while true {
            let executor = background
            let applied: RecordedEvent? = try await withTaskExecutorPreference(executor) {
                guard var events = try await iterator.nextBatch() else { return nil }
                while events.count < configuration.maxBatchEvents, let more = try iterator.availableBatch() {
                    events += more
                }
                if executor != nil {
                    try apply(events)  // on the background thread, the SQLite work included
                } else {
                    let batch = events
                    try await database.write { db in try self.engine.apply(batch, db) }
                }
                return events[events.count - 1]
            }
            guard let last = applied else { return }
            self.applied.withLock { $0 = (last.position, $0.batches + 1) }
            onBatch(last.position)
            if configuration.executor != nil {
                let behind = Int64(Date().timeIntervalSince1970 * 1000) - last.timestamp > lagLimit
                background = behind ? nil : configuration.executor
            }
        }
    }

    private func apply(_ batch: [RecordedEvent]) throws {
        try database.write { db in try engine.apply(batch, db) }
    }

    /// How far behind the log the projections are.
    public func status() -> ProjectorStatus {
        let (position, batches) = applied.withLock { $0 }
        let logPosition = log.lastPosition
        var oldestUnapplied: Int64?
        if logPosition > position {
            var iterator = log.events(from: position + 1).makeAsyncIterator()
            oldestUnapplied = (try? iterator.nextEvent())?.timestamp
        }
        return ProjectorStatus(
            logPosition: logPosition, appliedPosition: position, oldestUnappliedTimestamp: oldestUnapplied, batches: batches)
    }
}

/// The projector's lag: last log position vs last applied, and the oldest unapplied event's time.
public struct ProjectorStatus: Sendable, Equatable {
    public var logPosition: UInt64
    public var appliedPosition: UInt64
    /// Log time (ms) of the first event not yet applied; `nil` when caught up.
    public var oldestUnappliedTimestamp: Int64?
    public var batches: UInt64

    public var lag: UInt64 { logPosition > appliedPosition ? logPosition - appliedPosition : 0 }
}
