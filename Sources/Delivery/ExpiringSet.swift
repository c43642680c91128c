/// A set whose members are forgotten once they are older than a window, measured in log time:
/// what the saga remembers of decided clicks, started template messages and delivered packs.
/// Insertion and expiry are amortized O(1), so memory follows the window, not the history.
struct ExpiringSet: Sendable {
    /// How long a member is kept after it was (last) inserted, in milliseconds.
    let windowMilliseconds: Int64
    private var members: [String: Int64] = [:]
    /// Members in insertion order, with the time of that insertion (a re-inserted member stays
    /// until its latest time: an older entry here no longer matches `members`).
    private var order: [(key: String, time: Int64)] = []
    private var head = 0

    init(windowMilliseconds: Int64) { self.windowMilliseconds = windowMilliseconds }

    var count: Int { members.count }

    func contains(_ key: String) -> Bool { members[key] != nil }

    mutating func insert(_ key: String, at time: Int64) {
        members[key] = max(time, members[key] ?? .min)
        order.append((key, time))
    }

    mutating func remove(_ key: String) { members.removeValue(forKey: key) }

    /// Forgets members inserted more than the window before `now`.
    mutating func expire(now: Int64) {
        let (cutoff, overflow) = now.subtractingReportingOverflow(windowMilliseconds)
        guard !overflow else { return }
        while head < order.count, order[head].time < cutoff {
            let (key, time) = order[head]
            if let latest = members[key], latest <= time { members.removeValue(forKey: key) }
            head += 1
        }
        // Drop the expired prefix once it is most of the array.
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// The live members in the order they expire: each once, at the time of its latest insertion.
    /// (An older entry of `order` no longer matches `members`, so it never expires anything: dropping
    /// it changes nothing, since insertion times follow the log and never go back.)
    var liveEntries: [(key: String, time: Int64)] {
        var remaining = members
        var entries: [(key: String, time: Int64)] = []
        entries.reserveCapacity(members.count)
        for (key, time) in order[head...] where remaining[key] == time {
            entries.append((key, time))
            remaining[key] = nil
        }
        return entries
    }

    /// A set holding `entries` (in the order `liveEntries` gives them); `nil` when a key is there
    /// twice or the times go back, which no set of this window can hold.
    init?(windowMilliseconds: Int64, entries: [(key: String, time: Int64)]) {
        self.windowMilliseconds = windowMilliseconds
        members.reserveCapacity(entries.count)
        var previous = Int64.min
        for (key, time) in entries {
            guard time >= previous, members.updateValue(time, forKey: key) == nil else { return nil }
            previous = time
        }
        order = entries
    }
}
