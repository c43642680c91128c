import HTTPTypes
public import Hummingbird
import HummingbirdCore
public import Logging
public import NIOCore

/// The feed's own port (`--ws-port`, default 3001, on `--api-host`): the WebSocket at `/` and at
/// `/api/webhook/ws`, and for anything else an answer in the dashboard's error shape (401, 400,
/// 503 or 426 for a feed request that was not upgraded, 404 elsewhere).
public enum FeedPort {
    static let paths: Set<String> = ["/", FeedRoutes.webSocketPath]

    /// The application on `host`:`port` (0 picks a free port).
    public static func application(
        hub: FeedHub, host: String, port: Int, token: String?, open: Bool, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var limits = WebhookServer.Limits()
        limits.maxConnections = hub.configuration.maxClients + 64
        let access = DashboardAccess(token: token, open: open, logger: logger)
        let router = Router(context: DashboardRequestContext.self)
        router.add(middleware: Refusals(hub: hub, access: access))
        return Application(
            router: router,
            server: server(limits: limits, feed: WebSocketFeed(hub: hub, access: access, paths: paths)),
            configuration: WebhookServer.configuration(
                address: .hostname(host, port: port), serverName: nil, limits: limits, logger: logger),
            onServerRunning: onServerRunning, logger: logger)
    }

    /// The HTTP/1 channel of a port with the feed: the webhook port's idle timeout and body
    /// deadline for plain requests, and WebSocket upgrades of the feed's paths.
    static func server(limits: WebhookServer.Limits, feed: WebSocketFeed?) -> HTTPServerBuilder {
        guard let feed else { return WebhookServer.server(limits: limits) }
        let bodyTimeout = limits.bodyTimeout
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestDeadlineHandler(deadline: bodyTimeout), PeerWatch()],
            idleTimeout: TimeAmount(limits.idleTimeout))
        let settings = FeedUpgradeChannel.WebSocketSettings(pingInterval: feed.hub.configuration.pingTimeout / 2)
        return HTTPServerBuilder { responder in
            FeedUpgradeChannel(
                responder: FeedUpgradeChannel.closingAfterLateUpgrades(responder), http1: http1, webSocket: settings,
                decide: feed.decide)
        }
    }

    /// Every request the feed port answers without an upgrade: why it was not upgraded.
    struct Refusals: RouterMiddleware {
        typealias Context = DashboardRequestContext
        let hub: FeedHub
        let access: DashboardAccess

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
            async throws -> Response
        {
            var response: Response
            do {
                guard FeedPort.paths.contains(request.uri.path) else { throw DashboardError.pathNotFound() }
                guard request.method == .get else {
                    throw DashboardError.methodNotAllowed(request.method, allowed: ["GET"])
                }
                try access.check(
                    path: FeedRoutes.webSocketPath, authorization: FeedRequest.credential(request.head),
                    peer: context.peer)
                response = try FeedRoutes.refusal(request, hub)
            } catch let error as DashboardError {
                response = DashboardFrame.response(error)
            }
            DashboardFrame.secure(&response.headers)
            return response
        }
    }
}
