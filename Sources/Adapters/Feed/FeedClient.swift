import Synchronization

/// One connected client of the live feed: the frames waiting for it, bounded in number and bytes.
/// The hub offers frames without ever waiting; a client whose queue would overflow is ended as a
/// slow consumer (it reconnects and resumes) instead of slowing the hub or anyone else.
final class FeedClient: Sendable {
    enum Transport: String, Sendable {
        case websocket, sse
    }

    /// Why the server ends a client.
    enum End: Sendable, Equatable {
        /// Its queue overflowed: closed with 4008.
        case slowConsumer
        /// The service is stopping: closed with 1001.
        case shutdown
    }

    struct Limits: Sendable {
        var frames: Int
        var bytes: Int
    }

    let id: Int
    let filter: FeedFilter
    let transport: Transport
    private let limits: Limits
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var queue: [FeedFrame] = []
        var bytes = 0
        var end: End?
        var waiter: CheckedContinuation<Void, Never>?
        var endWaiter: CheckedContinuation<Void, Never>?
    }

    init(id: Int, filter: FeedFilter, transport: Transport, limits: Limits) {
        self.id = id
        self.filter = filter
        self.transport = transport
        self.limits = limits
    }

    /// Queues the frames this client's filter admits. Returns `false` when they do not fit: the
    /// client is then ended as a slow consumer and its queue dropped.
    func offer(_ frames: some Sequence<FeedFrame>) -> Bool {
        let filter = filter
        let (fits, wake) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
            guard state.end == nil else { return (true, []) }
            for frame in frames where filter.admits(frame) {
                state.queue.append(frame)
                state.bytes += frame.bytes
            }
            if state.queue.count > limits.frames || state.bytes > limits.bytes {
                return (false, Self.finish(&state, .slowConsumer))
            }
            guard !state.queue.isEmpty, let waiter = state.waiter else { return (true, []) }
            state.waiter = nil
            return (true, [waiter])
        }
        for continuation in wake { continuation.resume() }
        return fits
    }

    /// Ends the client (it is closed by its connection's task); the frames still queued are dropped.
    func end(_ reason: End) {
        let wake = state.withLock { state in Self.finish(&state, reason) }
        for continuation in wake { continuation.resume() }
    }

    private static func finish(_ state: inout State, _ reason: End) -> [CheckedContinuation<Void, Never>] {
        guard state.end == nil else { return [] }
        state.end = reason
        state.queue = []
        state.bytes = 0
        let waiting = [state.waiter, state.endWaiter].compactMap { $0 }
        state.waiter = nil
        state.endWaiter = nil
        return waiting
    }

    /// Why the client was ended, if it was.
    var ended: End? { state.withLock { $0.end } }

    /// The frames queued, oldest first, once there are some; `nil` once the client is ended or
    /// the task is cancelled.
    func next() async -> [FeedFrame]? {
        while true {
            if Task.isCancelled { return nil }
            let taken = state.withLock { state -> [FeedFrame]?? in
                if state.end != nil { return .some(nil) }
                guard !state.queue.isEmpty else { return nil }
                defer {
                    state.queue = []
                    state.bytes = 0
                }
                return .some(state.queue)
            }
            if let taken { return taken }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state -> Bool in
                        if state.end != nil || !state.queue.isEmpty || Task.isCancelled { return true }
                        state.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { state in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
        }
    }

    /// Returns once the client is ended (or the task is cancelled).
    func waitForEnd() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ended = state.withLock { state -> Bool in
                    if state.end != nil || Task.isCancelled { return true }
                    state.endWaiter = continuation
                    return false
                }
                if ended { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.endWaiter = nil }
                return state.endWaiter
            }
            waiter?.resume()
        }
    }
}
