import HTTPTypes
public import Hummingbird

/// One route of the dashboard port: method, path (`:name` for a path parameter) and handler.
/// The routes are listed before the router is built, so that the frame knows every path and its
/// methods (405 with `Allow`) before any route is added behind it.
public struct DashboardRoute: Sendable {
    public typealias Handler = @Sendable (Request, DashboardRequestContext) async throws -> Response

    public let method: HTTPRequest.Method
    public let path: String
    public let handler: Handler

    public init(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        self.method = method
        self.path = path
        self.handler = handler
    }

    static func get(_ path: String, _ handler: @escaping Handler) -> DashboardRoute { .init(.get, path, handler) }
}
