import Adapters
import EventStore
import Foundation
import Projections

/// `projections` (the SQLite file opens read-only, every projection is there at this build's
/// version and settings, and how far behind the log it is) and `deliveries` (deliveries in flight
/// and the oldest one's age, as the deliveries projection holds them).
enum DoctorProjectionChecks {
    static let projectionsTitle = "Projections exist, are current and keep up"
    static let deliveriesTitle = "Deliveries in flight"

    static func check(
        _ context: DoctorContext, _ configuration: ServiceConfiguration, log: LogReader?
    ) -> [DoctorResult] {
        let rebuild = "`clickunlock rebuild \(context.dataFlag)` (service stopped) rebuilds them from the log"
        guard FileManager.default.fileExists(atPath: context.projectionsPath) else {
            let none = DoctorResult.warning(
                "projections", projectionsTitle, "\(context.projectionsPath) does not exist yet",
                ["`serve` creates and fills it when it starts", rebuild])
            return [none, .skipped("deliveries", deliveriesTitle, "no projections to read")]
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let health: ProjectionsHealth
        do {
            let database = try ProjectionDatabase.openReadOnly(path: context.projectionsPath)
            health = try database.read { db in
                try Dashboard.projectionsHealth(db, now: now, sagaEnabled: configuration.delivery.enabled)
            }
        } catch {
            let failed = DoctorResult.failed(
                "projections", projectionsTitle,
                "\(context.projectionsPath) cannot be read as the projections' database",
                ["the projections are derived from the log: stop the service, move the file aside, then " + rebuild])
            return [failed, .skipped("deliveries", deliveriesTitle, "no projections to read")]
        }
        return [
            projections(health, context, configuration, log: log, rebuild: rebuild),
            deliveries(health, context, configuration),
        ]
    }

    private static func projections(
        _ health: ProjectionsHealth, _ context: DoctorContext, _ configuration: ServiceConfiguration, log: LogReader?,
        rebuild: String
    ) -> DoctorResult {
        let name = "projections"
        let stored = Dictionary(health.projector.projections.map { ($0.name, $0) }) { first, _ in first }
        var stale: [String] = []
        for projection in configuration.projections.projectionSettings.projections() {
            guard let state = stored[projection.name] else {
                stale.append("\(projection.name) is missing")
                continue
            }
            if state.version != projection.version {
                stale.append("\(projection.name) is at version \(state.version), this build's is \(projection.version)")
            }
        }
        let position = health.projector.position
        let last = log?.lastPosition ?? position
        let lagEvents = last > position ? last - position : 0
        var lagMs: Int64 = 0
        if lagEvents > 0, let log {
            var iterator = log.events(from: position + 1).makeAsyncIterator()
            if let first = try? iterator.nextEvent() {
                lagMs = max(0, Int64(Date().timeIntervalSince1970 * 1000) - first.timestamp)
            }
        }
        let lag = "at position \(position) of \(last) (\(lagEvents) event(s), \(lagMs / 1000) s behind)"
        if !stale.isEmpty {
            return .warning(
                name, projectionsTitle, stale.joined(separator: "; ") + "; " + lag,
                [
                    "restart the service: `serve` rebuilds a missing or outdated projection at start "
                        + "(it replays the log)",
                    rebuild,
                ])
        }
        let skipped = health.projector.projections.reduce(0) { $0 + $1.skipped }
        if skipped > 0 {
            return .warning(
                name, projectionsTitle, "\(lag); \(skipped) event(s) skipped as unappliable",
                [
                    "see which and why: `sqlite3 \(context.projectionsPath) 'SELECT * FROM projection_skips'` "
                        + "(or GET /api/webhook/health)",
                    "after a fix of the cause: " + rebuild,
                ])
        }
        if context.writerRunning, lagMs > HealthRules.maxLagMs {
            return .warning(
                name, projectionsTitle, "\(lag): more than \(HealthRules.maxLagMs / 1000) s behind the running service",
                [
                    "a burst of webhooks: projections wait it out (projections_max_yield_seconds), then catch up",
                    "if it keeps growing, the projector has stopped: see the service log, restart the service",
                ])
        }
        let note = !context.writerRunning && lagEvents > 0 ? " (the service applies the rest when it starts)" : ""
        return .ok(name, projectionsTitle, "\(health.projector.projections.count) projection(s), " + lag + note)
    }

    private static func deliveries(
        _ health: ProjectionsHealth, _ context: DoctorContext, _ configuration: ServiceConfiguration
    ) -> DoctorResult {
        let api = "http://\(configuration.dashboardAPI.host):\(configuration.dashboardAPI.port)"
        let name = "deliveries"
        let saga = health.saga
        guard saga.inFlight > 0, let age = saga.oldestInFlightAgeMs else {
            return .ok(name, deliveriesTitle, "none in flight")
        }
        let detail =
            "\(saga.inFlight) in flight, the oldest started \(age / 1000) s ago; "
            + "\(saga.stepsAwaitingReconciliation) step(s) awaiting reconciliation"
        if !context.writerRunning {
            return .warning(
                name, deliveriesTitle, detail + "; no service is running to finish them",
                ["start the service: the delivery saga resumes every unfinished delivery from the log"])
        }
        if age > HealthRules.maxInFlightMs {
            return .warning(
                name, deliveriesTitle, detail + " (more than \(HealthRules.maxInFlightMs / 60_000) min)",
                [
                    "see why: `curl -H \"Authorization: Bearer $CLICKUNLOCK_DASHBOARD_TOKEN\" "
                        + "\(api)/api/webhook/deliveries?state=retrying` (last_error_code, reason)",
                    "Graph API errors (rate limits 130429/131056, an expired token 190): the graph_token check, and "
                        + "the service log",
                ])
        }
        return .ok(name, deliveriesTitle, detail)
    }
}
