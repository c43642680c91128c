import Projections

/// How the projector shares the CPU with ingestion (mapped onto `Projector.Configuration`), and
/// the reporting time zone of the per-day projections and the size of the recent events.
struct ProjectionsConfiguration {
    /// Above this many log events per second the projector waits for the burst to pass (0: never).
    var yieldAboveEventsPerSecond = 10_000
    /// ...for at most this long behind the log.
    var maxYield = Projector.Configuration().maxYield
    /// The metrics' and the template funnel's second set of days (the first is always UTC).
    var reportingTimeZone = ProjectionSettings().reportingTimeZone
    /// How many events the recent-events projection keeps (and the live feed resumes from).
    var recentEvents = ProjectionSettings().recentEventsLimit

    /// The projections' own settings, this configuration's reporting zone included.
    var projectionSettings: ProjectionSettings {
        var settings = ProjectionSettings()
        settings.reportingTimeZone = reportingTimeZone
        settings.recentEventsLimit = recentEvents
        return settings
    }
}
