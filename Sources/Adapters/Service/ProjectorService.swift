public import Projections
public import ServiceLifecycle

/// Runs the projector until graceful shutdown.
public struct ProjectorService: Service {
    public let projector: Projector

    public init(projector: Projector) { self.projector = projector }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await projector.run()
        }
    }
}
