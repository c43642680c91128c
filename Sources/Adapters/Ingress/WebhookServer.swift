public import Hummingbird
public import HummingbirdCore
public import Logging
public import NIOCore

/// The public port's HTTP server: Hummingbird's HTTP/1 channel, hardened against slow and greedy
/// clients with what Hummingbird offers (an idle timeout, a cap on open connections) and one
/// handler of ours (a deadline for each request's body, `RequestDeadlineHandler`).
///
/// What a client meets:
/// - A connection with no request in progress is closed after `idleTimeout`; so is one whose
///   headers have not all arrived by then (sent byte by byte, or not at all).
/// - A body must be received within `bodyTimeout` of its headers, else the connection is closed
///   and nothing is stored.
/// - At most `maxConnections` connections are open at once (NIO may accept a few more in one go).
///   Past that, new connections are not refused: they wait in the kernel's listen backlog
///   (`backlog`) and are accepted as open ones close. As every open connection is closed after at
///   most `idleTimeout` + `bodyTimeout` of holding a request's reading up (the time a handler takes
///   to answer aside), a client that connects past the limit is served within about that long.
///   Once the backlog is full too, the kernel drops new connection attempts (clients retry them).
public enum WebhookServer {
    public struct Limits: Sendable {
        /// Default 15 s.
        public var idleTimeout: Duration = .seconds(15)
        /// Default 20 s: 3 MiB at 150 KiB/s.
        public var bodyTimeout: Duration = .seconds(20)
        /// Default 512.
        public var maxConnections = 512
        /// Connections waiting to be accepted (default 256, Hummingbird's).
        public var backlog = 256

        public init() {}
    }

    /// The HTTP/1 channel: the idle timeout and the body deadline.
    public static func server(limits: Limits) -> HTTPServerBuilder {
        let bodyTimeout = limits.bodyTimeout
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [RequestDeadlineHandler(deadline: bodyTimeout)],
                idleTimeout: TimeAmount(limits.idleTimeout)))
    }

    /// The listener: address, backlog and the connection cap.
    public static func configuration(
        address: BindAddress, serverName: String?, limits: Limits, logger: Logger
    ) -> ApplicationConfiguration {
        ApplicationConfiguration(
            address: address, serverName: serverName, backlog: limits.backlog,
            availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger))
    }

    /// The public port's application, ready to run as a service.
    public static func application(
        router: Router<WebhookRequestContext>, address: BindAddress, serverName: String? = "clickunlock",
        limits: Limits = Limits(), logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> Application<RouterResponder<WebhookRequestContext>> {
        Application(
            router: router, server: server(limits: limits),
            configuration: configuration(address: address, serverName: serverName, limits: limits, logger: logger),
            onServerRunning: onServerRunning, logger: logger)
    }
}
