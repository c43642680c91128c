import NIOCore
import NIOHTTPTypes
import NIOPosix

/// Tells when the peer of a connection has gone (its input closed, or the connection ended), for
/// answers that stream until it does: an event stream writes nothing for seconds, so a write would
/// notice a client that left only at the next heartbeat, holding its place until then.
final class PeerWatch: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPRequestPart

    private let gone: EventLoopPromise<Void>

    init() { gone = MultiThreadedEventLoopGroup.singleton.next().makePromise() }

    /// Returns when the peer has gone, or when the task is cancelled.
    func waitUntilGone() async { _ = try? await FutureWait.value(gone.futureResult) }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { gone.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        gone.succeed()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { gone.succeed() }

    /// The watch of `channel`, if its pipeline has one.
    static func of(_ channel: any Channel) async -> PeerWatch? {
        try? await channel.pipeline.handler(type: PeerWatch.self).get()
    }
}
