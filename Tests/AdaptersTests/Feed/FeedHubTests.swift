import EventStore
import Foundation
import GRDB
import Logging
import Projections
import Synchronization
import Testing

@testable import Adapters

/// The hub over a real log, projector and projections file: what it publishes after commits,
/// where clients resume, and that a client that reads nothing costs the others nothing.
@Suite(.timeLimit(.minutes(2))) struct FeedHubTests {
    /// A fixture whose projector tells `hub` of its commits, and the hub running.
    final class Running: @unchecked Sendable {
        let fixture: DashboardFixture
        let hub: FeedHub
        private let task: Task<Void, any Error>

        init(_ configure: (inout FeedHub.Configuration) -> Void = { _ in }, events: [[NewEvent]] = []) async throws {
            fixture = try await DashboardFixture(events: events)
            var configuration = FeedHub.Configuration()
            configure(&configuration)
            let hub = try FeedHub(pool: fixture.readers, configuration: configuration, logger: Logger(label: "feed"))
            self.hub = hub
            fixture.startProjector(onBatch: { hub.committed($0) })
            task = Task { try await hub.run() }
        }

        func stop() async {
            task.cancel()
            _ = try? await task.value
            await fixture.stop()
        }
    }

    /// The event frames `client` gets until the one at `position` (or `timeout` passed: then none).
    static func events(_ client: FeedClient, through position: UInt64, timeout: Duration = .seconds(10)) async
        -> [FeedFrame]
    {
        await withTaskGroup(of: [FeedFrame].self) { group in
            group.addTask {
                var events: [FeedFrame] = []
                while (events.last?.position ?? 0) < position, let frames = await client.next() {
                    events += frames.filter { $0.kind == .event }
                }
                return events
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return []
            }
            let first = await group.next() ?? []
            group.cancelAll()
            return first
        }
    }

    static func object(_ frame: FeedFrame) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: frame.json)) as? [String: Any])
    }

    @Test func committedEventsReachEveryClientInOrderAsTheRESTAPIListsThem() async throws {
        let running = try await Running()
        let a = try running.hub.subscribe(FeedRequest(query: nil), transport: .websocket)
        let b = try running.hub.subscribe(FeedRequest(query: "types=button."), transport: .sse)
        #expect(a.first.first?.kind == .hello)
        var last: UInt64 = 0
        for n in 1...5 { last = try await running.fixture.append(tap("wamid.HUB\(n)")) }
        let got = await Self.events(a.client, through: last)
        #expect(got.map(\.position) == Array(1...last))
        let rest = try await running.fixture.readers.read { db in try Dashboard.recentEvents(db, limit: 100) }
        for frame in got {
            let item = try #require(rest.events.first { $0.position == frame.position })
            let sent = try Self.object(frame)
            #expect(sent["type"] as? String == "event")
            let expected = try JSONSerialization.jsonObject(with: Data(JSONAnswer.encode(item))) as? NSDictionary
            #expect((sent["event"] as? NSDictionary) == expected)
        }
        let buttons = await withTaskGroup(of: [FeedFrame].self) { group in
            group.addTask {
                var events: [FeedFrame] = []
                while events.count < 5, let frames = await b.client.next() {
                    events += frames.filter { $0.kind == .event }
                }
                return events
            }
            let first = await group.next() ?? []
            group.cancelAll()
            return first
        }
        #expect(buttons.count == 5 && buttons.allSatisfy { $0.eventType?.hasPrefix("button.") == true })
        await running.stop()
    }

    @Test func aResumingClientGetsEveryEventAfterItsPositionOnceThenLiveOnes() async throws {
        let running = try await Running()
        var positions: [UInt64] = []
        for n in 1...4 { positions.append(try await running.fixture.append(tap("wamid.R\(n)"))) }
        let resume = positions[1]
        #expect(await eventually { running.hub.figures.position == positions[3] })  // the hub read the commit
        let client = try running.hub.subscribe(FeedRequest(query: "from=\(resume)"), transport: .websocket)
        #expect(client.start == resume)
        let backlog = client.first.filter { $0.kind == .event }.map(\.position)
        #expect(backlog == Array((resume + 1)...positions[3]))
        let more = try await running.fixture.append(tap("wamid.R5"))
        let live = await Self.events(client.client, through: more)
        #expect(live.map(\.position) == Array((positions[3] + 1)...more))
        await running.stop()
    }

    @Test func resumingFromOlderThanTheWindowOrFromTheFutureIsAReset() async throws {
        let running = try await Running({ $0.windowSize = 3 })
        var last: UInt64 = 0
        for n in 1...4 { last = try await running.fixture.append(tap("wamid.W\(n)")) }
        #expect(await eventually { running.hub.figures.position == last })  // the hub read the last commit
        let old = try running.hub.subscribe(FeedRequest(query: "from=0"), transport: .websocket)
        let reset = try Self.object(try #require(old.first.first { $0.kind == .reset }))
        #expect(reset["oldest"] as? Int == Int(last) - 2)
        #expect(reset["position"] as? Int == Int(last) - 3)
        #expect(old.first.filter { $0.kind == .event }.map(\.position) == Array((last - 2)...last))

        let future = try running.hub.subscribe(FeedRequest(query: "from=\(last + 100)"), transport: .websocket)
        let ahead = try Self.object(try #require(future.first.first { $0.kind == .reset }))
        #expect(ahead["position"] as? Int == Int(last))
        #expect(future.first.filter { $0.kind == .event }.isEmpty)
        await running.stop()
    }

    @Test func aClientThatReadsNothingIsEndedWhileAReadingOneGetsEverything() async throws {
        let running = try await Running({ $0.queueFrames = 8 })
        let stuck = try running.hub.subscribe(FeedRequest(query: nil), transport: .websocket)
        let reader = try running.hub.subscribe(FeedRequest(query: nil), transport: .websocket)
        let received = Mutex<[UInt64]>([])
        let reading = Task {
            while let frames = await reader.client.next() {
                received.withLock { $0 += frames.filter { $0.kind == .event }.map(\.position) }
            }
        }
        var last: UInt64 = 0
        for n in 1...20 { last = try await running.fixture.append(tap("wamid.S\(n)")) }
        #expect(await eventually { received.withLock { $0.last == last } })
        reading.cancel()
        #expect(received.withLock { $0 } == Array(1...last))
        #expect(stuck.client.ended == .slowConsumer)
        #expect(running.hub.figures.slowConsumerCloses == 1)
        #expect(running.hub.figures.websocketClients == 1)
        await running.stop()
    }

    @Test func pastTheClientLimitNewClientsAreRefusedAndCounted() async throws {
        let running = try await Running({ $0.maxClients = 2 })
        let one = try running.hub.subscribe(FeedRequest(query: nil), transport: .websocket)
        _ = try running.hub.subscribe(FeedRequest(query: nil), transport: .sse)
        #expect(!running.hub.takesAnother())
        #expect(throws: FeedHub.Refusal.capacity(2)) {
            try running.hub.subscribe(FeedRequest(query: nil), transport: .sse)
        }
        #expect(running.hub.figures.refused == 2)
        running.hub.unsubscribe(one.client)
        #expect(running.hub.takesAnother())
        await running.stop()
    }

    @Test func statsComeWhenTheRealtimeFiguresChangeAndShutdownEndsEveryClient() async throws {
        let running = try await Running({ $0.statsInterval = .milliseconds(50) })
        let client = try running.hub.subscribe(FeedRequest(query: nil), transport: .websocket)
        _ = try await running.fixture.append(tap("wamid.ST1"))
        var stats: [FeedFrame] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while stats.isEmpty, ContinuousClock.now < deadline, let frames = await client.client.next() {
            stats += frames.filter { $0.kind == .stats }
        }
        let figures = try Self.object(try #require(stats.first))
        #expect((figures["one_minute"] as? [String: Any])?["clicks_per_minute"] as? Double == 1)
        await running.hub.stop()
        #expect(client.client.ended == .shutdown)
        #expect(throws: FeedHub.Refusal.stopping) {
            try running.hub.subscribe(FeedRequest(query: nil), transport: .sse)
        }
        await running.stop()
    }
}
