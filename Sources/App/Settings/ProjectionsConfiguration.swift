import Projections

/// How the projector shares the CPU with ingestion (mapped onto `Projector.Configuration`).
struct ProjectionsConfiguration {
    /// Above this many log events per second the projector waits for the burst to pass (0: never).
    var yieldAboveEventsPerSecond = 10_000
    /// ...for at most this long behind the log.
    var maxYield = Projector.Configuration().maxYield
}
