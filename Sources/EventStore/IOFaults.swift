import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failure injection for the log's writes and syncs, so that tests can exercise a full disk or a
/// failing device on any machine. Production code passes none.
///
/// Thread safety: `Sendable`; a test may set and clear faults while the writer thread runs.
public final class IOFaults: Sendable {
    /// A file operation of the writer that can be made to fail.
    public enum Operation: Sendable {
        /// Writing to a segment file (`pwrite`).
        case write
        /// Syncing a segment file to the device (`fsync`).
        case sync
        /// Setting a segment file's length (`ftruncate`), e.g. to roll back a failed group.
        case truncate
    }

    private struct State {
        var failing: [Operation: Int32] = [:]
        var partialWriteBytes: Int?
        /// Operations that fail a given number of times more, then succeed again.
        var failingNext: [Operation: (count: Int, errno: Int32)] = [:]
        var writesPaused = false
        var pausedWrites = 0
    }
    private let state = Mutex(State())

    /// No faults: every operation succeeds until one is set.
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

    /// Makes only the next `count` `operation`s fail with `errno` (ENOSPC when not given): one
    /// append fails, the ones after it succeed.
    public func failNext(_ operation: Operation, count: Int = 1, errno: Int32? = nil) {
        state.withLock { $0.failingNext[operation] = (count, errno ?? ENOSPC) }
    }

    /// Makes writes wait, on the log's writer thread, until `resumeWrites()` (they then succeed or
    /// fail as the faults set by then say): an append stays in flight for as long as a test needs.
    public func pauseWrites() {
        state.withLock { $0.writesPaused = true }
    }

    /// Lets the writes paused by ``pauseWrites()`` go on.
    public func resumeWrites() {
        state.withLock { $0.writesPaused = false }
    }

    /// How many writes are waiting in a pause now.
    public var pausedWrites: Int { state.withLock { $0.pausedWrites } }

    /// Removes every fault and resumes paused writes: operations succeed again.
    public func clear() {
        state.withLock { $0 = State() }
    }

    func error(for operation: Operation) -> Int32? {
        state.withLock { state in
            if let code = state.failing[operation] { return code }
            guard let next = state.failingNext[operation] else { return nil }
            state.failingNext[operation] = next.count > 1 ? (next.count - 1, next.errno) : nil
            return next.errno
        }
    }

    /// Blocks the calling (writer) thread while writes are paused.
    func waitWhileWritesPaused() {
        guard
            state.withLock({ state in
                if state.writesPaused { state.pausedWrites += 1 }
                return state.writesPaused
            })
        else { return }
        while state.withLock({ $0.writesPaused }) { usleep(1000) }
        state.withLock { $0.pausedWrites -= 1 }
    }

    func partialWriteBytes() -> Int? {
        state.withLock { $0.partialWriteBytes }
    }
}
