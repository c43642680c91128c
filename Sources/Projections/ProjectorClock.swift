import EventStore

/// The projector's time: an injected monotonic clock (burst yielding, rate windows, transaction
/// length) and the wall clock its lag is measured against (the log stamps events with wall time).
struct ProjectorClock: Sendable {
    /// Time on the monotonic clock since the projector was made.
    let elapsed: @Sendable () -> Duration
    let sleep: @Sendable (Duration) async throws -> Void
    let wall: WallClock

    init<C: Clock<Duration>>(_ clock: C, wall: WallClock) {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleep = { try await clock.sleep(for: $0) }
        self.wall = wall
    }
}
