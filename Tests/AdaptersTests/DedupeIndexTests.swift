import Adapters
import Testing

/// The duplicate index's window: keys older than it are forgotten (memory stays bounded) and
/// count as new again, an hour at a time.
@Suite struct DedupeIndexTests {
    static let hour: Int64 = 3_600_000

    @Test func keysExpireAfterTheWindowAndAreNewAgain() {
        let index = DedupeIndex(windowMilliseconds: 2 * Self.hour)
        #expect(index.reserve(["message:a", "message:b"], now: 0) == [true, true])
        index.commit(["message:a", "message:b"], at: 0)
        #expect(index.reserve(["message:a", "message:c"], now: Self.hour) == [false, true])
        index.commit(["message:c"], at: Self.hour)
        #expect(index.count == 3)

        // Two hours and a bit later: a and b are out of the window (memory keeps them until their
        // hour has wholly left it), c is not.
        #expect(index.reserve(["message:a", "message:b", "message:c"], now: 2 * Self.hour + 1) == [true, true, false])
        index.release(["message:b"])
        index.commit(["message:a"], at: 2 * Self.hour + 1)
        #expect(index.count == 3)
        index.commit(["message:e"], at: 3 * Self.hour + 1)
        #expect(index.count == 3)  // b dropped with hour 0; a, remembered anew, kept
        #expect(index.reserve(["message:a", "message:b"], now: 3 * Self.hour + 2) == [false, true])
        index.release(["message:b"])

        // Much later everything but the newest hour is gone.
        index.commit(["message:d"], at: 10 * Self.hour)
        #expect(index.count == 1)
    }

    @Test func aKeyReservedTwiceConcurrentlyIsNewOnlyOnce() {
        let index = DedupeIndex()
        #expect(index.reserve(["status:x:sent", "status:x:sent", nil], now: 5) == [true, false, true])
        index.release(["status:x:sent"])
        #expect(index.reserve(["status:x:sent"], now: 6) == [true])
    }

    /// Keys spread over the shards: each is new once, then seen, and expires with its hour.
    @Test func manyKeysAreEachNewOnceAndExpireTogether() {
        let index = DedupeIndex(windowMilliseconds: Self.hour)
        let keys = (0..<5000).map { DedupeIndex.Key("message:wamid.\($0)") }
        #expect(index.reserve(keys, now: 0).allSatisfy { $0 })
        index.commit(keys, at: 0)
        #expect(index.count == keys.count)
        #expect(index.reserve(keys + ["message:new"], now: 1) == Array(repeating: false, count: keys.count) + [true])
        index.commit(["message:new"], at: 2 * Self.hour)
        #expect(index.count == 1)
        #expect(index.reserve(keys, now: 2 * Self.hour).allSatisfy { $0 })
    }
}
