import Synchronization

/// Concurrent deliveries of the same message: the second waits for the first one's outcome.
///
/// Without the wait, a request that found its key reserved by a concurrent one left the fact out
/// and was acknowledged; when the first one's append then failed (503, key released), the fact was
/// nowhere but in a raw body. Now it waits until the key is committed (a duplicate, left out) or
/// released (free: it reserves the key and stores the fact itself), for a bounded time.
///
/// Only requests that meet a key in flight take this path; a fresh key costs what it always did.
extension DedupeIndex {
    /// Like `reserve(_:now:)`, but a key in flight in a concurrent request is waited for until it
    /// is committed or released; `nil` when that takes longer than `timeout` (nothing is then
    /// reserved: answer 503 and let Meta redeliver).
    ///
    /// No deadlock: a request waits for one key at a time, the smallest of its keys in flight
    /// (`Key`'s order), and first releases the keys it reserved that come after it; so every chain
    /// of waiting requests waits for ever larger keys and ends at one that is appending.
    /// The timeout runs on `clock`.
    public func reserve<C: Clock<Duration>>(
        _ keys: [Key?], now: Int64, waitingUpTo timeout: Duration, clock: C = ContinuousClock()
    ) async -> [Bool]? {
        var inFlight: [Int] = []
        let fresh = reserve(keys, now: now, inFlight: &inFlight)
        guard !inFlight.isEmpty else { return fresh }
        var found = fresh.map { $0 ? Reservation.reserved : .settled }
        for index in inFlight { found[index] = .inFlight }
        let deadline = clock.now.advanced(by: timeout)
        while let waitFor = smallestInFlight(keys, found) {
            var retry = Set(found.indices.filter { found[$0] == .inFlight })
            for index in found.indices where found[index] == .reserved {
                guard let key = keys[index], key > waitFor else { continue }
                release([key])
                retry.insert(index)
            }
            guard await waitForOutcome(of: waitFor, until: deadline, clock: clock) else {
                let held = found.indices.filter { found[$0] == .reserved && !retry.contains($0) }
                release(held.compactMap { keys[$0] })
                return nil
            }
            for index in retry.sorted() {
                guard let key = keys[index] else { continue }
                switch reserveOne(key, now: now) {
                case .reserved: found[index] = .reserved
                case .seen: found[index] = .settled
                case .taken:
                    let mine = keys[..<index].indices.contains { keys[$0] == key && found[$0] == .reserved }
                    found[index] = mine ? .settled : .inFlight
                }
            }
        }
        return found.map { $0 == .reserved }
    }

    /// Where a key of a waiting request stands.
    enum Reservation: Equatable {
        /// Reserved by this request (a `nil` key too, which reserves nothing).
        case reserved
        /// In flight in a concurrent request.
        case inFlight
        /// Not to be stored by this request: seen in the log, or repeated in its keys.
        case settled
    }

    private func smallestInFlight(_ keys: [Key?], _ found: [Reservation]) -> Key? {
        found.indices.compactMap { found[$0] == .inFlight ? keys[$0] : nil }.min()
    }

    /// Waits until `key` is no longer reserved (committed or released); `false` at the deadline.
    /// Returns at once when it is not reserved now.
    func waitForOutcome<C: Clock<Duration>>(of key: Key, until deadline: C.Instant, clock: C) async -> Bool {
        let waiter = OutcomeWaiter()
        let registered = shard(key).state.withLock { state in
            guard state.reserved.contains(key) else { return false }
            state.waiters[key, default: []].append(waiter)
            return true
        }
        guard registered else { return true }
        let settled = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await clock.sleep(until: deadline, tolerance: nil)
                waiter.resume(settled: false)
            }
            let settled = await waiter.outcome()
            group.cancelAll()
            return settled
        }
        if !settled {
            shard(key).state.withLock { state in
                state.waiters[key]?.removeAll { $0 === waiter }
                if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
            }
        }
        return settled
    }
}

/// One request waiting for a key's outcome: resumed once, by the commit or release of the key or
/// by its deadline, whichever comes first (later calls do nothing).
final class OutcomeWaiter: Sendable {
    private struct State {
        var settled: Bool?
        var continuation: CheckedContinuation<Bool, Never>?
    }
    private let state = Mutex(State())

    /// `true`: the key was committed or released; `false`: the deadline passed first.
    func resume(settled: Bool) {
        let continuation = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard state.settled == nil else { return nil }
            state.settled = settled
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: settled)
    }

    func outcome() async -> Bool {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool? in
                if let settled = state.settled { return settled }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
