import EventStore
import Foundation
@testable import Projections
import Testing

/// The projector waits out bursts of appends (above `yieldAboveEventsPerSecond`), for at most
/// `maxYield`, and catches up once the burst is over.
@Suite struct YieldTests {
    @Test func theAppendRateIsMeasuredOverWholeWindows() {
        var rate = AppendRate()
        let start = ContinuousClock.now
        rate.observe(100, at: start)
        #expect(rate.eventsPerSecond == 0)
        rate.observe(150, at: start + .milliseconds(10))  // shorter than a window: not measured yet
        #expect(rate.eventsPerSecond == 0)
        rate.observe(1100, at: start + .milliseconds(100))
        #expect(rate.eventsPerSecond == 10_000)
        rate.observe(1100, at: start + .milliseconds(200))
        #expect(rate.eventsPerSecond == 0)
    }

    /// Appends 10 events every 2 ms until `duration` has passed; returns how many.
    private func burst(_ log: EventLog, for duration: Duration) async throws -> Int {
        let events = Array(repeating: NewEvent(type: "test.burst", stream: "s", data: Array("{}".utf8)), count: 10)
        let end = ContinuousClock.now + duration
        var appended = 0
        while ContinuousClock.now < end {
            try await log.append(events)
            appended += events.count
            try await Task.sleep(for: .milliseconds(2))
        }
        return appended
    }

    private func waitUntilCaughtUp(_ projector: Projector) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while projector.status().lag > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func aBurstIsWaitedOutThenCaughtUp() async throws {
        let data = TempData()
        let log = try EventLog.open(directory: data.log, configuration: .init { $0.durability = .unsafeNone })
        var configuration = Projector.Configuration()
        configuration.yieldAboveEventsPerSecond = 1000
        configuration.maxYield = .seconds(60)
        let projector = try Projector(
            log: log, database: try ProjectionDatabase.openPool(path: data.file("projections.sqlite")), engine: engine,
            configuration: configuration)
        let task = Task { try await projector.run() }
        // A trickle is applied as it comes.
        try await log.append(NewEvent(type: "test.trickle", stream: "s", data: Array("{}".utf8)))
        try await waitUntilCaughtUp(projector)
        #expect(projector.status().lag == 0)
        let start = projector.status().appliedPosition

        var sawYielding = false
        let watcher = Task {
            var seen = false
            while !Task.isCancelled {
                seen = seen || projector.status().yielding
                try? await Task.sleep(for: .milliseconds(5))
            }
            return seen
        }
        let appended = try await burst(log, for: .milliseconds(1500))
        let duringBurst = projector.status().appliedPosition - start
        watcher.cancel()
        sawYielding = await watcher.value
        // Only what came before the rate was measured (the first tens of milliseconds) was applied.
        #expect(sawYielding)
        #expect(duringBurst < UInt64(appended / 2), "applied \(duringBurst) of \(appended) during the burst")

        try await waitUntilCaughtUp(projector)
        #expect(projector.status().lag == 0)
        #expect(projector.status().yielding == false)
        task.cancel()
        _ = try? await task.value
        await log.close()
    }

    @Test func aLongBurstWaitsNoLongerThanMaxYield() async throws {
        let data = TempData()
        let log = try EventLog.open(directory: data.log, configuration: .init { $0.durability = .unsafeNone })
        var configuration = Projector.Configuration()
        configuration.yieldAboveEventsPerSecond = 1000
        configuration.maxYield = .milliseconds(200)
        let projector = try Projector(
            log: log, database: try ProjectionDatabase.openPool(path: data.file("projections.sqlite")), engine: engine,
            configuration: configuration)
        let task = Task { try await projector.run() }
        let appended = try await burst(log, for: .milliseconds(1500))
        // Events older than 200 ms were applied while the burst went on.
        let duringBurst = projector.status().appliedPosition
        #expect(duringBurst > UInt64(appended * 2 / 5), "applied \(duringBurst) of \(appended) during the burst")
        try await waitUntilCaughtUp(projector)
        #expect(projector.status().lag == 0)
        task.cancel()
        _ = try? await task.value
        await log.close()
    }

    @Test func withoutAThresholdTheProjectorNeverWaits() async throws {
        let data = TempData()
        let log = try EventLog.open(directory: data.log, configuration: .init { $0.durability = .unsafeNone })
        let projector = try Projector(
            log: log, database: try ProjectionDatabase.openPool(path: data.file("projections.sqlite")), engine: engine)
        let task = Task { try await projector.run() }
        var sawYielding = false
        let appended = try await burst(log, for: .milliseconds(500))
        sawYielding = projector.status().yielding
        try await waitUntilCaughtUp(projector)
        #expect(!sawYielding)
        #expect(projector.status().appliedPosition == UInt64(appended))
        task.cancel()
        _ = try? await task.value
        await log.close()
    }
}
