import ClickUnlockTesting
import Clocks
import EventStore
import Foundation
import Testing

@testable import Projections

/// The projector waits out bursts of appends (above `yieldAboveEventsPerSecond`), for at most
/// `maxYield`, and catches up once the burst is over. Time is a test clock: the bursts' rates and
/// the projector's waits are exact, whatever else the machine is doing.
@Suite(.serialized) struct YieldTests {
    @Test func theAppendRateIsMeasuredOverWholeWindows() {
        var rate = AppendRate()
        let start = Duration.zero
        rate.observe(100, at: start)
        #expect(rate.eventsPerSecond == 0)
        rate.observe(150, at: start + .milliseconds(10))  // shorter than a window: not measured yet
        #expect(rate.eventsPerSecond == 0)
        rate.observe(1100, at: start + .milliseconds(100))
        #expect(rate.eventsPerSecond == 10_000)
        rate.observe(1100, at: start + .milliseconds(200))
        #expect(rate.eventsPerSecond == 0)
    }

    /// Appends 10 events per 2 ms of test time (5,000 events/s) until `duration` of it has passed;
    /// before each step the projector has either applied everything or is waiting. Returns how
    /// many, how many the projector had applied at the end, and when it was first seen yielding.
    private func burst(_ running: Running, for duration: Duration) async throws
        -> (appended: Int, applied: UInt64, appliedWhenFirstYielding: UInt64?)
    {
        let (log, projector) = (running.log, running.projector)
        let events = Array(repeating: NewEvent(type: "test.burst", stream: "s", data: Array("{}".utf8)), count: 10)
        var appended = 0
        var firstYielding: UInt64?
        for _ in 0..<Int(duration / .milliseconds(2)) {
            try await log.append(events)
            appended += events.count
            await waitUntil { projector.status().lag == 0 || projector.status().yielding }
            let status = projector.status()
            if firstYielding == nil, status.yielding { firstYielding = status.appliedPosition }
            await running.clock.advance(by: .milliseconds(2))
        }
        return (appended, projector.status().appliedPosition, firstYielding)
    }

    private func configuration(yieldAbove: Int?, maxYield: Duration) -> Projector.Configuration {
        var configuration = Projector.Configuration()
        configuration.yieldAboveEventsPerSecond = yieldAbove
        configuration.maxYield = maxYield
        return configuration
    }

    /// A fresh log (appends not synced) and a projector following it on a test clock. The log
    /// stamps events with the real time: the projector's wall clock is the real time or, when
    /// ahead of it, the real time at the start plus the test clock's advance.
    private struct Running {
        let data = TempData()
        let clock = TestClock()
        let log: EventLog
        let projector: Projector
        let task: Task<Void, any Error>

        init(_ configuration: Projector.Configuration) throws {
            log = try EventLog.open(directory: data.log, configuration: .init { $0.durability = .unsafeNone })
            let projector = try Projector(
                log: log, database: try ProjectionDatabase.openPool(path: data.file("projections.sqlite")),
                engine: engine,
                configuration: configuration, clock: clock, wallClock: Self.wall(clock))
            self.projector = projector
            task = Task { try await projector.run() }
        }

        static func wall(_ clock: TestClock<Duration>) -> WallClock {
            let test = clock.wall(startingAt: WallClock.system.now())
            return WallClock { max(WallClock.system.now(), test.now()) }
        }

        func stop() async {
            task.cancel()
            _ = try? await task.value
            await log.close()
        }
    }

    /// Moves the test clock on while the projector waits, until it has applied everything.
    private func waitUntilCaughtUp(_ running: Running) async throws {
        await waitUntil {
            let status = running.projector.status()
            return status.lag == 0 && !status.yielding
        } meanwhile: {
            if running.projector.status().yielding { await running.clock.advance(by: .milliseconds(10)) }
        }
    }

    @Test func aBurstIsWaitedOutThenCaughtUp() async throws {
        let running = try Running(configuration(yieldAbove: 300, maxYield: .seconds(60)))
        let (log, projector) = (running.log, running.projector)
        // A trickle is applied as it comes.
        try await log.append(NewEvent(type: "test.trickle", stream: "s", data: Array("{}".utf8)))
        try await waitUntilCaughtUp(running)
        #expect(projector.status().lag == 0)
        let start = projector.status().appliedPosition

        let (appended, applied, firstYielding) = try await burst(running, for: .milliseconds(1500))
        let duringBurst = applied - start
        // Only what came before the rate was measured (the first 50 ms of the burst) was applied.
        #expect(firstYielding != nil)
        #expect(appended >= 1000, "the burst itself was too slow to test anything: \(appended) events")
        #expect(duringBurst < UInt64(appended / 2), "applied \(duringBurst) of \(appended) during the burst")

        try await waitUntilCaughtUp(running)
        #expect(projector.status().lag == 0)
        #expect(projector.status().yielding == false)
        await running.stop()
    }

    @Test func aLongBurstWaitsNoLongerThanMaxYield() async throws {
        // The projector only waits while the oldest unapplied event is younger than maxYield.
        let running = try Running(configuration(yieldAbove: 300, maxYield: .milliseconds(600)))
        let projector = running.projector
        let (appended, duringBurst, firstYielding) = try await burst(running, for: .milliseconds(2500))
        // It waited, but went on applying (events older than 600 ms) while the burst went on.
        #expect(appended >= 1000, "the burst itself was too slow to test anything: \(appended) events")
        let waitedFrom = try #require(firstYielding)
        #expect(
            duringBurst > waitedFrom,
            "applied \(duringBurst) of \(appended) during the burst, \(waitedFrom) when it first waited")
        try await waitUntilCaughtUp(running)
        #expect(projector.status().lag == 0)
        await running.stop()
    }

    @Test func withoutAThresholdTheProjectorNeverWaits() async throws {
        let running = try Running(configuration(yieldAbove: nil, maxYield: .seconds(60)))
        let projector = running.projector
        let (appended, _, firstYielding) = try await burst(running, for: .milliseconds(500))
        try await waitUntilCaughtUp(running)
        #expect(firstYielding == nil)
        #expect(projector.status().appliedPosition == UInt64(appended))
        await running.stop()
    }
}
