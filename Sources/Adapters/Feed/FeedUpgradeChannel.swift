import HTTPTypes
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
@_spi(WSInternal) import WSCore

/// The HTTP/1 channel of a port serving the live feed: WebSocket upgrades through swift-websocket's
/// handler (hummingbird-websocket's core), every other request through the port's router.
///
/// hummingbird-websocket's own channel answers every refused upgrade with a bare 400 (NIO does not
/// hand the refused request on to the router). The feed must answer a refused upgrade as any
/// dashboard request, in the contract's error shape: 401 for a wrong token, 400 naming a bad
/// parameter, 503 at capacity. So the decision here carries the error, and this channel writes it.
struct FeedUpgradeChannel: ServerChildChannel, HTTPChannelHandler {
    enum Decision: Sendable {
        /// Upgrade: the response's extra headers and the session to run.
        case accept(HTTPFields, Session)
        /// Answer this error, and close.
        case refuse(DashboardError)
        /// Not the feed's: answered as the request would be without the upgrade (a bare 400).
        case ignore
    }

    typealias Decide = @Sendable (HTTPRequest, any Channel) -> Decision
    typealias Session =
        @Sendable (WebSocketInboundStream, WebSocketOutboundWriter, FeedSessionContext) async throws
        -> Void

    struct WebSocketSettings: Sendable {
        /// A client answering no ping for twice this is closed.
        var pingInterval: Duration
        var closeTimeout: Duration = .seconds(5)
        /// The largest frame a client may send (the feed reads none but pongs and closes).
        var maxFrameSize = 1 << 14
    }

    enum UpgradeResult: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, Session, Logger)
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, DashboardError)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let http1: HTTP1Channel.Configuration
    let webSocket: WebSocketSettings
    let decide: Decide

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let decided = NIOLockedValueBox<Decision?>(nil)
            let decide = decide
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: webSocket.maxFrameSize,
                shouldUpgrade: { channel, head in
                    let decision =
                        (try? HTTPRequest(head, secure: false, splitCookie: false)).map { decide($0, channel) }
                        ?? .ignore
                    decided.withLockedValue { $0 = decision }
                    guard case .accept(let fields, _) = decision else {
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    var headers = HTTPHeaders()
                    for field in fields { headers.add(name: field.name.rawName, value: field.value) }
                    return channel.eventLoop.makeSucceededFuture(headers)
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .accept(_, let session) = decided.withLockedValue({ $0 }) else {
                            throw ChannelError.inappropriateOperationForState
                        }
                        let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true))
                        return UpgradeResult.websocket(asyncChannel, session, logger)
                    }
                })
            let http1 = http1
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(http1.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger)
                        )
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true))
                        switch decided.withLockedValue({ $0 }) {
                        case .refuse(let error): return UpgradeResult.refused(http, error)
                        case .ignore: return UpgradeResult.refused(http, Self.notFeed)
                        default: return UpgradeResult.http(http)
                        }
                    }
                })
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(
                upgradeConfiguration: upgrade)
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
                configuration: configuration)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let error):
                try await http.executeThenClose { _, outbound in
                    try await outbound.write(contentsOf: Self.answer(error))
                }
            case .websocket(let asyncChannel, let session, let logger):
                _ = try await WebSocketHandler.handle(
                    type: .server,
                    configuration: .init(
                        extensions: [], autoPing: .enabled(timePeriod: webSocket.pingInterval),
                        closeTimeout: webSocket.closeTimeout, validateUTF8: false,
                        maxFrameSize: webSocket.maxFrameSize),
                    asyncChannel: asyncChannel, context: FeedSessionContext(logger: logger, channel: value.channel),
                    handler: session)
            }
        } catch {
            logger.debug("live feed connection ended: \(type(of: error))")
        }
    }
}

extension FeedUpgradeChannel {
    /// `responder`, closing the connection after answering an upgrade that came after another
    /// request on it (NIO upgrades only a connection's first): the client's retry then gets a
    /// fresh connection, where its upgrade is the first request.
    static func closingAfterLateUpgrades(_ responder: @escaping HTTPChannelHandler.Responder)
        -> HTTPChannelHandler.Responder
    {
        struct LateUpgrade: Error {}
        return { request, writer, channel in
            try await responder(request, writer, channel)
            if request.headers[.upgrade]?.lowercased() == "websocket" { throw LateUpgrade() }
        }
    }

    /// An upgrade asked on a path that has none (the request itself was consumed by the attempt).
    static let notFeed = DashboardError(
        .badRequest, code: "bad_parameter", "no WebSocket here; the live feed's is at \(FeedRoutes.webSocketPath)")

    /// The error's answer, as the dashboard frame writes it, on a connection closed after it.
    static func answer(_ error: DashboardError) -> [HTTPResponsePart] {
        let body = ByteBuffer(bytes: error.body)
        var headers = error.headers
        headers[.contentType] = JSONAnswer.contentType
        headers[.contentLength] = String(body.readableBytes)
        headers[.connection] = "close"
        DashboardFrame.secure(&headers)
        return [.head(HTTPResponse(status: error.status, headerFields: headers)), .body(body), .end(nil)]
    }
}

/// What a feed session knows of its connection.
struct FeedSessionContext: WebSocketContext {
    let logger: Logger
    let channel: any Channel
}
