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

    /// Snapshot form: the members, and the insertion order still to expire (the expired prefix is
    /// dropped; it no longer matters).
    struct Stored: Codable {
        var windowMilliseconds: Int64
        var members: [String: Int64]
        var orderKeys: [String]
        var orderTimes: [Int64]
    }

    var stored: Stored {
        let live = order[head...]
        return Stored(
            windowMilliseconds: windowMilliseconds, members: members, orderKeys: live.map(\.key),
            orderTimes: live.map(\.time))
    }

    init?(_ stored: Stored) {
        guard stored.orderKeys.count == stored.orderTimes.count else { return nil }
        windowMilliseconds = stored.windowMilliseconds
        members = stored.members
        order = zip(stored.orderKeys, stored.orderTimes).map { ($0, $1) }
    }
}
