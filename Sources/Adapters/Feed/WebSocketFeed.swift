import HTTPTypes
import Logging
import NIOCore
import NIOWebSocket
import WSCore

/// The feed over WebSocket: which upgrades are taken (the same rules as the answers a refused one
/// gets from the router), and the session that writes a client's frames.
struct WebSocketFeed: Sendable {
    let hub: FeedHub
    let access: DashboardAccess
    let paths: Set<String>

    /// Close code of a slow consumer (in the private-use range of RFC 6455).
    static let slowConsumerCode = WebSocketErrorCode.unknown(4008)
    /// How long a close frame waits for a client that reads nothing.
    static let closeGrace: Duration = .seconds(10)
    /// Close code when the feed was full after all (a race with other clients).
    static let tryAgainLaterCode = WebSocketErrorCode.unknown(1013)

    /// Takes the upgrade when the path is the feed's, the token is right (wrong ones count toward
    /// the failed-token slowdown), the query is valid and there is room; otherwise refuses it with
    /// the error a plain request would get.
    func decide(_ head: HTTPRequest, _ channel: any Channel) -> FeedUpgradeChannel.Decision {
        guard let target = head.path else { return .ignore }
        let (path, query) = Self.split(target)
        guard paths.contains(path) else { return .ignore }
        let request: FeedRequest
        do {
            guard head.method == .get else { throw DashboardError.methodNotAllowed(head.method, allowed: ["GET"]) }
            try access.check(
                path: FeedRoutes.webSocketPath, authorization: FeedRequest.credential(head),
                peer: channel.remoteAddress?.ipAddress ?? "unknown")
            request = try FeedRequest(query: query)
            try FeedRoutes.checkRoom(hub)
        } catch let error as DashboardError {
            return .refuse(error)
        } catch {
            return .refuse(.internalError)
        }
        var headers: HTTPFields = [:]
        if let subprotocol = FeedRequest.acceptedSubprotocol(head) { headers[.secWebSocketProtocol] = subprotocol }
        let hub = hub
        return .accept(
            headers,
            { inbound, outbound, context in
                await Self.session(request, hub: hub, inbound: inbound, outbound: outbound, context: context)
            })
    }

    static func split(_ target: String) -> (path: String, query: String?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    private static func session(
        _ request: FeedRequest, hub: FeedHub, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        context: FeedSessionContext
    ) async {
        let subscription: FeedHub.Subscription
        do {
            subscription = try hub.subscribe(request, transport: .websocket)
        } catch {
            await close(outbound, tryAgainLaterCode, "the live feed is full; retry later", context)
            return
        }
        defer { hub.unsubscribe(subscription.client) }
        let progress = FeedDelivery.Progress(subscription.start)
        let ended = await FeedDelivery.run(
            subscription, hub: hub, progress: progress,
            write: { frame in
                try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frame.json)))
            },
            peerGone: {
                // Reading is what answers pings and sees the client's close.
                do { for try await _ in inbound {} } catch {}
            })
        switch ended {
        case .slowConsumer:
            await close(outbound, slowConsumerCode, FeedDelivery.slowConsumerReason(progress), context)
        case .shutdown:
            await close(outbound, .goingAway, FeedDelivery.shutdownReason, context)
        case nil:
            break
        }
    }

    /// Sends the close frame after the frames already written. A slow client gets it once it reads
    /// them; one that reads nothing for `closeGrace` is disconnected without it.
    private static func close(
        _ outbound: WebSocketOutboundWriter, _ code: WebSocketErrorCode, _ reason: String, _ context: FeedSessionContext
    ) async {
        let sent = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await outbound.close(code, reason: reason)
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: closeGrace)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !sent { try? await context.channel.close() }
    }
}
