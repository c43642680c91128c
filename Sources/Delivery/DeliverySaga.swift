import Domain
public import EventStore
public import Logging
public import ServiceLifecycle
import Synchronization

/// The click-to-unlock process manager. It folds the log into `SagaState` (all of it at start,
/// then each commit as it lands), decides every new click, and runs one worker per unfinished
/// delivery: `attempt_started` is durable before each Graph API call, the outcome after it,
/// and retries wait for times recorded in the log, so a restart continues where it stopped.
///
/// Its workers, click decisions and timers are child tasks of `run()`. Graceful shutdown stops
/// following the log and starting work, and waits for the calls in hand to be recorded;
/// cancellation reaches every task (an attempt cut short is reconciled at the next start).
public actor DeliverySaga: Service {
    let log: EventLog
    let sender: any MessageSender
    let decider: ClickDecider
    let settings: SagaSettings
    let logger: Logger
    let throughput: TokenBucket
    /// Waits (timers, the pause before an append is retried) run on this clock.
    let clock: any Clock<Duration>
    /// Log time: decisions, retry times and deadlines compare against it.
    let wall: WallClock
    private var state: SagaState
    /// Loads the state of a snapshot (or `nil`), once, as the fold starts.
    private var restore: (@Sendable () async -> SagaState?)?
    /// Skipped events already reported in the service's log (the rest are counted).
    private var reportedSkips = 0
    private var lastSkipCountReport: Int64?
    private var planner: DeliveryPlanner
    /// Deliveries with a worker (started or about to start).
    private var workers: Set<String> = []
    /// Work for `run()`'s task group: workers and click decisions become its child tasks.
    private var jobs: AsyncStream<Job>.Continuation?
    private var wakeups: [String: Wakeup] = [:]
    private var positionWaiters: [(UInt64, CheckedContinuation<Void, Never>)] = []
    private var caughtUp = false
    /// Set when the saga stops: workers finish the call in hand (recording its outcome) and end.
    private var stopping = false
    private var deciding = false
    /// Why following the log failed; thrown by `run()` once the calls in hand are recorded.
    private var failure: (any Error)?
    private var random = SystemRandomNumberGenerator()
    /// `state.counts` after each folded batch, readable without a hop onto the actor.
    private nonisolated let publishedCounts = Mutex(DeliveryCounts())

    private enum Job: Sendable {
        case work(String)
        case decide([ButtonClicked], [NewEvent])
    }

    /// The saga waits on `clock` (retries, pacing, reconciliation and confirmation waits). `wall` is the
    /// wall time it stamps and compares with log timestamps; it should move with `clock`.
    public init(
        log: EventLog, sender: any MessageSender, manifest: ContentManifest, settings: SagaSettings, logger: Logger,
        clock: some Clock<Duration> = ContinuousClock(), wall: WallClock = .system,
        restore: (@Sendable () async -> SagaState?)? = nil
    ) {
        self.log = log
        self.sender = sender
        self.decider = ClickDecider(manifest: manifest, settings: settings)
        self.settings = settings
        self.logger = logger
        self.clock = clock
        self.wall = wall
        self.throughput = TokenBucket(rate: settings.messagesPerSecond, clock: clock)
        self.planner = DeliveryPlanner(settings: settings, startedAt: wall.now())
        self.state = SagaState(memoryWindowMilliseconds: settings.memoryWindow.inMilliseconds)
        self.restore = restore
    }

    /// Folds the log from its start (or from a snapshot's position), then follows it until graceful
    /// shutdown, cancellation or the log closes; returns when every worker has ended.
    public func run() async throws {
        planner.startedAt = wall.now()
        let (stream, jobs) = AsyncStream.makeStream(of: Job.self)
        self.jobs = jobs
        await withDiscardingTaskGroup { group in
            group.addTask {
                await self.followUntilShutdown()
            }
            for await job in stream {
                group.addTask { await self.perform(job) }
            }
        }
        if let failure { throw failure }
    }

    private func followUntilShutdown() async {
        do {
            try await cancelWhenGracefulShutdown { try await self.follow() }
        } catch {
            failure = error
        }
        stop()
    }

    private func follow() async throws {
        // From a snapshot's state and position when one loads (in `run()`, so that decoding it
        // never holds up the ports), else from the log's start.
        if let restore, let restored = await restore() {
            state = restored
            // The skips it holds were reported by the run that folded them.
            reportedSkips = restored.skipCount
        }
        restore = nil
        var iterator = log.subscribe(from: state.position + 1).makeAsyncIterator()
        while let batch = try iterator.availableBatch() { fold(batch) }
        caughtUp = true
        reportSkips()
        logger.info(
            """
            delivery saga: \(state.active.count) unfinished deliveries and \(state.undecidedCount) undecided clicks \
            recovered from the log up to position \(state.position)
            """
        )
        for id in state.active { startWorker(id) }
        decideClicks()
        while let batch = try await iterator.nextBatch() { fold(batch) }
    }

    private func perform(_ job: Job) async {
        switch job {
        case .work(let id): await work(id)
        case .decide(let clicks, let events): await record(decisions: events, for: clicks)
        }
    }

    /// Stops starting work and wakes every waiting worker; `run()`'s task group then waits for
    /// the calls in flight to finish and be recorded, so a graceful stop leaves no attempt
    /// without its outcome.
    private func stop() {
        stopping = true
        for (_, wakeup) in wakeups { wakeup.resume() }
        wakeups.removeAll()
        for (_, continuation) in positionWaiters { continuation.resume() }
        positionWaiters.removeAll()
        jobs?.finish()
        jobs = nil
    }

    private func fold(_ batch: [RecordedEvent]) {
        var touched: Set<String> = []
        for event in batch {
            if let id = state.apply(event) { touched.insert(id) }
        }
        reportSkips()
        let counts = state.counts
        publishedCounts.withLock { $0 = counts }
        let position = state.position
        if !positionWaiters.isEmpty {
            var waiting: [(UInt64, CheckedContinuation<Void, Never>)] = []
            for (target, continuation) in positionWaiters {
                if target <= position { continuation.resume() } else { waiting.append((target, continuation)) }
            }
            positionWaiters = waiting
        }
        guard caughtUp else { return }
        for id in touched {
            if state.active.contains(id), !workers.contains(id) {
                startWorker(id)
            } else {
                wake(id)
            }
        }
        if state.undecidedCount > 0 { decideClicks() }
    }

    /// Says which events the fold skipped and why: the first ten one by one, then a count — once
    /// when the fold has caught up with the log (not per batch of a catch-up: a long history could
    /// hold thousands), then at most once a minute.
    private func reportSkips() {
        guard state.skipCount > reportedSkips else { return }
        for (position, reason) in state.skips.suffix(min(state.skipCount - reportedSkips, state.skips.count))
        where reportedSkips < 10 {
            logger.warning("delivery saga: skipped the event at position \(position): \(reason)")
            reportedSkips += 1
        }
        let now = wall.now()
        guard caughtUp, state.skipCount > reportedSkips, lastSkipCountReport.map({ now - $0 >= 60_000 }) ?? true else {
            return
        }
        logger.warning("delivery saga: \(state.skipCount) events skipped so far (`clickunlock replay` shows why)")
        reportedSkips = state.skipCount
        lastSkipCountReport = now
    }

    /// A snapshot for status lines and tests.
    public var summary: (active: Int, undecided: Int, position: UInt64) {
        (state.active.count, state.undecidedCount, state.position)
    }

    /// The state as of the last batch folded, for a snapshot (a copy: the fold goes on).
    public var snapshotState: SagaState { state }

    /// Deliveries started, completed, failed and in flight, as of the last batch folded (for
    /// metrics; readable from any thread without waiting for the saga).
    public nonisolated var counts: DeliveryCounts { publishedCounts.withLock { $0 } }

    /// How many clicks, template messages and packs the fold remembers (bounded by its window).
    public var remembered: Int { state.rememberedCount }

    // MARK: clicks

    private func decideClicks() {
        guard !deciding, state.undecidedCount > 0, !stopping, let jobs else { return }
        let clicks = state.undecided
        let events = decider.decide(clicks, state: state, now: wall.now())
        guard !events.isEmpty else { return }
        deciding = true
        jobs.yield(.decide(clicks, events))
    }

    private func record(decisions events: [NewEvent], for clicks: [ButtonClicked]) async {
        if case .refused(let error) = await recordOutcome(events) {
            // The log can never take these decisions: forget the clicks rather than decide
            // them again forever (they stay in the log; a restart tries once more).
            logger.error(
                """
                delivery saga: \(clicks.count) click decisions cannot be stored (\(error.message)); \
                those clicks are left undecided until the next start
                """)
            state.abandon(clicks.map(\.wamid), at: wall.now())
        }
        deciding = false
        decideClicks()
    }

    // MARK: workers

    private func startWorker(_ id: String) {
        guard !workers.contains(id), !stopping, let jobs else { return }
        workers.insert(id)
        jobs.yield(.work(id))
    }

    private func work(_ id: String) async {
        defer { workers.remove(id) }
        while !Task.isCancelled, !stopping {
            let action = planner.next(
                state.deliveries[id], evidence: state.evidence, now: wall.now(),
                random: Double.random(in: 0..<1, using: &random))
            switch action {
            case .done:
                return
            case .wait(let until):
                await waitForChange(id, until: until)
            case .record(let planned):
                // Not recorded means the log closed: this worker is done.
                guard await record(planned.map { build($0, id) }) else { return }
            case .send(let step, let attempt):
                await send(id, step: step, attempt: attempt)
            }
        }
    }

    private func send(_ id: String, step index: Int, attempt: Int) async {
        guard let delivery = state.deliveries[id], delivery.items.indices.contains(index) else {
            await record([build(.failed(reason: "the delivery names no content for step \(index + 1)", error: nil), id)]
            )
            return
        }
        await throughput.acquire()
        if stopping || Task.isCancelled { return }
        let callback = CallbackData(deliveryId: id, step: index, attempt: attempt).text
        guard
            await record([
                DeliveryAttemptStarted(deliveryId: id, step: index, attempt: attempt, callbackData: callback).newEvent()
            ])
        else { return }
        let message = OutgoingMessage(
            phoneNumberId: delivery.started.phoneNumberId ?? settings.phoneNumberId, to: delivery.started.contact,
            body: .content(delivery.items[index]), callbackData: callback)
        let outcome = await sender.send(message)
        guard let step = state.deliveries[id]?.steps[index] else { return }
        let now = wall.now()
        let random = Double.random(in: 0..<1, using: &random)
        let planned: [PlannedEvent]
        switch outcome {
        case .accepted(let wamid):
            planned = [.stepSent(step: index, wamid: wamid, reconciled: false)]
        case .rejected(let error, _):
            planned = planner.failureEvents(index, step, error, now: now, random: random, fromStatus: false)
        case .notSent(let reason):
            planned = planner.failureEvents(
                index, step, MetaError(code: 1, title: "not sent", message: reason), now: now, random: random,
                fromStatus: false)
        case .unknown(let reason):
            planned = planner.failureEvents(
                index, step, MetaError(code: 131000, title: "outcome unknown", message: reason), now: now,
                random: random,
                fromStatus: false, outcomeUnknown: true)
        }
        await record(planned.map { build($0, id) })
    }

    private func build(_ planned: PlannedEvent, _ id: String) -> NewEvent {
        switch planned {
        case .stepSent(let step, let wamid, let reconciled):
            if reconciled {
                logger.notice(
                    "delivery \(id) step \(step + 1): reconciled from a status webhook (\(wamid)); not resent")
            }
            return DeliveryStepSent(deliveryId: id, step: step, wamid: wamid, reconciled: reconciled ? true : nil)
                .newEvent()
        case .stepFailed(let step, let error, let retryAt, let unknown, let fromStatus):
            return DeliveryStepFailed(
                deliveryId: id, step: step, error: error, retryable: retryAt != nil, nextAttemptAt: retryAt,
                outcomeUnknown: unknown ? true : nil, fromStatus: fromStatus ? true : nil
            ).newEvent()
        case .completed(let unconfirmed):
            return DeliveryCompleted(deliveryId: id, unconfirmedSteps: unconfirmed > 0 ? unconfirmed : nil).newEvent()
        case .failed(let reason, let error):
            logger.warning("delivery \(id) failed: \(reason)")
            return DeliveryFailed(deliveryId: id, reason: reason, error: error).newEvent()
        }
    }

    /// Appends `events` durably and waits until the fold has applied them. Retries while the log
    /// cannot take them (disk full); `false` when cancelled or closed, or when the log can never
    /// take them.
    @discardableResult
    private func record(_ events: [NewEvent]) async -> Bool {
        if case .recorded = await recordOutcome(events) { return true }
        return false
    }

    private enum RecordOutcome {
        case recorded
        /// Cancelled, or the log closed.
        case stopped
        /// The log can never take these events (too large, say): retrying would loop forever.
        case refused(EventLogError)
    }

    private func recordOutcome(_ events: [NewEvent]) async -> RecordOutcome {
        while !Task.isCancelled {
            do {
                let positions = try await log.append(events)
                if !stopping { await waitForPosition(positions.upperBound - 1) }
                return .recorded
            } catch {
                if error.code == .closed { return .stopped }
                if error.code == .invalidEvent {
                    logger.error("delivery saga: the log refuses its events: \(error.message)")
                    return .refused(error)
                }
                logger.error("delivery saga cannot record its events (\(error.code)); retrying in 1 s")
                try? await clock.sleep(for: .seconds(1))
            }
        }
        return .stopped
    }

    private func waitForPosition(_ position: UInt64) async {
        guard state.position < position, !stopping else { return }
        await withCheckedContinuation { positionWaiters.append((position, $0)) }
    }

    /// Waits until the delivery changes (`wake`), until `until` (log time) on the clock, or until
    /// the saga stops or is cancelled. The timer is a child task of this wait.
    private func waitForChange(_ id: String, until: Int64?) async {
        guard !Task.isCancelled, !stopping else { return }
        let wakeup = Wakeup()
        wakeups[id]?.resume()
        wakeups[id] = wakeup
        if let until {
            let delay = until - wall.now()
            let clock = self.clock
            await withDiscardingTaskGroup { group in
                group.addTask {
                    if delay > 0 { try? await clock.sleep(for: .milliseconds(delay)) }
                    wakeup.resume()
                }
                await wakeup.wait()
                group.cancelAll()
            }
        } else {
            await wakeup.wait()
        }
        if wakeups[id] === wakeup { wakeups[id] = nil }
    }

    private func wake(_ id: String) {
        wakeups.removeValue(forKey: id)?.resume()
    }
}
