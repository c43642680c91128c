/// Deliveries as the saga's fold has seen them: started, finished either way, and in flight.
/// Counted over the whole log (the saga folds it from its start), so the totals match the
/// deliveries projection and survive restarts.
public struct DeliveryCounts: Sendable, Equatable, Codable {
    /// `delivery.started` events folded (one per delivery).
    public var started = 0
    /// `delivery.completed` events of deliveries in flight.
    public var completed = 0
    /// `delivery.failed` events of deliveries in flight.
    public var failed = 0
    /// Deliveries started and not yet completed or failed.
    public var inFlight = 0

    public init(started: Int = 0, completed: Int = 0, failed: Int = 0, inFlight: Int = 0) {
        self.started = started
        self.completed = completed
        self.failed = failed
        self.inFlight = inFlight
    }
}
