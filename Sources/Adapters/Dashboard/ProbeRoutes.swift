import HTTPTypes
import Hummingbird

/// `GET /healthz` (liveness: 200 while the process serves) and `GET /readyz` (200 once the log is
/// open and the projections have caught up to where the log was at start, else 503). No token,
/// no details, never cached.
enum ProbeRoutes {
    static func routes(ready: @escaping @Sendable () -> Bool) -> [DashboardRoute] {
        [
            .get("/healthz") { _, _ in JSONAnswer.response(#"{"status":"ok"}"#) },
            .get("/readyz") { _, _ in
                guard ready() else {
                    var response = JSONAnswer.response(#"{"status":"not_ready"}"#, status: .serviceUnavailable)
                    response.headers[.retryAfter] = "1"
                    return response
                }
                return JSONAnswer.response(#"{"status":"ready"}"#)
            },
        ]
    }
}
