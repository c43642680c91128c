import Glibc
import Synchronization

/// The one clock of the tool: CLOCK_MONOTONIC in nanoseconds, read by the sender (a webhook's 200)
/// and by every client (a frame's arrival), so that their difference is a latency.
func monotonicNow() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}

/// For each webhook of the corpus, by index: when its 200 arrived (0 while it has not). Written by
/// the sender's event loop, read by the clients' event loops.
final class Acknowledgements: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Atomic<Int64>>
    let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        for index in 0..<count { (slots + index).initialize(to: Atomic(0)) }
    }

    func record(_ index: Int, at time: Int64) { slots[index].store(time, ordering: .releasing) }

    func time(of index: Int) -> Int64 {
        guard index >= 0, index < count else { return 0 }
        return slots[index].load(ordering: .acquiring)
    }
}

/// The webhooks whose frames are measured: indexes in `start..<end`, as the sender marks them when
/// the measured window opens and closes. Frames of the warm-up and of the drain are not measured.
final class MeasuredWindow: Sendable {
    private let start = Atomic<Int>(Int.max)
    private let end = Atomic<Int>(Int.max)

    func open(at index: Int) { start.store(index, ordering: .releasing) }
    func close(at index: Int) { end.store(index, ordering: .releasing) }

    func contains(_ index: Int) -> Bool {
        index >= start.load(ordering: .acquiring) && index < end.load(ordering: .acquiring)
    }
}
