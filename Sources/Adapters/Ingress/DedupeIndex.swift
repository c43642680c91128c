import Domain
public import EventStore
import MetaWebhook
import Synchronization

/// Which inbound messages (by wamid) and statuses (by wamid and status) are already in the log,
/// over a window (default 8 days: Meta redelivers for up to 7). Rebuilt from the log at start.
///
/// Keys are reserved before an append and committed or released after it, so two concurrent
/// deliveries of the same message yield one fact. A delivery that finds its key reserved by a
/// concurrent one waits for that one's outcome (`reserve(_:now:waitingUpTo:)`): if its append
/// failed, the key is free again and the fact is stored by the one that waited.
///
/// Every request goes through here, so no request may wait for the whole index: keys are kept as
/// 128-bit fingerprints (`Key`) in 64 shards, each with its own lock. Growing a hash table rehashes all
/// of it at once (400,000 string keys in one dictionary took ~95 ms, with every webhook waiting);
/// a shard holds 1/64 of the keys, and only requests whose keys fall in it wait.
public final class DedupeIndex: Sendable {
    static let hourMilliseconds: Int64 = 3_600_000
    static let shardCount = 64

    public let windowMilliseconds: Int64
    private let shards: [Shard]
    /// The last hour (of `time - window`, floored) whose expired keys were dropped from every
    /// shard: keys expire an hour at a time, so a sweep is due only when this hour moves on.
    private let sweptHour = Atomic<Int64>(.min)

    public init(
        windowMilliseconds: Int64 = IngressConfiguration.milliseconds(IngressConfiguration.defaultDedupeWindow)
    ) {
        self.windowMilliseconds = windowMilliseconds
        shards = (0..<Self.shardCount).map { _ in Shard() }
    }

    public var count: Int { shards.reduce(0) { total, shard in total + shard.state.withLock { $0.seen.count } } }

    /// Requests waiting now for a concurrent one's outcome (see `reserve(_:now:waitingUpTo:)`).
    public var waitingRequests: Int {
        shards.reduce(0) { total, shard in
            total + shard.state.withLock { $0.waiters.values.reduce(0) { $0 + $1.count } }
        }
    }

    /// Loads the keys of the facts recorded in the window before `now` (ms).
    public func load(from log: EventLog, now: Int64) throws(EventLogError) {
        var iterator = log.events(since: now - windowMilliseconds).makeAsyncIterator()
        while let batch = try iterator.nextBatch() {
            for event in batch {
                guard let name = Self.key(of: event) else { continue }
                let key = Key(name)
                shard(key).state.withLock { $0.remember(key, at: event.timestamp) }
            }
        }
    }

    /// The dedupe key of a recorded fact, if it has one (`DedupeKey`, as the parser keys it).
    public static func key(of event: RecordedEvent) -> String? { DedupeKey.of(DomainFact(event)) }

    /// For each key: `true` when it is new (and now reserved), `false` when seen, reserved by a
    /// concurrent request, or repeated earlier in `keys`. `nil` keys are always new.
    public func reserve(_ keys: [Key?], now: Int64) -> [Bool] {
        var inFlight: [Int] = []
        return reserve(keys, now: now, inFlight: &inFlight)
    }

    /// `reserve(_:now:)`, noting the indices of keys reserved by a concurrent request (not merely
    /// repeated in `keys`). A new key costs what it always did: one lookup and one insert under its
    /// shard's lock; the rest is done only when the insert finds the key taken.
    func reserve(_ keys: [Key?], now: Int64, inFlight: inout [Int]) -> [Bool] {
        keys.indices.map { index in
            guard let key = keys[index] else { return true }
            switch reserveOne(key, now: now) {
            case .reserved: return true
            case .seen: return false
            case .taken:
                if !keys[..<index].contains(key) { inFlight.append(index) }
                return false
            }
        }
    }

    enum Attempt { case reserved, seen, taken }

    func reserveOne(_ key: Key, now: Int64) -> Attempt {
        shard(key).state.withLock { state in
            if let seenAt = state.seen[key], now - seenAt < windowMilliseconds { return .seen }
            return state.reserved.insert(key).inserted ? .reserved : .taken
        }
    }

    /// The reserved keys are now in the log.
    public func commit(_ keys: [Key], at time: Int64) {
        for key in keys {
            let woken = shard(key).state.withLock { state in
                state.reserved.remove(key)
                state.remember(key, at: time)
                return state.takeWaiters(of: key)
            }
            for waiter in woken { waiter.resume(settled: true) }
        }
        expireIfDue(before: time - windowMilliseconds)
    }

    /// Drops, shard by shard, the hours wholly before `cutoff`, once per hour of `cutoff`.
    private func expireIfDue(before cutoff: Int64) {
        let hour = cutoff >= 0 ? cutoff / Self.hourMilliseconds : (cutoff + 1) / Self.hourMilliseconds - 1
        var swept = sweptHour.load(ordering: .relaxed)
        while hour > swept {
            let (exchanged, current) = sweptHour.compareExchange(expected: swept, desired: hour, ordering: .relaxed)
            if exchanged {
                for shard in shards { shard.state.withLock { $0.expire(before: cutoff) } }
                return
            }
            swept = current
        }
    }

    /// The append failed: the keys are free again (Meta will redeliver; a request waiting for one
    /// of them reserves it itself).
    public func release(_ keys: [Key]) {
        for key in keys {
            let woken = shard(key).state.withLock { state in
                state.reserved.remove(key)
                return state.takeWaiters(of: key)
            }
            for waiter in woken { waiter.resume(settled: true) }
        }
    }

    func shard(_ key: Key) -> Shard {
        shards[Int(truncatingIfNeeded: key.low) & (Self.shardCount - 1)]
    }

    final class Shard: Sendable {
        let state = Mutex(State())
    }

    struct State {
        var seen: [Key: Int64] = [:]
        var reserved: Set<Key> = []
        /// Requests waiting for the outcome of a reserved key; empty but for concurrent duplicates.
        var waiters: [Key: [OutcomeWaiter]] = [:]

        /// The waiters of `key`, removed (checked only when some request waits at all).
        mutating func takeWaiters(of key: Key) -> [OutcomeWaiter] {
            guard !waiters.isEmpty else { return [] }
            return waiters.removeValue(forKey: key) ?? []
        }
        /// Keys by the hour they were committed in, oldest first: expiry drops whole hours, so
        /// no request ever waits for a sweep of the whole shard.
        var hours: [(hour: Int64, keys: [Key])] = []

        mutating func remember(_ key: Key, at time: Int64) {
            seen[key] = time
            let hour = time / DedupeIndex.hourMilliseconds
            if let last = hours.last, last.hour >= hour {
                hours[hours.count - 1].keys.append(key)
            } else {
                hours.append((hour, [key]))
            }
        }

        /// Forgets the hours wholly before `cutoff`, except keys seen again since.
        mutating func expire(before cutoff: Int64) {
            while let oldest = hours.first, (oldest.hour + 1) * DedupeIndex.hourMilliseconds <= cutoff {
                for key in oldest.keys where seen[key].map({ $0 < cutoff }) == true { seen[key] = nil }
                hours.removeFirst()  // a window's worth of hours: a few hundred at most
            }
        }
    }

    /// A key (`message:<wamid>`, `status:<wamid>:<status>`) as two independent 64-bit hashes
    /// (process-seeded SipHash with two salts): 16 bytes instead of a ~60-character string, cheap
    /// to rehash, hashed once per request. Two keys collide with odds of about 2⁻¹²⁸ per pair;
    /// the index is rebuilt from the log at each start, so the seed may change.
    public struct Key: Hashable, Sendable, Comparable, ExpressibleByStringLiteral {
        let high: UInt64
        let low: UInt64

        /// An arbitrary but fixed order, in which concurrent requests wait for keys (see
        /// `reserve(_:now:waitingUpTo:)`).
        public static func < (left: Key, right: Key) -> Bool {
            (left.high, left.low) < (right.high, right.low)
        }

        public init(_ key: String) {
            var first = Hasher()
            first.combine(0 as UInt8)
            first.combine(key)
            var second = Hasher()
            second.combine(1 as UInt8)
            second.combine(key)
            high = UInt64(bitPattern: Int64(first.finalize()))
            low = UInt64(bitPattern: Int64(second.finalize()))
        }

        public init(stringLiteral key: String) { self.init(key) }

        public func hash(into hasher: inout Hasher) { hasher.combine(high) }
    }
}
