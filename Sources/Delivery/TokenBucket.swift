import Foundation

/// A token bucket: `rate` sends per second with bursts up to `burst`. `acquire` waits for a
/// token; callers are served in arrival order. A rate of 0 or less lifts the limit.
public actor TokenBucket {
    private let rate: Double
    private let burst: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant
    /// The time the last granted token becomes available (serialises waiters).
    private var nextFree: ContinuousClock.Instant

    public init(rate: Double, burst: Double? = nil) {
        self.rate = rate
        self.burst = max(1, burst ?? rate)
        self.tokens = max(1, burst ?? rate)
        self.updated = .now
        self.nextFree = .now
    }

    public func acquire() async {
        guard rate > 0 else { return }
        let now = ContinuousClock.now
        refill(now)
        if tokens >= 1, nextFree <= now {
            tokens -= 1
            return
        }
        // Reserve the next slot and sleep until it.
        let start = max(nextFree, now)
        let slot = start.advanced(by: .nanoseconds(Int64(1e9 / rate)))
        nextFree = slot
        tokens = 0
        updated = slot
        try? await Task.sleep(until: slot, clock: .continuous)
    }

    private func refill(_ now: ContinuousClock.Instant) {
        guard now > updated else { return }
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * rate)
        updated = now
    }
}
