import Synchronization

/// Slows down token guessing: each remote address may present a wrong token `failuresPerMinute`
/// times a minute (a bucket refilled continuously); past that its wrong tokens are answered 429
/// with the seconds to wait. The right token is never asked about here, so it is never refused,
/// whatever an address (or someone sharing it) did before.
///
/// The table holds at most `maxAddresses`; when it is full, buckets that have refilled are dropped,
/// else the one idle the longest, so a flood of addresses costs bounded memory.
final class FailedTokenThrottle: Sendable {
    struct Configuration: Sendable {
        var failuresPerMinute = 10
        var maxAddresses = 4096
    }

    private struct Bucket {
        var tokens: Double
        var updated: Duration
    }

    private let configuration: Configuration
    private let elapsed: @Sendable () -> Duration
    private let buckets = Mutex<[String: Bucket]>([:])

    /// `elapsed`: a monotonic time (tests pass a manual one).
    init(_ configuration: Configuration = .init(), elapsed: (@Sendable () -> Duration)? = nil) {
        self.configuration = configuration
        if let elapsed {
            self.elapsed = elapsed
        } else {
            let clock = ContinuousClock()
            let start = clock.now
            self.elapsed = { clock.now - start }
        }
    }

    private var perSecond: Double { Double(configuration.failuresPerMinute) / 60 }

    /// Records a wrong token from `address`: `nil` when it is within the budget (answer 401), else
    /// the whole seconds until it may try again (answer 429 with `Retry-After`).
    func failure(from address: String) -> Int? {
        let now = elapsed()
        let capacity = Double(configuration.failuresPerMinute)
        let rate = perSecond
        return buckets.withLock { buckets in
            var bucket = buckets[address] ?? Bucket(tokens: capacity, updated: now)
            if buckets[address] == nil, buckets.count >= configuration.maxAddresses {
                evict(&buckets, now: now)
            }
            bucket.tokens = min(capacity, bucket.tokens + Self.seconds(now - bucket.updated) * rate)
            bucket.updated = now
            defer { buckets[address] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    /// Addresses being tracked (for tests of the bound).
    var trackedAddresses: Int { buckets.withLock { $0.count } }

    private func evict(_ buckets: inout [String: Bucket], now: Duration) {
        let refill = Double(configuration.failuresPerMinute) / perSecond
        buckets = buckets.filter { Self.seconds(now - $0.value.updated) < refill }
        if buckets.count >= configuration.maxAddresses,
            let oldest = buckets.min(by: { $0.value.updated < $1.value.updated })
        {
            buckets[oldest.key] = nil
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
