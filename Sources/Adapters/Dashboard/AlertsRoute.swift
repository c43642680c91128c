import GRDB
import Hummingbird
import Projections

/// `GET /api/webhook/alerts`: the service's own alerts firing now and the latest resolved, from
/// the alerts projection.
enum AlertsRoute {
    static func route(_ answers: DataAnswers) -> DashboardRoute {
        .get("/api/webhook/alerts") { request, _ in
            let query = try QueryParameters(query: request.uri.query, allowed: ["format"])
            _ = try Representation.choose(format: query["format"], accept: request.headers[.accept], csvAllowed: false)
            return try await answers.json(request, representation: request.uri.path) { db in
                try Dashboard.alerts(db)
            }
        }
    }
}
