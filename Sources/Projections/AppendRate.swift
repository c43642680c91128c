/// How fast the log grows, from its last position sampled now and then: the projector's sign that
/// ingestion is in a burst.
struct AppendRate {
    /// The shortest span a rate is measured over (samples closer together keep the last rate).
    static let window: Duration = .milliseconds(50)

    private var last: (position: UInt64, at: Duration)?
    /// Events per second over the last window measured; 0 before the second sample.
    private(set) var eventsPerSecond: Double = 0

    /// Records the log's last position at `now` (the time on the projector's clock since it started).
    mutating func observe(_ position: UInt64, at now: Duration) {
        guard let last else {
            self.last = (position, now)
            return
        }
        let elapsed = now - last.at
        guard elapsed >= Self.window else { return }
        eventsPerSecond = Double(position >= last.position ? position - last.position : 0) / (elapsed / .seconds(1))
        self.last = (position, now)
    }
}
