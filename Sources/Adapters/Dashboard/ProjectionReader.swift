public import EventStore
public import GRDB
public import Projections

/// The dashboard's only way to the data: a read-only pool over the projections' file, one read
/// transaction per answer (so every table it reads shows the same position), and the freshness of
/// what it read: the position, from the same transaction, and the lag behind the log (its head,
/// held in memory by the log; the projector's progress, held in memory by the projector).
public struct ProjectionReader: Sendable {
    let pool: DatabasePool
    let progress: @Sendable () -> Projector.Progress
    let head: @Sendable () -> UInt64
    let wall: WallClock

    /// `pool`: `ProjectionDatabase.openReadOnlyPool`; `progress` and `head`: the projector's and
    /// the log's, from memory.
    public init(
        pool: DatabasePool, progress: @escaping @Sendable () -> Projector.Progress,
        head: @escaping @Sendable () -> UInt64, wall: WallClock = .system
    ) {
        self.pool = pool
        self.progress = progress
        self.head = head
        self.wall = wall
    }

    /// The service's: the projector's progress and the log's head.
    public init(pool: DatabasePool, projector: Projector, log: EventLog, wall: WallClock = .system) {
        self.init(pool: pool, progress: { projector.progress }, head: { log.lastPosition }, wall: wall)
    }

    /// Runs `body` in one read transaction; the position it saw with its result.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> (
        position: UInt64, value: T
    ) {
        try await pool.read { db in (try Self.position(db), try body(db)) }
    }

    /// The projections' position: the lowest checkpoint (every projection has applied up to it).
    public static func position(_ db: Database) throws -> UInt64 {
        UInt64(try Int64.fetchOne(db, sql: "SELECT MIN(checkpoint) FROM projection_state") ?? 0)
    }

    /// The envelope of an answer read at `position`, now.
    public func envelope(at position: UInt64) -> Envelope {
        let head = head()
        return Envelope(
            position: position, lagEvents: head > position ? head - position : 0,
            lagMs: progress().lagMilliseconds(at: position, head: head, now: wall.now()))
    }

    /// The position the projector has committed, from memory: what a cached answer or an `ETag`
    /// is compared with.
    var committedPosition: UInt64 { progress().position }
}
