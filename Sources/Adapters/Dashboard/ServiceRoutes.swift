import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics`: Prometheus's text format, behind the token; `GET /openapi.json`: the contract, public.
enum ServiceRoutes {
    static func openAPI() -> DashboardRoute {
        .get("/openapi.json") { request, _ in
            _ = try QueryParameters(query: request.uri.query, allowed: [])
            return JSONAnswer.response(ByteBuffer(bytes: OpenAPIDocument.json), headers: [.cacheControl: "no-cache"])
        }
    }

    static func prometheus(_ telemetry: ServiceTelemetry?) -> DashboardRoute {
        .get("/metrics") { request, _ in
            _ = try QueryParameters(query: request.uri.query, allowed: [])
            guard let telemetry else { throw DashboardError.unavailable("this process collects no metrics") }
            return Response(
                status: .ok,
                headers: [.contentType: ServiceTelemetry.prometheusContentType, .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: telemetry.prometheusText())))
        }
    }
}
