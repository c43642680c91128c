import NIOCore
import NIOHTTPTypes
import NIOPosix
import Synchronization

/// Tells when the peer of a connection has gone (its input closed, or the connection ended), for
/// answers that stream until it does: an event stream writes nothing for seconds, so a write would
/// notice a client that left only at the next heartbeat, holding its place until then.
final class PeerWatch: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPRequestPart

    private let gone: EventLoopPromise<Void>

    init() { gone = MultiThreadedEventLoopGroup.singleton.next().makePromise() }

    /// Returns when the peer has gone, or when the task is cancelled.
    func waitUntilGone() async {
        let wait = OnceWait()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                wait.set(continuation)
                gone.futureResult.whenComplete { _ in wait.resume() }
            }
        } onCancel: {
            wait.resume()
        }
    }

    /// A continuation resumed once, by whichever comes first (even before it is set).
    private final class OnceWait: Sendable {
        private let state = Mutex<(continuation: CheckedContinuation<Void, Never>?, resumed: Bool)>((nil, false))

        func set(_ continuation: CheckedContinuation<Void, Never>) {
            let resumeNow = state.withLock { state -> Bool in
                if state.resumed { return true }
                state.continuation = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }

        func resume() {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard !state.resumed else { return nil }
                state.resumed = true
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume()
        }
    }

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
