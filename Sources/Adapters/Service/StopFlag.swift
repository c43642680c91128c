import Synchronization

/// Set once a piece of derived work has ended (`DerivedWorkService`): health reads it to say the
/// projector stopped.
public final class StopFlag: Sendable {
    private let stopped = Atomic(false)

    public init() {}

    public var isStopped: Bool { stopped.load(ordering: .relaxed) }

    public func stop() { stopped.store(true, ordering: .relaxed) }
}
