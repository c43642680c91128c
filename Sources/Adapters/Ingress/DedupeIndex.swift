import Domain
public import EventStore
import Synchronization

/// Which inbound messages (by wamid) and statuses (by wamid and status) are already in the log,
/// over a window (default 8 days: Meta redelivers for up to 7). Rebuilt from the log at start.
///
/// Keys are reserved before an append and committed or released after it, so two concurrent
/// deliveries of the same message yield one fact.
public final class DedupeIndex: Sendable {
    private struct State {
        var seen: [String: Int64] = [:]
        var reserved: Set<String> = []
        /// Keys by the hour they were committed in, oldest first: expiry drops whole hours, so
        /// no request ever waits for a sweep of the whole index.
        var hours: [(hour: Int64, keys: [String])] = []

        mutating func remember(_ key: String, at time: Int64) {
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

    static let hourMilliseconds: Int64 = 3_600_000

    public let windowMilliseconds: Int64
    private let state = Mutex(State())

    public init(windowMilliseconds: Int64 = 8 * 24 * 3600 * 1000) {
        self.windowMilliseconds = windowMilliseconds
    }

    public var count: Int { state.withLock { $0.seen.count } }

    /// Loads the keys of the facts recorded in the window before `now` (ms).
    public func load(from log: EventLog, now: Int64) throws(EventLogError) {
        var iterator = log.events(since: now - windowMilliseconds).makeAsyncIterator()
        while let batch = try iterator.nextBatch() {
            state.withLock { state in
                for event in batch {
                    if let key = Self.key(of: event) { state.remember(key, at: event.timestamp) }
                }
            }
        }
    }

    /// The dedupe key of a recorded fact, if it has one.
    public static func key(of event: RecordedEvent) -> String? {
        switch DomainFact(event) {
        case .buttonClicked(let click): return "message:\(click.wamid)"
        case .messageReceived(let message): return "message:\(message.wamid)"
        case .statusUpdated(let status): return "status:\(status.wamid):\(status.status)"
        default: return nil
        }
    }

    /// For each key: `true` when it is new (and now reserved), `false` when seen, reserved by a
    /// concurrent request, or repeated earlier in `keys`. `nil` keys are always new.
    public func reserve(_ keys: [String?], now: Int64) -> [Bool] {
        state.withLock { state in
            keys.map { key in
                guard let key else { return true }
                if let seenAt = state.seen[key], now - seenAt < windowMilliseconds { return false }
                return state.reserved.insert(key).inserted
            }
        }
    }

    /// The reserved keys are now in the log.
    public func commit(_ keys: [String], at time: Int64) {
        state.withLock { state in
            for key in keys {
                state.reserved.remove(key)
                state.remember(key, at: time)
            }
            state.expire(before: time - windowMilliseconds)
        }
    }

    /// The append failed: the keys are free again (Meta will redeliver).
    public func release(_ keys: [String]) {
        state.withLock { state in for key in keys { state.reserved.remove(key) } }
    }
}
