import NIOCore
import Synchronization

/// Waits for an `EventLoopFuture` from a task that can be cancelled: `get()` cannot, and the feed
/// cancels writes blocked on a client that reads nothing, and waits for clients that never leave.
enum FutureWait {
    /// The future's value; `CancellationError` as soon as the task is cancelled.
    static func value<Value: Sendable>(_ future: EventLoopFuture<Value>) async throws -> Value {
        let once = Once<Value>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                once.set(continuation)
                future.whenComplete { once.resume(with: $0) }
            }
        } onCancel: {
            once.resume(with: .failure(CancellationError()))
        }
    }

    /// A continuation resumed once, by whichever comes first (even before it is set).
    private final class Once<Value: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Value, any Error>?
            var result: Result<Value, any Error>?
        }
        private let state = Mutex(State())

        func set(_ continuation: CheckedContinuation<Value, any Error>) {
            let early = state.withLock { state -> Result<Value, any Error>? in
                if let result = state.result { return result }
                state.continuation = continuation
                return nil
            }
            if let early { continuation.resume(with: early) }
        }

        func resume(with result: Result<Value, any Error>) {
            let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>? in
                guard state.result == nil else { return nil }
                state.result = result
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(with: result)
        }
    }
}
