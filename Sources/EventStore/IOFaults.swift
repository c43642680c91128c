import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failure injection for the log's writes and syncs, so that tests can exercise a full disk or a
/// failing device on any machine. Production code passes none.
public final class IOFaults: Sendable {
    public enum Operation: Sendable { case write, sync, truncate }

    private struct State {
        var failing: [Operation: Int32] = [:]
        var partialWriteBytes: Int?
    }
    private let state = Mutex(State())

    public init() {}

    /// Makes every `operation` fail with `errno` (ENOSPC when not given) until `clear()`.
    public func fail(_ operation: Operation, errno: Int32? = nil) {
        state.withLock { $0.failing[operation] = errno ?? ENOSPC }
    }

    /// Makes writes store only their first `bytes` bytes, then fail with ENOSPC (a disk that
    /// fills up in the middle of a batch).
    public func failWritesAfterPartial(bytes: Int) {
        state.withLock {
            $0.failing[.write] = ENOSPC
            $0.partialWriteBytes = bytes
        }
    }

    public func clear() {
        state.withLock { $0 = State() }
    }

    func error(for operation: Operation) -> Int32? {
        state.withLock { $0.failing[operation] }
    }

    func partialWriteBytes() -> Int? {
        state.withLock { $0.partialWriteBytes }
    }
}
