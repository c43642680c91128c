import Clocks
import Delivery
import Synchronization
import Testing

/// The token bucket paces sends on its clock: a burst at once, then one per `1 / rate`.
@Suite(.timeLimit(.minutes(1))) struct TokenBucketTests {
    @Test func aBurstThenOneTokenPerIntervalOnTheClock() async throws {
        let clock = TestClock<Duration>()
        let bucket = TokenBucket(rate: 10, burst: 2, clock: clock)
        let granted = Granted()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for _ in 0..<4 {
                    await bucket.acquire()
                    granted.count.add(1, ordering: .sequentiallyConsistent)
                }
            }
            // The burst of two needs no time; the third token is due 100 ms later.
            await clock.untilSomethingSleeps()
            #expect(granted.count.load(ordering: .sequentiallyConsistent) == 2)
            await clock.advance(by: .milliseconds(99))
            #expect(granted.count.load(ordering: .sequentiallyConsistent) == 2, "not before 100 ms")
            await clock.advance(by: .milliseconds(1))
            await clock.untilSomethingSleeps()
            #expect(granted.count.load(ordering: .sequentiallyConsistent) == 3)
            await clock.advance(by: .milliseconds(99))
            #expect(granted.count.load(ordering: .sequentiallyConsistent) == 3, "the fourth waits its own 100 ms")
            await clock.advance(by: .milliseconds(1))
            try await group.waitForAll()
            #expect(granted.count.load(ordering: .sequentiallyConsistent) == 4)
        }
    }

    @Test func aRateOfZeroNeverWaits() async {
        let clock = TestClock<Duration>()
        let bucket = TokenBucket(rate: 0, clock: clock)
        for _ in 0..<1000 { await bucket.acquire() }
        await #expect(throws: Never.self) { try await clock.checkSuspension() }
    }
}

/// Tokens granted so far, shared with the task that takes them.
final class Granted: Sendable {
    let count = Atomic<Int>(0)
}
