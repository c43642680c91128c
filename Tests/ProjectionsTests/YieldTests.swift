import EventStore
import Foundation
@testable import Projections
import Testing

/// The projector waits out bursts of appends (above `yieldAboveEventsPerSecond`), for at most
/// `maxYield`, and catches up once the burst is over.
@Suite(.serialized) struct YieldTests {
    /// The bursts and the projectors run on threads of their own, at normal priority: under the
    /// whole test suite the shared pool is too busy to append at a steady rate.
    static let appender = BackgroundExecutor(name: "test-appender", runsIdle: false)
    static let projecting = BackgroundExecutor(name: "test-yield-projector", runsIdle: false)

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

    /// Appends 10 events every 2 ms until `duration` has passed. Returns how many, how many the
    /// projector had applied at the end, and when it was first seen yielding (`nil`: never).
    private func burst(_ log: EventLog, _ projector: Projector, for duration: Duration) async throws
        -> (appended: Int, applied: UInt64, appliedWhenFirstYielding: UInt64?)
    {
        try await withTaskExecutorPreference(Self.appender) {
            let events = Array(repeating: NewEvent(type: "test.burst", stream: "s", data: Array("{}".utf8)), count: 10)
            let end = ContinuousClock.now + duration
            var appended = 0
            var firstYielding: UInt64?
            while ContinuousClock.now < end {
                try await log.append(events)
                appended += events.count
                let status = projector.status()
                if firstYielding == nil, status.yielding { firstYielding = status.appliedPosition }
                try await Task.sleep(for: .milliseconds(2))
            }
            return (appended, projector.status().appliedPosition, firstYielding)
        }
    }

    /// The tests wait out bursts above 300 events/s: far below the burst's nominal 5,000/s, so that
    /// a burst slowed down by the rest of the suite on two cores still counts as one.
    private func configuration(yieldAbove: Int?, maxYield: Duration) -> Projector.Configuration {
        var configuration = Projector.Configuration()
        configuration.executor = Self.projecting
        configuration.maxBackgroundLag = .zero  // normal priority throughout
        configuration.yieldAboveEventsPerSecond = yieldAbove
        configuration.maxYield = maxYield
        return configuration
    }

    /// A fresh log (appends not synced) and a projector following it.
    private struct Running {
        let data = TempData()
        let log: EventLog
        let projector: Projector
        let task: Task<Void, any Error>

        init(_ configuration: Projector.Configuration) throws {
            log = try EventLog.open(directory: data.log, configuration: .init { $0.durability = .unsafeNone })
            let projector = try Projector(
                log: log, database: try ProjectionDatabase.openPool(path: data.file("projections.sqlite")), engine: engine,
                configuration: configuration)
            self.projector = projector
            task = Task { try await projector.run() }
        }

        func stop() async {
            task.cancel()
            _ = try? await task.value
            await log.close()
        }
    }

    private func waitUntilCaughtUp(_ projector: Projector) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while projector.status().lag > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func aBurstIsWaitedOutThenCaughtUp() async throws {
        let running = try Running(configuration(yieldAbove: 300, maxYield: .seconds(60)))
        let (log, projector) = (running.log, running.projector)
        // A trickle is applied as it comes.
        try await log.append(NewEvent(type: "test.trickle", stream: "s", data: Array("{}".utf8)))
        try await waitUntilCaughtUp(projector)
        #expect(projector.status().lag == 0)
        let start = projector.status().appliedPosition

        let (appended, applied, firstYielding) = try await burst(log, projector, for: .milliseconds(1500))
        let duringBurst = applied - start
        // Only what came before the rate was measured (the first tens of milliseconds) was applied.
        #expect(firstYielding != nil)
        #expect(appended >= 1000, "the burst itself was too slow to test anything: \(appended) events")
        #expect(duringBurst < UInt64(appended / 2), "applied \(duringBurst) of \(appended) during the burst")

        try await waitUntilCaughtUp(projector)
        #expect(projector.status().lag == 0)
        #expect(projector.status().yielding == false)
        await running.stop()
    }

    @Test func aLongBurstWaitsNoLongerThanMaxYield() async throws {
        // The rate is measured over 100 ms windows, and the projector only waits while the oldest
        // unapplied event is younger than maxYield: 600 ms leaves room for a projector thread that
        // the rest of the suite delays.
        let running = try Running(configuration(yieldAbove: 300, maxYield: .milliseconds(600)))
        let (log, projector) = (running.log, running.projector)
        let (appended, duringBurst, firstYielding) = try await burst(log, projector, for: .milliseconds(2500))
        // It waited, but went on applying (events older than 600 ms) while the burst went on.
        #expect(appended >= 1000, "the burst itself was too slow to test anything: \(appended) events")
        let waitedFrom = try #require(firstYielding)
        #expect(duringBurst > waitedFrom, "applied \(duringBurst) of \(appended) during the burst, \(waitedFrom) when it first waited")
        try await waitUntilCaughtUp(projector)
        #expect(projector.status().lag == 0)
        await running.stop()
    }

    @Test func withoutAThresholdTheProjectorNeverWaits() async throws {
        let running = try Running(configuration(yieldAbove: nil, maxYield: .seconds(60)))
        let (log, projector) = (running.log, running.projector)
        let (appended, _, firstYielding) = try await burst(log, projector, for: .milliseconds(500))
        try await waitUntilCaughtUp(projector)
        #expect(firstYielding == nil)
        #expect(projector.status().appliedPosition == UInt64(appended))
        await running.stop()
    }
}
