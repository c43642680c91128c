import Domain
public import EventStore
public import GRDB
public import ServiceLifecycle
import Synchronization

/// Follows the log's tail and applies events to the projections in batches, one SQLite
/// transaction per batch holding the rows and the checkpoints. After a crash it resumes from the
/// checkpoints: nothing applied twice, nothing skipped.
///
/// A `Service`: in a service group, graceful shutdown ends its `run()` between transactions.
public final class Projector: Service, Sendable {
    public struct Configuration: Sendable {
        /// Most events read and applied at a time (a log batch is never split).
        public var maxBatchEvents = 2000
        /// Most events applied at a time while catching up (whole chunks waiting): larger
        /// batches write each changed row once for more events.
        public var maxCatchUpBatchEvents = 20_000
        /// While full chunks keep coming (a backlog), one transaction takes chunk after chunk for
        /// up to this long. SQLite writes every page a transaction touched at its commit, and the
        /// projections' keys (message ids, contacts) are random: under a burst, commits of 2,000
        /// events each made it write ~250 MB/s for ~30 MB of tables, which slowed the log's
        /// fsyncs. A projector keeping up commits at once, whatever this says.
        public var maxTransactionDuration: Duration = .milliseconds(250)
        /// Where the projector runs: `nil` on the default executor; a `BackgroundExecutor`
        /// leaves the CPU to ingestion under load (the projections lag behind a burst and catch
        /// up after it).
        public var executor: BackgroundExecutor?
        /// Once the last event applied is older than this, the background executor's thread
        /// runs at normal priority until it has caught up, so that sustained load cannot starve it.
        public var maxBackgroundLag: Duration = .seconds(5)
        /// While the log grows faster than this (events per second), the projector waits instead
        /// of applying: a burst of webhooks has the CPU to itself, and the projector catches up
        /// after it, in large transactions that cost less per event. `nil` never waits.
        public var yieldAboveEventsPerSecond: Int?
        /// The longest it waits: once the oldest unapplied event is this old it applies, burst or
        /// not (under sustained load the projections stay about this far behind). 10 s: 60 s of
        /// full-speed webhooks left 30 s of waiting ~800,000 events behind, 62 s to catch up; 10 s
        /// left ~360,000, 26 s (BENCHMARKS.md, issue 14).
        public var maxYield: Duration = .seconds(10)
        /// Called after every committed transaction with the last position applied (the live
        /// feed reads the new rows then). It must return at once: the projector waits for it.
        public var onCommit: (@Sendable (UInt64) -> Void)?
        public init() {}
    }

    public let log: EventLog
    public let database: DatabasePool
    public let engine: ProjectionEngine
    private let configuration: Configuration
    private let clock: ProjectorClock
    private let applied: Mutex<(position: UInt64, batches: UInt64)>
    /// What `progress` reports beside the position: when the projections last had the whole log
    /// applied, and whether the projector is waiting for the log to grow.
    private let caughtUp: Mutex<(at: Int64, waiting: Bool)>
    private let yielding = Atomic(false)

    /// Prepares the database (creating projections, rebuilding those whose version or settings
    /// changed: `resets` says which) and positions the projector at the lowest checkpoint.
    /// `clock` times bursts, rate windows and transactions; `wallClock` is what its lag is
    /// measured against (the time the log stamps events with).
    public init(
        log: EventLog, database: DatabasePool, engine: ProjectionEngine, configuration: Configuration = .init(),
        clock: some Clock<Duration> = ContinuousClock(), wallClock: WallClock = .system
    ) throws {
        self.log = log
        self.database = database
        self.engine = engine
        self.configuration = configuration
        self.clock = ProjectorClock(clock, wall: wallClock)
        let (resets, resume) = try database.write { db in (try engine.prepare(db), try engine.resumePosition(db)) }
        self.resets = resets
        applied = Mutex((resume, 0))
        caughtUp = Mutex((wallClock.now(), false))
    }

    /// Projections that were reset at start because their schema version or settings changed.
    public let resets: [String]

    /// Runs until graceful shutdown, the task is cancelled or the log closes.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.run(onBatch: { _ in }) }
        } catch is CancellationError {
            return
        }
    }

    /// Runs until the task is cancelled or the log closes.
    /// `onBatch` is called after each committed transaction with the last applied position.
    public func run(onBatch: @Sendable (UInt64) -> Void) async throws {
        let tail = Tail(log.subscribe(from: applied.withLock { $0.position } + 1).makeAsyncIterator())
        let lagLimit = Int64(configuration.maxBackgroundLag / .milliseconds(1))
        let executor = configuration.executor
        while true {
            let applied: (last: RecordedEvent, head: UInt64, seen: Int64)? = try await withTaskExecutorPreference(
                executor
            ) {
                guard let first = try await nextBatch(tail) else { return nil }
                // Everything in the log at `seen` is applied once this batch reaches `head`.
                let (head, seen) = (log.lastPosition, clock.wall.now())
                try await yieldWhileBusy(oldest: first[0], tail)
                if executor != nil {
                    // On the background thread (at its priority), the SQLite work included.
                    return (try applyBlocking(first, then: tail), head, seen)
                }
                return (try await database.write { db in try self.apply(first, then: tail, db) }, head, seen)
            }
            guard let (last, head, seen) = applied else { return }
            self.applied.withLock { $0 = (last.position, $0.batches + 1) }
            if last.position >= head { caughtUp.withLock { $0.at = max($0.at, seen) } }
            onBatch(last.position)
            configuration.onCommit?(last.position)
            executor?.runsIdle = clock.wall.now() - last.timestamp <= lagLimit
        }
    }

    /// The next events; while it waits with everything applied, `progress` says so, and the
    /// wait's end (new events) counts as the last time it was caught up.
    private func nextBatch(_ tail: Tail) async throws -> [RecordedEvent]? {
        let idle = log.lastPosition <= applied.withLock { $0.position }
        if idle { caughtUp.withLock { $0.waiting = true } }
        defer { if idle { caughtUp.withLock { $0 = (max($0.at, clock.wall.now()), false) } } }
        return try await tail.iterator.nextBatch()
    }

    /// The same, blocking the calling thread (the background executor's).
    private func applyBlocking(_ first: [RecordedEvent], then tail: Tail) throws -> RecordedEvent {
        try database.write { db in try apply(first, then: tail, db) }
    }

    /// Applies `first` and what follows it in one transaction: chunk after chunk while whole
    /// chunks are waiting, for up to `maxTransactionDuration`. Returns the last event applied.
    /// A chunk that fills up is followed by larger ones (up to `maxCatchUpBatchEvents`): a
    /// backlog is applied in fewer, cheaper batches.
    private func apply(_ first: [RecordedEvent], then tail: Tail, _ db: Database) throws -> RecordedEvent {
        let start = clock.elapsed()
        var chunk = first
        var size = configuration.maxBatchEvents
        while true {
            while chunk.count < size, let more = try tail.iterator.availableBatch() { chunk += more }
            // A backlog decodes on every core, unless the projector is to leave them to ingestion.
            let parallel = chunk.count >= 4096 && configuration.executor?.runsIdle != true
            try engine.apply(chunk, facts: parallel ? DecodedChunks.decode(chunk) : chunk.map(DomainFact.init), db)
            let full = chunk.count >= size
            let last = chunk[chunk.count - 1]
            guard full, clock.elapsed() - start < configuration.maxTransactionDuration,
                let next = try tail.iterator.availableBatch()
            else { return last }
            chunk = next
            size = max(size, min(2 * size, configuration.maxCatchUpBatchEvents))
        }
    }

    /// The log subscription, shared with the transaction closure, and the log's growth rate (used
    /// by one task at a time).
    private final class Tail: @unchecked Sendable {
        var iterator: EventSubscription.Iterator
        var rate = AppendRate()
        init(_ iterator: EventSubscription.Iterator) { self.iterator = iterator }
    }

    /// Waits while the log grows faster than `yieldAboveEventsPerSecond`, as long as `oldest` (the
    /// first event not applied) is younger than `maxYield`.
    private func yieldWhileBusy(oldest: RecordedEvent, _ tail: Tail) async throws {
        guard let threshold = configuration.yieldAboveEventsPerSecond else { return }
        let limit = Int64(configuration.maxYield / .milliseconds(1))
        tail.rate.observe(log.lastPosition, at: clock.elapsed())
        defer { yielding.store(false, ordering: .relaxed) }
        while tail.rate.eventsPerSecond > Double(threshold), clock.wall.now() - oldest.timestamp < limit {
            yielding.store(true, ordering: .relaxed)
            try await clock.sleep(AppendRate.window)
            tail.rate.observe(log.lastPosition, at: clock.elapsed())
        }
    }

    /// What is applied, from memory (no log read, no SQL): cheap enough for every HTTP request.
    public var progress: Progress {
        let position = applied.withLock { $0.position }
        let (at, waiting) = caughtUp.withLock { $0 }
        return Progress(position: position, caughtUpAt: at, waiting: waiting)
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
            logPosition: logPosition, appliedPosition: position, oldestUnappliedTimestamp: oldestUnapplied,
            batches: batches,
            yielding: yielding.load(ordering: .relaxed))
    }
}

/// The projector's lag: last log position vs last applied, and the oldest unapplied event's time.
public struct ProjectorStatus: Sendable, Equatable {
    public var logPosition: UInt64
    public var appliedPosition: UInt64
    /// Log time (ms) of the first event not yet applied; `nil` when caught up.
    public var oldestUnappliedTimestamp: Int64?
    public var batches: UInt64
    /// Waiting for a burst of ingestion to pass (`Projector.Configuration.yieldAboveEventsPerSecond`).
    public var yielding: Bool

    public var lag: UInt64 { logPosition > appliedPosition ? logPosition - appliedPosition : 0 }
}

/// The projector's progress as it keeps it in memory.
extension Projector {
    public struct Progress: Sendable, Equatable {
        /// The last log position applied and committed (every projection's checkpoint is at least this).
        public var position: UInt64
        /// Wall time (ms) at which the projections last had every event of the log applied; a
        /// projector behind the log has been behind since then.
        public var caughtUpAt: Int64
        /// Waiting for the log to grow with everything applied: events that arrive now are being picked up.
        public var waiting: Bool

        public init(position: UInt64, caughtUpAt: Int64, waiting: Bool) {
            (self.position, self.caughtUpAt, self.waiting) = (position, caughtUpAt, waiting)
        }

        /// How long projections at `answered` (this position, or an earlier one read before its
        /// commit) have been behind a log whose last position is `head`, at `now` (ms): 0 when caught
        /// up (or just woken by new events), else the time since they last were.
        public func lagMilliseconds(at answered: UInt64, head: UInt64, now: Int64) -> Int64 {
            head <= answered || waiting ? 0 : max(0, now - caughtUpAt)
        }
    }
}
