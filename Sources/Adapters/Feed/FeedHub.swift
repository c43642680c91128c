import Domain
public import EventStore
public import GRDB
public import Logging
import Projections
public import ServiceLifecycle
import Synchronization

/// The live feed's centre: after each projector commit it reads the recent-events projection's
/// new rows once, encodes each event once, keeps the newest as the window clients resume from,
/// and offers them to every client's bounded queue. Nothing per client reads the database, and
/// nothing a client does (reading slowly, or not at all) slows the hub or the other clients.
///
/// A `Service`: `run()` follows commits, sends `stats` (at most once a second, when changed) and
/// heartbeats; at graceful shutdown it ends every client (closed with 1001) and waits for them.
public final class FeedHub: Service, Sendable {
    public struct Configuration: Sendable {
        /// How many events clients can resume from: what the recent-events projection keeps.
        public var windowSize = ProjectionSettings().recentEventsLimit
        /// Each client's queue: most frames and bytes waiting; past either it is a slow consumer.
        public var queueFrames = 2048
        public var queueBytes = 2 << 20
        /// Most clients at once; past it new ones are refused (503).
        public var maxClients = 10_000
        /// How often a `heartbeat` frame goes to every client.
        public var heartbeat: Duration = .seconds(15)
        /// A WebSocket client answering no ping for this long is closed (pings go at half of it).
        public var pingTimeout: Duration = .seconds(45)
        /// How often the realtime figures are read for `stats` frames.
        public var statsInterval: Duration = .seconds(1)
        public init() {}
    }

    /// What health (`"feed"`) and `/metrics` show of the feed.
    public struct Figures: Sendable, Equatable, Encodable {
        public var websocketClients = 0
        public var sseClients = 0
        public var slowConsumerCloses = 0
        public var framesSent = 0
        public var refused = 0
        /// The last position published, and the oldest a client can resume after.
        public var position: UInt64 = 0
        public var oldest: UInt64 = 1
        public var clients: Int { websocketClients + sseClients }

        enum CodingKeys: String, CodingKey {
            case clients, refused, position, oldest
            case websocketClients = "websocket_clients", sseClients = "sse_clients"
            case slowConsumerCloses = "slow_consumer_closes", framesSent = "frames_sent"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(clients, forKey: .clients)
            try c.encode(websocketClients, forKey: .websocketClients)
            try c.encode(sseClients, forKey: .sseClients)
            try c.encode(slowConsumerCloses, forKey: .slowConsumerCloses)
            try c.encode(framesSent, forKey: .framesSent)
            try c.encode(refused, forKey: .refused)
            try c.encode(position, forKey: .position)
            try c.encode(oldest, forKey: .oldest)
        }
    }

    /// Why a client is not taken.
    enum Refusal: Error, Equatable {
        case capacity(Int)
        case stopping
    }

    /// A new client: the frames it gets first (`hello`, a `reset` or the events it missed, the last
    /// `stats`), then its queue.
    struct Subscription: Sendable {
        let client: FeedClient
        let first: [FeedFrame]
        /// Where it starts: events after this position follow.
        let start: UInt64
    }

    public let configuration: Configuration
    private let pool: DatabasePool
    private let wall: WallClock
    private let logger: Logger
    private let state: Mutex<State>
    private let framesSent = Atomic<Int>(0)
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    private struct State {
        var window: FeedWindow
        var position: UInt64
        var clients: [Int: FeedClient] = [:]
        var nextID = 0
        var slowConsumerCloses = 0
        var refused = 0
        var stopping = false
        var lastStats: Rates?
        var statsFrame: FeedFrame?
    }

    /// Reads the events the projection keeps now (the window) from `pool`, the projections'
    /// read-only connections.
    public init(pool: DatabasePool, configuration: Configuration = .init(), wall: WallClock = .system, logger: Logger)
        throws
    {
        self.pool = pool
        self.configuration = configuration
        self.wall = wall
        self.logger = logger
        var window = FeedWindow(capacity: configuration.windowSize)
        let events = try pool.read { db in try Dashboard.eventsAfter(db, position: 0) }
        for event in events.suffix(window.capacity) { window.append(try FeedFrame.event(event)) }
        state = Mutex(State(window: window, position: events.last?.position ?? 0))
        (signals, signal) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The projector committed (`Projector.Configuration.onCommit`): the hub reads the new rows.
    public func committed(_ position: UInt64) { signal.yield() }

    public var figures: Figures {
        state.withLock { state in
            var figures = Figures(
                slowConsumerCloses: state.slowConsumerCloses, framesSent: framesSent.load(ordering: .relaxed),
                refused: state.refused, position: state.position,
                oldest: state.window.oldest ?? state.position + 1)
            for client in state.clients.values {
                if client.transport == .websocket { figures.websocketClients += 1 } else { figures.sseClients += 1 }
            }
            return figures
        }
    }

    // MARK: Clients

    /// Whether a new client would be taken now (checked before an upgrade); a refusal is counted.
    func takesAnother() -> Bool {
        state.withLock { state in
            if state.stopping { return false }
            guard state.clients.count < configuration.maxClients else {
                state.refused += 1
                return false
            }
            return true
        }
    }

    /// Takes a client: what it asked to resume from decides its first frames.
    func subscribe(_ request: FeedRequest, transport: FeedClient.Transport) throws -> Subscription {
        let limits = FeedClient.Limits(frames: configuration.queueFrames, bytes: configuration.queueBytes)
        let heartbeat = Int(configuration.heartbeat / .seconds(1))
        return try state.withLock { state in
            if state.stopping { throw Refusal.stopping }
            guard state.clients.count < configuration.maxClients else {
                state.refused += 1
                throw Refusal.capacity(configuration.maxClients)
            }
            let oldest = state.window.oldest ?? state.position + 1
            var first = [
                FeedFrame.hello(
                    position: state.position, oldest: oldest, heartbeatSeconds: heartbeat, from: request.from)
            ]
            var start = state.position
            if let from = request.from {
                if from > state.position {
                    first.append(
                        try FeedFrame.reset(
                            oldest: oldest, position: state.position,
                            reason: "position \(from) is ahead of the feed (at \(state.position)): the projections "
                                + "were rebuilt or restored; reload through the REST API"))
                } else if from + 1 < oldest {
                    start = oldest - 1
                    first.append(
                        try FeedFrame.reset(
                            oldest: oldest, position: start,
                            reason: "events after \(from) are no longer kept (the feed keeps \(oldest) and later, "
                                + "--recent-events); reload through the REST API"))
                    first += state.window.after(start).filter(request.filter.admits)
                } else {
                    start = from
                    first += state.window.after(from).filter(request.filter.admits)
                }
            }
            if let stats = state.statsFrame { first.append(stats) }
            state.nextID += 1
            let client = FeedClient(id: state.nextID, filter: request.filter, transport: transport, limits: limits)
            state.clients[client.id] = client
            return Subscription(client: client, first: first, start: start)
        }
    }

    /// The client left (or was ended): it is forgotten.
    func unsubscribe(_ client: FeedClient) {
        _ = state.withLock { $0.clients.removeValue(forKey: client.id) }
    }

    /// Counts frames written to clients.
    func sent(_ frames: Int) { framesSent.add(frames, ordering: .relaxed) }

    // MARK: Publishing

    /// Reads the events committed since the last call and offers them to every client.
    func publish() async throws {
        let after = state.withLock { $0.position }
        let events = try await pool.read { db in try Dashboard.eventsAfter(db, position: after) }
        guard let newest = events.last else { return }
        let frames = try events.map(FeedFrame.event)
        var gap: FeedFrame?
        if events[0].position > after + 1 {
            // More events were committed at once than the projection keeps: the ones between were
            // never read. Every client is told, and resumes through the REST API.
            gap = try FeedFrame.reset(
                oldest: events[0].position, position: events[0].position - 1,
                reason: "events \(after + 1) to \(events[0].position - 1) were committed faster than the feed keeps "
                    + "them (--recent-events); reload through the REST API")
            let warning =
                "live feed: events \(after + 1)–\(events[0].position - 1) went by unread (a commit larger than "
                + "--recent-events \(configuration.windowSize)); clients were sent a reset"
            logger.warning("\(warning)")
        }
        state.withLock { state in
            guard state.position == after else { return }  // one publisher at a time; never the case
            if gap != nil { state.window.removeAll() }
            for frame in frames { state.window.append(frame) }
            state.position = newest.position
            Self.offer(gap.map { [$0] + frames } ?? frames, to: &state)
        }
    }

    /// Sends the realtime last minute when it changed since the last `stats` frame.
    func publishStats() async throws {
        guard state.withLock({ !$0.clients.isEmpty || $0.statsFrame == nil }) else { return }
        let now = wall.now()
        let rates = try await pool.read { db in try Dashboard.realtime(db, now: now).windows.oneMinute }
        let position = state.withLock { $0.position }
        let frame = try FeedFrame.stats(position: position, now: now, oneMinute: rates)
        state.withLock { state in
            guard rates != state.lastStats else { return }
            state.lastStats = rates
            state.statsFrame = frame
            Self.offer([frame], to: &state)
        }
    }

    /// Sends a heartbeat to every client.
    func publishHeartbeat() throws {
        let position = state.withLock { $0.position }
        let frame = try FeedFrame.heartbeat(position: position, now: wall.now())
        state.withLock { state in Self.offer([frame], to: &state) }
    }

    private static func offer(_ frames: [FeedFrame], to state: inout State) {
        var slow: [Int] = []
        for (id, client) in state.clients where !client.offer(frames) { slow.append(id) }
        for id in slow { state.clients[id] = nil }
        state.slowConsumerCloses += slow.count
    }

    // MARK: Running

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await self.follow() }
                    group.addTask { try await self.tick() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {}
        await stop()
    }

    private func follow() async {
        for await _ in signals {
            do {
                try await publish()
            } catch is CancellationError {
                return
            } catch {
                logger.error(
                    "live feed: reading the new events failed (\(type(of: error))); retrying at the next commit")
            }
        }
    }

    private func tick() async throws {
        let clock = ContinuousClock()
        var nextHeartbeat = clock.now + configuration.heartbeat
        while true {
            try await clock.sleep(for: configuration.statsInterval)
            do {
                try await publishStats()
                if clock.now >= nextHeartbeat {
                    nextHeartbeat = clock.now + configuration.heartbeat
                    try publishHeartbeat()
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("live feed: reading the realtime figures failed (\(type(of: error)))")
            }
        }
    }

    /// Ends every client (they close with 1001) and waits up to 3 s for them to go.
    func stop() async {
        let clients = state.withLock { state in
            state.stopping = true
            return Array(state.clients.values)
        }
        for client in clients { client.end(.shutdown) }
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline, state.withLock({ !$0.clients.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        signal.finish()
    }
}
