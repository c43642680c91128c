import Synchronization

/// Encoded answers by what was asked and the projections' position: the same request at an
/// unchanged position is answered without a read transaction or a query. Only the newest position
/// is kept (an answer at an older one is never served again), within `maxEntries` and `maxBytes`;
/// bodies over `maxEntryBytes` are not kept.
final class AnswerCache: Sendable {
    struct Limits: Sendable {
        var maxEntries = 512
        var maxBytes = 32 << 20
        var maxEntryBytes = 1 << 20
    }

    private struct State {
        var position: UInt64 = 0
        var entries: [String: [UInt8]] = [:]
        var bytes = 0
    }

    private let limits: Limits
    private let state = Mutex(State())

    init(_ limits: Limits = .init()) { self.limits = limits }

    /// The body kept for `key` at `position`.
    func body(_ key: String, at position: UInt64) -> [UInt8]? {
        state.withLock { $0.position == position ? $0.entries[key] : nil }
    }

    func store(_ body: [UInt8], _ key: String, at position: UInt64) {
        guard body.count <= limits.maxEntryBytes else { return }
        state.withLock { state in
            if position > state.position { state = State(position: position) }
            guard position == state.position, state.entries[key] == nil else { return }
            if state.entries.count >= limits.maxEntries || state.bytes + body.count > limits.maxBytes {
                state.entries = [:]
                state.bytes = 0
            }
            state.entries[key] = body
            state.bytes += body.count
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
