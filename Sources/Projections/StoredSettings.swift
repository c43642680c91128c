import Foundation
public import GRDB

extension ProjectionSettings {
    /// The settings the projections in `db` were built with (their `projection_state` rows), so
    /// that `rebuild` and `project` keep what `serve` was configured with (its reporting time zone,
    /// say) instead of resetting to the defaults; a default for anything not recorded or not valid.
    public static func stored(_ db: Database) throws -> ProjectionSettings {
        var settings = ProjectionSettings()
        guard try db.tableExists("projection_state") else { return settings }
        let states = try ProjectionState.all(db)
        func value(_ projection: String, _ key: String) -> String? {
            guard let text = states[projection]?.settings, text.hasPrefix(key + "=") else { return nil }
            return String(text.dropFirst(key.count + 1))
        }
        if let zone = value("metrics", "zone"), TimeZone(identifier: zone) != nil { settings.reportingTimeZone = zone }
        if let hours = value("realtime", "hours").flatMap(Int.init), hours > 0 {
            settings.realtimeRetentionHours = hours
        }
        if let limit = value("recent_events", "limit").flatMap(Int.init), limit > 0 {
            settings.recentEventsLimit = limit
        }
        return settings
    }

    /// `stored(_:)` of the projections file at `path`, read-only; the defaults when there is none.
    public static func stored(atPath path: String) throws -> ProjectionSettings {
        guard FileManager.default.fileExists(atPath: path) else { return ProjectionSettings() }
        return try ProjectionDatabase.openReadOnly(path: path).read { try stored($0) }
    }
}
