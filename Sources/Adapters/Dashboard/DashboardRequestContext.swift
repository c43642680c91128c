public import Hummingbird
public import NIOCore

/// The request context of the dashboard port: Hummingbird's basics, the peer's address (for the
/// failed-token slowdown) and a small upload bound (the one route with a body takes JSON).
public struct DashboardRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The connection (the event stream watches it for the client leaving).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }

    /// The largest body any dashboard route reads (`POST /api/templates/send`).
    public var maxUploadSize: Int { DashboardFrame.maxBodyBytes }

    /// The peer's address without its port: what the failed-token slowdown counts by.
    var peer: String { remoteAddress?.ipAddress ?? "unknown" }
}
