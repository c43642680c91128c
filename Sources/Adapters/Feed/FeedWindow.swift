/// The event frames the feed can still send to a client that resumes: the newest `capacity`, as
/// many as the recent-events projection keeps, oldest first.
struct FeedWindow: Sendable {
    let capacity: Int
    private var frames: [FeedFrame] = []
    /// Index of the oldest frame kept in `frames` (older ones are dropped in bulk, not one by one).
    private var start = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { frames.count - start }
    var oldest: UInt64? { count > 0 ? frames[start].position : nil }

    mutating func append(_ frame: FeedFrame) {
        frames.append(frame)
        if count > capacity { start += 1 }
        if start >= capacity {
            frames.removeFirst(start)
            start = 0
        }
    }

    mutating func removeAll() {
        frames = []
        start = 0
    }

    /// The frames after `position`, oldest first.
    func after(_ position: UInt64) -> ArraySlice<FeedFrame> {
        var (low, high) = (start, frames.count)
        while low < high {
            let middle = (low + high) / 2
            if frames[middle].position <= position { low = middle + 1 } else { high = middle }
        }
        return frames[low...]
    }
}
