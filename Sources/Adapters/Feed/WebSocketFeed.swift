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
    /// The same at shutdown, shorter: a stopping service (systemd, a deploy) should not wait 10 s
    /// on a client that does not answer.
    static let shutdownCloseGrace: Duration = .seconds(3)
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
            try? await outbound.close(tryAgainLaterCode, reason: "the live feed is full; retry later")
            return
        }
        defer { hub.unsubscribe(subscription.client) }
        let progress = FeedDelivery.Progress(subscription.start)
        await withTaskGroup(of: Step.self) { group in
            // Reading is what answers pings and sees the client's close; it ends when the client
            // leaves, and is never cancelled before the closing handshake has had its chance
            // (ending it early would let the connection be closed before the close frame is sent).
            group.addTask {
                do { for try await _ in inbound {} } catch {}
                return .peerGone
            }
            group.addTask {
                .ended(
                    await FeedDelivery.run(
                        subscription, hub: hub, progress: progress,
                        write: { frames, progress in try await write(frames, to: context.channel, progress) }))
            }
            guard case .ended(let end?) = await group.next() else {
                group.cancelAll()  // the client left, or the connection failed
                return
            }
            // The hub ended the client: the close frame goes after what was written; the client's
            // close answers it (the reading task ends). One that reads nothing is cut after the grace.
            let (code, reason) =
                end == .slowConsumer
                ? (slowConsumerCode, FeedDelivery.slowConsumerReason(progress))
                : (WebSocketErrorCode.goingAway, FeedDelivery.shutdownReason)
            group.addTask {
                try? await outbound.close(code, reason: reason)
                return .closeSent
            }
            group.addTask {
                try? await Task.sleep(for: end == .slowConsumer ? closeGrace : shutdownCloseGrace)
                return .graceOver
            }
            while let step = await group.next(), step == .closeSent {}
            group.cancelAll()
        }
    }

    /// What ends a part of a session.
    private enum Step: Sendable, Equatable {
        case peerGone, ended(FeedClient.End?), closeSent, graceOver
    }

    /// Writes the frames straight into the connection's pipeline, in one hop to its event loop and
    /// one flush (swift-websocket's writer takes one frame per call: a hop and a flush each, too
    /// much for a thousand clients); waits until they are written to the socket, which is the
    /// client's backpressure. Once handed to the event loop they go out before anything written
    /// after them (the close frame among them), so they count as written.
    static func write(_ frames: [FeedFrame], to channel: any Channel, _ progress: FeedDelivery.Progress) async throws {
        guard !frames.isEmpty else { return }
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
            for frame in frames.dropLast() {
                channel.write(WebSocketFrame(fin: true, opcode: .text, data: frame.json), promise: nil)
            }
            channel.writeAndFlush(
                WebSocketFrame(fin: true, opcode: .text, data: frames[frames.count - 1].json), promise: written)
        }
        progress.wrote(frames)
        try await FutureWait.value(written.futureResult)
    }
}
