import Synchronization

/// Wakes tail readers when the committed position moves, without polling.
final class CommitNotifier: Sendable {
    private struct Waiter {
        var beyond: UInt64
        var continuation: UnsafeContinuation<Bool, Never>?
        var cancelled = false
    }

    private struct State {
        var committed: UInt64
        var closed = false
        var nextID = 0
        var waiters: [Int: Waiter] = [:]
    }

    private let state: Mutex<State>

    init(committed: UInt64) {
        state = Mutex(State(committed: committed))
    }

    var committed: UInt64 { state.withLock { $0.committed } }

    /// Returns `true` once the committed position is beyond `position`; `false` when the log
    /// closes or the task is cancelled first.
    func wait(beyond position: UInt64) async -> Bool {
        let id: Int? = state.withLock { state in
            if state.committed > position || state.closed { return nil }
            state.nextID += 1
            state.waiters[state.nextID] = Waiter(beyond: position)
            return state.nextID
        }
        guard let id else { return state.withLock { $0.committed > position } }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                let resumeNow: Bool? = state.withLock { state in
                    guard var waiter = state.waiters[id] else { return false }
                    if waiter.cancelled || state.closed {
                        state.waiters[id] = nil
                        return false
                    }
                    if state.committed > position {
                        state.waiters[id] = nil
                        return true
                    }
                    waiter.continuation = continuation
                    state.waiters[id] = waiter
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
        } onCancel: {
            let continuation: UnsafeContinuation<Bool, Never>? = state.withLock { state in
                guard var waiter = state.waiters[id] else { return nil }
                if let continuation = waiter.continuation {
                    state.waiters[id] = nil
                    return continuation
                }
                waiter.cancelled = true
                state.waiters[id] = waiter
                return nil
            }
            continuation?.resume(returning: false)
        }
    }

    func advance(to committed: UInt64) {
        let ready: [UnsafeContinuation<Bool, Never>] = state.withLock { state in
            state.committed = committed
            guard !state.waiters.isEmpty else { return [] }
            var ready: [UnsafeContinuation<Bool, Never>] = []
            for (id, waiter) in state.waiters where waiter.beyond < committed {
                if let continuation = waiter.continuation {
                    ready.append(continuation)
                    state.waiters[id] = nil
                }
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    func close() {
        let all: [UnsafeContinuation<Bool, Never>] = state.withLock { state in
            state.closed = true
            let all = state.waiters.values.compactMap(\.continuation)
            state.waiters.removeAll()
            return all
        }
        for continuation in all { continuation.resume(returning: false) }
    }
}
