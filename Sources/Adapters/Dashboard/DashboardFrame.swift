import GRDB
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Projections

/// What every answer of the dashboard port goes through, the first middleware of its router:
///
/// - errors of any kind become the contract's error shape (`DashboardError`); a known path asked
///   with another method is 405 with `Allow`, an unknown path 404; anything unexpected is 500
///   `internal`, logged by its kind only (never SQL, a token or a stack trace);
/// - request bodies are bounded (`maxBodyBytes`, 413);
/// - CORS (`CORSPolicy`): the headers for an allowed origin, and `OPTIONS` preflights (204);
/// - access (`DashboardAccess`): the bearer token and the failed-token slowdown;
/// - security headers on every answer: `X-Content-Type-Options: nosniff`, a `Cache-Control`
///   (`no-store` unless the route set one), a Content-Security-Policy (`default-src 'none'` unless the
///   route set one: the web page's), no framing, no referrer; no `Server` header at all.
struct DashboardFrame: RouterMiddleware {
    typealias Context = DashboardRequestContext

    /// The largest request body (the template sends' JSON).
    static let maxBodyBytes = 1 << 20

    let routes: RouteTable
    let cors: CORSPolicy
    let access: DashboardAccess
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let origin = cors.allowedOrigin(request.head)
        var response: Response
        do {
            response = try await answer(request, context: context, origin: origin, next: next)
        } catch let error as DashboardError {
            response = Self.response(error)
        } catch let error as DashboardQueryError {
            response = Self.response(.badParameter(error.parameter, error.message))
        } catch let error as HTTPError {
            response = Self.response(translate(error, request))
        } catch {
            logger.error(
                "dashboard API: \(request.method.rawValue) \(request.uri.path) failed: \(Self.describe(error))")
            response = Self.response(.internalError)
        }
        Self.secure(&response.headers)
        cors.decorate(&response.headers, origin: origin)
        return response
    }

    private func answer(
        _ request: Request, context: Context, origin: String?, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > Self.maxBodyBytes {
            throw DashboardError.payloadTooLarge(limit: Self.maxBodyBytes)
        }
        let path = request.uri.path
        if request.method == .options {
            guard let methods = routes.methods(for: path) else { throw DashboardError.pathNotFound() }
            var headers: HTTPFields = [.allow: (methods + [.options]).map(\.rawValue).joined(separator: ", ")]
            if origin != nil { cors.preflight(&headers, methods: methods) }
            return Response(status: .noContent, headers: headers)
        }
        // The live feed's token may also come as a WebSocket subprotocol or `?token=`.
        let authorization =
            FeedRoutes.paths.contains(path) ? FeedRequest.credential(request.head) : request.headers[.authorization]
        try access.check(path: path, authorization: authorization, peer: context.peer)
        return try await next(request, context)
    }

    /// Hummingbird's own errors (no route, a body over the bound) in the contract's shape.
    private func translate(_ error: HTTPError, _ request: Request) -> DashboardError {
        switch error.status {
        case .notFound:
            guard let methods = routes.methods(for: request.uri.path) else { return .pathNotFound() }
            if methods.contains(request.method) { return .notFound("not found") }
            return .methodNotAllowed(request.method, allowed: (methods + [.options]).map(\.rawValue))
        case .contentTooLarge:
            return .payloadTooLarge(limit: Self.maxBodyBytes)
        case .badRequest:
            return DashboardError(.badRequest, code: "bad_parameter", "the request is malformed")
        default:
            return DashboardError(
                error.status, code: error.status.code >= 500 ? "internal" : "bad_parameter",
                error.status.reasonPhrase)
        }
    }

    /// An error's answer: its JSON, never cached.
    static func response(_ error: DashboardError) -> Response {
        var headers = error.headers
        headers[.contentType] = JSONAnswer.contentType
        headers[.cacheControl] = "no-store"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: error.body)))
    }

    static func secure(_ headers: inout HTTPFields) {
        headers[.xContentTypeOptions] = "nosniff"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        headers[.xFrameOptions] = "DENY"
        if headers[.contentSecurityPolicy] == nil {
            headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        headers[.referrerPolicy] = "no-referrer"
        headers[.server] = nil
    }

    /// What went wrong, for the log: the kind of error and SQLite's result code, never its SQL or
    /// a value from the request.
    static func describe(_ error: any Error) -> String {
        if let database = error as? DatabaseError { return "SQLite error \(database.resultCode)" }
        return "\(type(of: error))"
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let projectionPosition = HTTPField.Name("X-Projection-Position")!
}
