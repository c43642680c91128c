import NIOCore
import NIOHTTPTypes

/// The error a request's body reading fails with when its deadline passed.
public struct RequestDeadlineExceeded: Error, CustomStringConvertible {
    public let deadline: Duration
    public var description: String {
        "the request's body was not received within \(deadline) of its headers; the connection was closed"
    }
}

/// Gives each request a deadline to be read whole, from its head to its end. A body trickled in
/// more slowly is cut: the reader of the body gets `RequestDeadlineExceeded`, and the connection
/// is closed.
///
/// Hummingbird's idle timeout alone cannot do this: it is renewed by every body part read, so a
/// client sending a byte now and then would hold the connection for ever. The time to send the
/// headers is bounded by the idle timeout (nothing is read from the connection until the head is
/// complete), the body by this deadline.
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let deadline: Duration
    /// When the head of the request being read arrived; `nil` between requests.
    private var requestStarted: NIODeadline?
    /// At most one per connection, checked when it fires (like Hummingbird's idle timer): a
    /// request costs a clock read, not a timer scheduled and cancelled.
    private var timer: Scheduled<Void>?

    init(deadline: Duration) {
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            let now = NIODeadline.now()
            requestStarted = now
            if timer == nil { schedule(context, at: now + TimeAmount(deadline)) }
        case .end:
            requestStarted = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    private func schedule(_ context: ChannelHandlerContext, at due: NIODeadline) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [weak self] in
            guard let self else { return }
            timer = nil
            guard let started = requestStarted else { return }  // rescheduled by the next head
            let due = started + TimeAmount(deadline)
            guard NIODeadline.now() >= due else { return schedule(context, at: due) }
            requestStarted = nil
            context.fireErrorCaught(RequestDeadlineExceeded(deadline: deadline))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
