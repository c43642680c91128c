/// Graph API call outcomes over the last minutes: one slot per wall-clock minute in a ring, so
/// recording and reading cost the same however many calls there were. A call made in minute `m`
/// counts while the current minute is less than `m + minutes`; older slots are reused.
///
/// Not thread-safe by itself: `ServiceTelemetry` keeps it behind a lock.
struct GraphCallWindow: Sendable {
    private struct Slot: Sendable {
        var minute: Int64
        var counts: [GraphCallOutcome: Int]
    }

    let minutes: Int
    private var slots: [Slot]

    init(minutes: Int = 15) {
        precondition(minutes > 0, "a window of at least one minute")
        self.minutes = minutes
        slots = Array(repeating: Slot(minute: .min, counts: [:]), count: minutes)
    }

    /// Counts `outcome` at `time` (milliseconds since the epoch).
    mutating func record(_ outcome: GraphCallOutcome, at time: Int64) {
        let minute = Self.minute(of: time)
        let index = Self.index(minute, minutes)
        if slots[index].minute != minute { slots[index] = Slot(minute: minute, counts: [:]) }
        slots[index].counts[outcome, default: 0] += 1
    }

    /// The outcomes of the window ending at `now` (its minute and the `minutes - 1` before it).
    func counts(now: Int64) -> [GraphCallOutcome: Int] { counts(now: now, minutes: minutes) }

    /// The outcomes of the last `minutes` (at most the window's) ending at `now`.
    func counts(now: Int64, minutes: Int) -> [GraphCallOutcome: Int] {
        let current = Self.minute(of: now)
        let span = Int64(max(1, min(minutes, self.minutes)))
        var total: [GraphCallOutcome: Int] = [:]
        for slot in slots where slot.minute <= current && slot.minute > current - span {
            total.merge(slot.counts, uniquingKeysWith: +)
        }
        return total
    }

    private static func minute(of time: Int64) -> Int64 {
        time >= 0 ? time / 60_000 : (time - 59_999) / 60_000
    }

    private static func index(_ minute: Int64, _ count: Int) -> Int {
        Int(((minute % Int64(count)) + Int64(count)) % Int64(count))
    }
}
