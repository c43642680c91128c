import HTTPTypes
import Hummingbird
import NIOCore

/// The feed's HTTP answers on the dashboard port: Server-Sent Events at
/// `GET /api/webhook/events/stream`, and at `GET /api/webhook/ws` what a request gets that was not
/// upgraded (the frame has checked its token): 400 for a bad query, 503 when full, else 426.
enum FeedRoutes {
    static let webSocketPath = "/api/webhook/ws"
    static let streamPath = "/api/webhook/events/stream"

    /// The paths whose token may also come as a subprotocol or `?token=` (`FeedRequest.credential`).
    static let paths: Set<String> = [webSocketPath, streamPath]

    static func routes(_ hub: FeedHub?) -> [DashboardRoute] {
        [
            .get(webSocketPath) { request, _ in
                try refusal(request, hub)
            },
            .get(streamPath) { request, context in
                guard let hub else { throw off }
                return try EventStream.response(request, hub: hub, watch: await PeerWatch.of(context.channel))
            },
        ]
    }

    /// Why a feed request was not upgraded, as an error (the same checks as `WebSocketFeed.decide`).
    static func refusal(_ request: Request, _ hub: FeedHub?) throws -> Response {
        guard let hub else { throw off }
        _ = try FeedRequest(query: request.uri.query)
        try checkRoom(hub)
        if request.headers[.upgrade]?.lowercased() == "websocket" {
            // NIO upgrades only the first request of a connection; this one came after another.
            throw DashboardError(
                .upgradeRequired, code: "upgrade_required",
                "a WebSocket upgrade must be the first request on its connection, and this one came after another: "
                    + "connect again (this connection is closed)",
                headers: [.upgrade: "websocket", .connection: "close"])
        }
        throw DashboardError(
            .upgradeRequired, code: "upgrade_required",
            "this is the live feed's WebSocket: connect with a WebSocket client (GET with `Upgrade: websocket`), "
                + "or read the same feed as Server-Sent Events at \(streamPath)",
            headers: [.upgrade: "websocket"])
    }

    /// Throws 503 when the feed is full (and counts the refusal).
    static func checkRoom(_ hub: FeedHub) throws(DashboardError) {
        guard hub.takesAnother() else { throw full(hub) }
    }

    static func full(_ hub: FeedHub) -> DashboardError {
        .unavailable(
            "the live feed has its most clients (\(hub.configuration.maxClients), --feed-max-clients); retry later",
            retryAfterSeconds: 5)
    }

    static let off = DashboardError.unavailable("the live feed is off in this process")
}
