/// How far the projections are behind the log, as the projector reports it (the App maps its
/// `ProjectorStatus` into this, so telemetry needs no projections).
public struct ProjectorProgress: Sendable, Equatable {
    /// The last log position applied to the projections.
    public var appliedPosition: UInt64
    /// The log's last position.
    public var logPosition: UInt64
    /// Log time (ms since the epoch) of the first event not yet applied; `nil` when caught up.
    public var oldestUnappliedTimestamp: Int64?

    public init(appliedPosition: UInt64, logPosition: UInt64, oldestUnappliedTimestamp: Int64?) {
        self.appliedPosition = appliedPosition
        self.logPosition = logPosition
        self.oldestUnappliedTimestamp = oldestUnappliedTimestamp
    }

    /// Events committed and not yet applied.
    public var lagEvents: UInt64 { logPosition > appliedPosition ? logPosition - appliedPosition : 0 }
}
