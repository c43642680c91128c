import Adapters
import Testing

/// `DedupeIndex.reserve(_:now:waitingUpTo:)`: a key in flight in another request is waited for.
@Suite struct DedupeWaitingTests {
    @Test func aKeyInFlightIsADuplicateOnceCommitted() async {
        let index = DedupeIndex()
        #expect(index.reserve(["message:a"], now: 1) == [true])
        let waiting = Task { await index.reserve(["message:a", "message:b"], now: 2, waitingUpTo: .seconds(10)) }
        #expect(await eventually { index.waitingRequests == 1 })
        index.commit(["message:a"], at: 1)
        #expect(await waiting.value == [false, true])
    }

    @Test func aKeyInFlightIsReservedByTheWaiterOnceReleased() async {
        let index = DedupeIndex()
        #expect(index.reserve(["message:a"], now: 1) == [true])
        let waiting = Task { await index.reserve(["message:a", "message:a"], now: 2, waitingUpTo: .seconds(10)) }
        #expect(await eventually { index.waitingRequests == 1 })
        index.release(["message:a"])
        #expect(await waiting.value == [true, false])
        #expect(index.reserve(["message:a"], now: 3) == [false])
    }

    @Test func aWaitPastTheDeadlineReservesNothing() async {
        let index = DedupeIndex()
        #expect(index.reserve(["message:a"], now: 1) == [true])
        #expect(await index.reserve(["message:b", "message:a"], now: 2, waitingUpTo: .milliseconds(100)) == nil)
        #expect(index.waitingRequests == 0)
        #expect(index.reserve(["message:b"], now: 3) == [true], "b was released")
        index.release(["message:a"])
        #expect(index.reserve(["message:a"], now: 3) == [true])
    }

    /// Requests holding one key and finding the other in flight, in both orders: each waits only
    /// for its smallest key in flight, so none waits for the other for ever.
    @Test func requestsWithCrossingKeysNeverDeadlock() async {
        let index = DedupeIndex()
        for round in 0..<100 {
            let first = DedupeIndex.Key("message:x\(round)")
            let second = DedupeIndex.Key("message:y\(round)")
            let results = await withTaskGroup(of: [Bool]?.self) { group in
                for keys in [[first, second], [second, first], [first, second]] {
                    group.addTask {
                        let fresh = await index.reserve(keys, now: 1, waitingUpTo: .seconds(20))
                        guard let fresh else { return nil }
                        let reserved = zip(keys, fresh).compactMap { $1 ? $0 : nil }
                        await Task.yield()
                        index.commit(reserved, at: 1)
                        return fresh
                    }
                }
                var results: [[Bool]?] = []
                for await result in group { results.append(result) }
                return results
            }
            guard results.allSatisfy({ $0 != nil }) else {
                Issue.record("round \(round): a request waited 20 s for a key that was never settled")
                break
            }
            #expect(results.compactMap { $0 }.flatMap { $0 }.filter { $0 }.count == 2, "each key stored once")
        }
        #expect(index.waitingRequests == 0)
    }
}
