public import Clocks
public import EventStore

extension TestClock<Duration> {
    /// Wall time that moves with this test clock: `start` milliseconds since 1970 plus the time
    /// the test has advanced so far. Code under test stamps with it; the test moves both at once.
    public func wall(startingAt start: Int64 = 1_795_000_000_000) -> WallClock {
        WallClock { [self] in
            let elapsed = Instant().duration(to: now).components
            return start + elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000
        }
    }
}
