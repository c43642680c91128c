import Testing

@testable import Adapters

/// The simulator's error windows: the first opens `offsetMs` after its start, then one each period.
@Suite struct SimulatorScheduleTests {
    @Test func aWindowOpensAtItsOffsetAndEveryPeriodAfter() {
        let burst = SimulatorConfiguration.Schedule(code: 130429, periodMs: 60_000, activeMs: 5_000, offsetMs: 20_000)
        let active = stride(from: Int64(0), to: 130_000, by: 500).filter { burst.isActive(elapsedMs: $0) }
        #expect(active.first == 20_000)
        #expect(active.last == 84_500)
        #expect(active.count == 20)
        let plain = SimulatorConfiguration.Schedule(code: 131000, periodMs: 1000, activeMs: 80)
        #expect(plain.isActive(elapsedMs: 0) && plain.isActive(elapsedMs: 1079) && !plain.isActive(elapsedMs: 1080))
        #expect(!SimulatorConfiguration.Schedule(code: 1, periodMs: 0, activeMs: 10).isActive(elapsedMs: 0))
    }
}
