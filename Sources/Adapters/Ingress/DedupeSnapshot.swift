import Dispatch
public import EventStore

/// The dedupe index as a snapshot (`SnapshotStore` kind `dedupe`) and back, so that a start reads
/// the log only from the snapshot on, not the whole window.
///
/// Payload (little-endian): window (ms, 8), hash key (4 × 8), count (8), then per key its two
/// fingerprint halves and the time it was last seen (3 × 8); shard by shard, oldest first within
/// each (so sorting them at load is one pass; any order still loads).
extension DedupeIndex {
    public static let snapshotVersion: UInt32 = 1
    public static let snapshotKind = "dedupe"
    /// Keys committed to the index shortly after their events reached the log (between an append
    /// and its commit here): a restored index reads again the events this long before the snapshot.
    static let snapshotOverlapMilliseconds: Int64 = 5 * 60_000

    /// Every remembered key with its time, in this index's hash key.
    public func snapshotPayload() -> [UInt8] {
        var entries: [(Key, Int64)] = []
        for shard in shards {
            let held = shard.state.withLock { $0.seen.map { ($0.key, $0.value) } }
            entries += held.sorted { $0.1 < $1.1 }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(48 + entries.count * 24)
        func put(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        put(UInt64(bitPattern: windowMilliseconds))
        put(hashKey.words.0)
        put(hashKey.words.1)
        put(hashKey.words.2)
        put(hashKey.words.3)
        put(UInt64(entries.count))
        for (key, time) in entries {
            put(key.high)
            put(key.low)
            put(UInt64(bitPattern: time))
        }
        return bytes
    }

    /// The index a snapshot payload holds, keeping the keys still within the window at `now`.
    ///
    /// Each shard is filled on its own (on every core), from its keys oldest first, into a table
    /// sized for them once: as if the keys had arrived again, without growing and rehashing.
    public static func fromSnapshot(
        _ payload: [UInt8], windowMilliseconds: Int64, now: Int64
    ) -> Result<DedupeIndex, SnapshotProblem> {
        guard payload.count >= 48, payload.count % 8 == 0 else {
            return .failure(SnapshotProblem(reason: "its dedupe index is truncated"))
        }
        return payload.withUnsafeBytes { raw -> Result<DedupeIndex, SnapshotProblem> in
            func word(_ index: Int) -> UInt64 {
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            }
            let count = Int(clamping: word(5))
            guard (payload.count - 48) / 24 == count, (payload.count - 48) % 24 == 0 else {
                return .failure(SnapshotProblem(reason: "its dedupe index is truncated"))
            }
            let window = Int64(bitPattern: word(0))
            guard window == windowMilliseconds else {
                return .failure(
                    SnapshotProblem(
                        reason: "made with a dedupe window of \(window) ms, this service uses \(windowMilliseconds) ms")
                )
            }
            let index = DedupeIndex(
                windowMilliseconds: windowMilliseconds, hashKey: HashKey(word(1), word(2), word(3), word(4)))
            var byShard = [[(Key, Int64)]](repeating: [], count: shardCount)
            for shard in byShard.indices { byShard[shard].reserveCapacity(count / shardCount + count / 256 + 16) }
            let cutoff = now - windowMilliseconds
            for entry in 0..<count {
                let time = Int64(bitPattern: word(6 + entry * 3 + 2))
                guard time >= cutoff else { continue }
                let key = Key(high: word(6 + entry * 3), low: word(6 + entry * 3 + 1))
                byShard[shardIndex(of: key)].append((key, time))
            }
            let filled = byShard
            DispatchQueue.concurrentPerform(iterations: shardCount) { shard in
                // Written oldest first, so the sort finds one run and costs a pass (older files sort).
                let entries = filled[shard].sorted { $0.1 < $1.1 }
                index.shards[shard].state.withLock { state in
                    state.seen.reserveCapacity(entries.count)
                    for (key, time) in entries { state.remember(key, at: time) }
                }
            }
            return .success(index)
        }
    }

    /// The index at start: the newest usable snapshot and the log after it, or (none usable) the
    /// log's window. `rejected` hears why a snapshot was skipped; the position is the snapshot's.
    public static func load(
        from log: EventLog, snapshots: SnapshotStore, windowMilliseconds: Int64, now: Int64,
        rejected: (String) -> Void
    ) throws(EventLogError) -> (index: DedupeIndex, snapshotPosition: UInt64?) {
        let last = log.lastPosition
        let found = snapshots.newest(kind: snapshotKind, rejected: rejected) {
            snapshot -> Result<DedupeIndex, SnapshotProblem> in
            guard snapshot.payloadVersion == snapshotVersion else {
                return .failure(
                    SnapshotProblem(
                        reason: "dedupe snapshot version \(snapshot.payloadVersion), this build reads "
                            + "\(snapshotVersion)"
                    ))
            }
            guard snapshot.position <= last else {
                return .failure(
                    SnapshotProblem(reason: "it covers position \(snapshot.position), the log ends at \(last)"))
            }
            return fromSnapshot(snapshot.payload, windowMilliseconds: windowMilliseconds, now: now)
        }
        guard let (index, snapshot) = found else {
            let index = DedupeIndex(windowMilliseconds: windowMilliseconds)
            try index.load(from: log, now: now)
            return (index, nil)
        }
        let overlapStart = max(snapshot.takenAt - snapshotOverlapMilliseconds, now - windowMilliseconds)
        try index.fold(log.events(since: overlapStart), upTo: snapshot.position)
        try index.fold(log.events(from: snapshot.position + 1))
        return (index, snapshot.position)
    }
}
