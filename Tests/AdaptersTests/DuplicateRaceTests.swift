import Adapters
import Domain
import EventStore
import Foundation
import Testing

/// Two deliveries of the same message at once, the first one's append failing: the second must
/// not be acknowledged without the fact. The first request's write is held in the log's writer
/// (`IOFaults.pauseWrites`) while the second arrives, then fails (`failNext`): a real failed
/// append, with the second request truly concurrent on a connection of its own.
@Suite struct DuplicateRaceTests {
    static func waitForPausedWrite(_ faults: IOFaults) async throws {
        let start = ContinuousClock.now
        while faults.pausedWrites == 0 {
            guard ContinuousClock.now - start < .seconds(10) else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Both requests are tap deliveries of one message; `second` differs only in its request id.
    static func race(faults: IOFaults, port: PortHarness, body: [UInt8]) async throws -> (first: Int?, second: Int?) {
        faults.pauseWrites()
        let first = Task { try await port.post(body, signature: sign(body), requestId: "first") }
        try await waitForPausedWrite(faults)
        let second = Task { try await port.post(body, signature: sign(body), requestId: "second") }
        // The second request finds the key in flight and waits for the first one's outcome. (Had it
        // not waited, it would have appended its raw hit alone, queued behind the held write.)
        let waited = await eventually { port.ingestor.dedupe.waitingRequests == 1 }
        #expect(waited, "the second request waits for the first")
        faults.resumeWrites()
        return (try await first.value, try await second.value)
    }

    @Test func whenTheFirstAppendFailsTheSecondStoresTheFact() async throws {
        let faults = IOFaults()
        let port = try await PortHarness.start(logConfiguration: .init { $0.faults = faults })
        let body = clickBody(wamid: "wamid.RACE1")
        faults.failNext(.write)
        let (first, second) = try await Self.race(faults: faults, port: port, body: body)
        #expect(first == 503)
        #expect(second == 200)
        let events = try await allEvents(port.log)
        let stored = events.compactMap(ButtonClicked.init).map(\.wamid)
        if second == 200 { #expect(stored == ["wamid.RACE1"], "a 200 only with the fact in the log") }
        #expect(events.map(\.type) == ["webhook.received", "button.clicked"])
        #expect(events.compactMap(WebhookReceived.init).first?.requestId == "second")
        // Meta's redelivery of the first is a duplicate now.
        #expect(try await port.post(body, signature: sign(body)) == 200)
        #expect(try await allEvents(port.log).compactMap(ButtonClicked.init).count == 1)
        await port.stop()
    }

    /// The first append is slower than the wait: the second answers 503 with Retry-After (Meta
    /// redelivers), rather than a 200 for a fact not yet stored.
    @Test func aSecondRequestWaitsABoundedTimeThenAnswers503() async throws {
        let faults = IOFaults()
        var limits = WebhookIngestor.Limits()
        limits.duplicateWait = .milliseconds(200)
        let port = try await PortHarness.start(ingestorLimits: limits, logConfiguration: .init { $0.faults = faults })
        let body = clickBody(wamid: "wamid.RACE3")
        faults.pauseWrites()
        let first = Task { try await port.post(body, signature: sign(body), requestId: "first") }
        try await Self.waitForPausedWrite(faults)
        // The first append is held for as long as the second takes to answer.
        let second = try await port.post(body, signature: sign(body), requestId: "second", timeout: .seconds(10))
        faults.resumeWrites()
        #expect(second == 503)
        #expect(try await first.value == 200)
        #expect(port.ingestor.statistics.unavailable == 1)
        #expect(try await allEvents(port.log).map(\.type) == ["webhook.received", "button.clicked"])
        await port.stop()
    }

    /// Many deliveries of one status at once, the first append failing: exactly one fact, and
    /// every 200 came after it was stored.
    @Test func concurrentDuplicatesOfAStatusUnderAFailedAppendYieldOneFact() async throws {
        let faults = IOFaults()
        let port = try await PortHarness.start(logConfiguration: .init { $0.faults = faults })
        let body = try fixture("status_sent.json")
        faults.pauseWrites()
        faults.failNext(.write)
        let statuses = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask { try await port.post(body, signature: sign(body)) }
            try await Self.waitForPausedWrite(faults)
            for _ in 0..<8 { group.addTask { try await port.post(body, signature: sign(body)) } }
            #expect(await eventually { port.ingestor.dedupe.waitingRequests == 8 }, "the eight wait for the first")
            faults.resumeWrites()
            var statuses: [Int?] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.filter { $0 == 503 }.count == 1)
        #expect(statuses.filter { $0 == 200 }.count == 8)
        let events = try await allEvents(port.log)
        #expect(events.filter { $0.type == "status.updated" }.count == 1)
        #expect(events.filter { $0.type == "webhook.received" }.count == 8)
        await port.stop()
    }
}
