/// What a projection knows about the batch it is applying, and a place to accumulate within it
/// (counters summed in memory and written once at the end of the batch, say).
///
/// Lives inside one write transaction; never shared.
public final class BatchContext {
    /// Position of the batch's last event.
    public let lastPosition: UInt64
    private var slots: [String: AnyObject] = [:]

    init(lastPosition: UInt64) { self.lastPosition = lastPosition }

    /// The projection's accumulator for this batch, made on first use.
    public func slot<T: AnyObject>(_ name: String, _ make: () -> T) -> T {
        if let existing = slots[name] as? T { return existing }
        let made = make()
        slots[name] = made
        return made
    }
}
