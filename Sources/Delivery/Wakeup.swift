import Synchronization

/// One wait of a saga worker: resumed once, by a change to its delivery, by its timer or by
/// cancellation, whichever comes first (later calls do nothing). Resumable from any context,
/// so a cancellation handler or a timer needs no hop onto the saga's actor.
final class Wakeup: Sendable {
    private struct State {
        var woken = false
        var continuation: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func resume() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.woken else { return nil }
            state.woken = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
    }

    /// Returns once `resume()` was called, or when the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let woken = state.withLock { state -> Bool in
                    if state.woken { return true }
                    state.continuation = continuation
                    return false
                }
                if woken { continuation.resume() }
            }
        } onCancel: {
            resume()
        }
    }
}
