/// A token bucket: `rate` sends per second with bursts up to `burst`. `acquire` waits for a
/// token on the injected clock; callers are served in arrival order. A rate of 0 or less lifts
/// the limit.
public actor TokenBucket {
    private let rate: Double
    private let burst: Double
    /// The clock's time since the bucket was made (instants of any clock, as durations).
    private let elapsed: @Sendable () -> Duration
    private let sleep: @Sendable (_ until: Duration) async throws -> Void
    private var tokens: Double
    private var updated: Duration = .zero
    /// The time the last granted token becomes available (serialises waiters).
    private var nextFree: Duration = .zero

    public init<C: Clock<Duration>>(rate: Double, burst: Double? = nil, clock: C) {
        self.rate = rate
        self.burst = max(1, burst ?? rate)
        self.tokens = max(1, burst ?? rate)
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleep = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
    }

    /// A bucket on the continuous clock.
    public init(rate: Double, burst: Double? = nil) {
        self.init(rate: rate, burst: burst, clock: ContinuousClock())
    }

    /// Takes a token, waiting for it when the bucket is empty (or returning when cancelled).
    public func acquire() async {
        guard rate > 0 else { return }
        let now = elapsed()
        refill(now)
        if tokens >= 1, nextFree <= now {
            tokens -= 1
            return
        }
        // Reserve the next slot and sleep until it.
        let slot = max(nextFree, now) + .nanoseconds(Int64(1e9 / rate))
        nextFree = slot
        tokens = 0
        updated = slot
        try? await sleep(slot)
    }

    private func refill(_ now: Duration) {
        guard now > updated else { return }
        let seconds = (now - updated) / .seconds(1)
        tokens = min(burst, tokens + seconds * rate)
        updated = now
    }
}
