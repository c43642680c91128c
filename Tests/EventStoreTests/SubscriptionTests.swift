import EventStore
import Foundation
import Testing

@Suite struct SubscriptionTests {
    @Test func subscriberSeesHistoryThenEveryNewEventInOrder() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path, configuration: .testing(segmentSize: 16 * 1024))
        for tag in 0..<100 { try await log.append(sampleEvent(tag)) }

        let expected = 1100
        let subscriber = Task { () throws -> [UInt64] in
            var seen: [UInt64] = []
            for try await event in log.subscribe(from: 1) {
                seen.append(event.position)
                if seen.count == expected { break }
            }
            return seen
        }
        let lateSubscriber = Task { () throws -> [UInt64] in
            var seen: [UInt64] = []
            for try await event in log.subscribe(from: 600) {
                seen.append(event.position)
                if event.position == UInt64(expected) { break }
            }
            return seen
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<10 {
                group.addTask {
                    for index in 0..<100 { try await log.append(sampleEvent(1000 + appender * 100 + index)) }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await subscriber.value == Array(1...UInt64(expected)))
        #expect(try await lateSubscriber.value == Array(600...UInt64(expected)))
        await log.close()
    }

    @Test func subscriptionWaitsForCommitAndEndsOnClose() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        let subscriber = Task { () throws -> [Int?] in
            var tags: [Int?] = []
            for try await event in log.subscribe(from: 1) { tags.append(tag(of: event)) }
            return tags
        }
        try await Task.sleep(for: .milliseconds(50))
        try await log.append(sampleEvent(7))
        try await log.append([sampleEvent(8), sampleEvent(9)])
        await log.close()
        #expect(try await subscriber.value == [7, 8, 9])
    }

    @Test func cancellingASubscriptionEndsIt() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path)
        let subscriber = Task { () throws -> Int in
            var count = 0
            for try await _ in log.subscribe(from: 1) { count += 1 }
            return count
        }
        try await log.append(sampleEvent(1))
        try await Task.sleep(for: .milliseconds(50))
        subscriber.cancel()
        #expect(try await subscriber.value <= 1)
        await log.close()
    }
}
