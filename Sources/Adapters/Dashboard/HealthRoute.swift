import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import NIOCore
import Projections
import Synchronization

/// `GET /api/webhook/health`: the projections' part (projector, saga; read in one transaction, kept
/// for the second at an unchanged position), the process's own part (log, ingress, disk, Graph API,
/// build; from `ServiceTelemetry`, fresh every time), the live feed's clients, and the status with its reasons
/// (`HealthRules`). No `ETag` (it changes with the time), never cached by clients.
final class HealthRoute: Sendable {
    let answers: DataAnswers
    let telemetry: ServiceTelemetry?
    let projectorRunning: @Sendable () -> Bool
    let sagaEnabled: Bool
    let feed: FeedHub?
    private let kept = Mutex<(position: UInt64, second: Int64, health: ProjectionsHealth)?>(nil)

    init(
        answers: DataAnswers, telemetry: ServiceTelemetry?, projectorRunning: @escaping @Sendable () -> Bool,
        sagaEnabled: Bool, feed: FeedHub? = nil
    ) {
        self.feed = feed
        self.answers = answers
        self.telemetry = telemetry
        self.projectorRunning = projectorRunning
        self.sagaEnabled = sagaEnabled
    }

    var route: DashboardRoute {
        .get("/api/webhook/health") { request, _ in try await self.answer(request) }
    }

    private func answer(_ request: Request) async throws -> Response {
        let query = try QueryParameters(query: request.uri.query, allowed: ["format"])
        _ = try Representation.choose(format: query["format"], accept: request.headers[.accept], csvAllowed: false)
        guard let telemetry else {
            throw DashboardError.unavailable("this process collects no health figures")
        }
        let reader = answers.reader
        let now = reader.wall.now()
        let (position, stored) = try await projections(now: now)
        let envelope = reader.envelope(at: position)
        var health = stored
        health.projector.position = position
        health.projector.lagEvents = envelope.lagEvents
        health.projector.lagMs = envelope.lagMs
        let process = telemetry.processHealth(now: now)
        var figures = HealthRules.Figures()
        figures.projectorRunning = projectorRunning()
        figures.lagMs = envelope.lagMs
        figures.skipped = health.projector.projections.reduce(0) { $0 + $1.skipped }
        figures.diskFreeBytes = process.disk.freeBytes
        figures.diskTotalBytes = process.disk.totalBytes
        figures.graphCalls = process.graphAPI.calls
        figures.graphErrors = process.graphAPI.outcomes.filter { $0.outcome != "ok" }.reduce(0) { $0 + $1.count }
        figures.oldestInFlightAgeMs = health.saga.oldestInFlightAgeMs
        let (status, reasons) = HealthRules.evaluate(figures)

        var members = Array(#""status":"\#(status)","reasons":"#.utf8) + (try JSONAnswer.encode(reasons))
        members += Array(",".utf8) + JSONObject.bytes(health).dropFirst().dropLast()
        let processJSON = try JSONAnswer.encode(process)
        if processJSON.count > 2 { members += Array(",".utf8) + processJSON.dropFirst().dropLast() }
        if let feed { members += Array(#","feed":"#.utf8) + (try JSONAnswer.encode(feed.figures)) }
        let body = envelope.wrap([UInt8(ascii: "{")] + members + [UInt8(ascii: "}")])
        return JSONAnswer.response(
            body, headers: [.projectionPosition: String(position), .cacheControl: "no-store"])
    }

    /// The projections' part at `now`: read again when the projector's position or the second changed.
    private func projections(now: Int64) async throws -> (UInt64, ProjectionsHealth) {
        let committed = answers.reader.committedPosition
        if let kept = kept.withLock({ $0 }), kept.position == committed, kept.second == now / 1000 {
            return (kept.position, kept.health)
        }
        let sagaEnabled = sagaEnabled
        let (position, health) = try await answers.reader.read { db in
            try Dashboard.projectionsHealth(db, now: now, sagaEnabled: sagaEnabled)
        }
        kept.withLock { $0 = (position, now / 1000, health) }
        return (position, health)
    }
}
