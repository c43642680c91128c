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
    /// The SipHash key of this index's fingerprints (random per process, or a snapshot's).
    public let hashKey: HashKey
    let shards: [Shard]
    /// The last hour (of `time - window`, floored) whose expired keys were dropped from every
    /// shard: keys expire an hour at a time, so a sweep is due only when this hour moves on.
    private let sweptHour = Atomic<Int64>(.min)

    public init(
        windowMilliseconds: Int64 = IngressConfiguration.milliseconds(IngressConfiguration.defaultDedupeWindow),
        hashKey: HashKey = .process
    ) {
        self.windowMilliseconds = windowMilliseconds
        self.hashKey = hashKey
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
        try fold(log.events(since: now - windowMilliseconds))
    }

    /// Remembers the keys of `events` (up to `position`, when given).
    public func fold(_ events: LogEvents, upTo position: UInt64 = .max) throws(EventLogError) {
        var iterator = events.makeAsyncIterator()
        while let batch = try iterator.nextBatch() {
            for event in batch {
                if event.position > position { return }
                guard let name = Self.key(of: event) else { continue }
                remember(key(name), at: event.timestamp)
            }
        }
    }

    func remember(_ key: Key, at time: Int64) {
        shard(key).state.withLock { $0.remember(key, at: time) }
    }

    /// The fingerprint of a key string under this index's hash key.
    public func key(_ name: String) -> Key { Key(name, hashKey: hashKey) }

    /// The dedupe key of a recorded fact, if it has one (`DedupeKey`, as the parser keys it).
    public static func key(of event: RecordedEvent) -> String? { DedupeKey.of(event) }

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

    func shard(_ key: Key) -> Shard { shards[Self.shardIndex(of: key)] }

    /// Which of the shards holds `key`.
    static func shardIndex(of key: Key) -> Int { Int(truncatingIfNeeded: key.low) & (shardCount - 1) }

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

    /// Two 128-bit SipHash-2-4 keys (one per half of a fingerprint).
    public struct HashKey: Sendable, Equatable {
        public let words: (UInt64, UInt64, UInt64, UInt64)

        public init(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) { words = (a, b, c, d) }

        public static func random() -> HashKey {
            var generator = SystemRandomNumberGenerator()
            return HashKey(generator.next(), generator.next(), generator.next(), generator.next())
        }

        /// This process's key, for indexes not restored from a snapshot.
        public static let process = random()

        public static func == (left: HashKey, right: HashKey) -> Bool { left.words == right.words }
    }

    /// A key (`message:<wamid>`, `status:<wamid>:<status>`) as two independent 64-bit hashes
    /// (SipHash-2-4 under two keys, see `HashKey`): 16 bytes instead of a ~60-character string,
    /// cheap to rehash, hashed once per request. Two keys collide with odds of about 2⁻¹²⁸ per
    /// pair. The hash key is random per index and kept in its snapshots, so a restored index
    /// fingerprints as the one that was saved.
    public struct Key: Hashable, Sendable, Comparable, ExpressibleByStringLiteral {
        let high: UInt64
        let low: UInt64

        /// An arbitrary but fixed order, in which concurrent requests wait for keys (see
        /// `reserve(_:now:waitingUpTo:)`).
        public static func < (left: Key, right: Key) -> Bool {
            (left.high, left.low) < (right.high, right.low)
        }

        /// The key under this process's hash key (`HashKey.process`).
        public init(_ key: String) { self.init(key, hashKey: .process) }

        public init(_ key: String, hashKey: HashKey) {
            high = SipHash24.hash(key, k0: hashKey.words.0, k1: hashKey.words.1)
            low = SipHash24.hash(key, k0: hashKey.words.2, k1: hashKey.words.3)
        }

        public init(high: UInt64, low: UInt64) {
            self.high = high
            self.low = low
        }

        public init(stringLiteral key: String) { self.init(key) }

        public func hash(into hasher: inout Hasher) { hasher.combine(high) }
    }
}
