public import Logging
public import Projections
public import ServiceLifecycle

/// Runs the projector until graceful shutdown. If the projector fails (say its database file is
/// damaged) it says so and stops alone: webhooks keep being stored, and projections, derived
/// from the log, catch up after a restart or a `rebuild`.
public struct ProjectorService: Service {
    public let projector: Projector
    public let logger: Logger

    public init(projector: Projector, logger: Logger) {
        self.projector = projector
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await projector.run()
            }
        } catch is CancellationError {
            return
        } catch {
            logger.critical(
                "projector stopped: \(error); webhooks are still stored in the log; restart the service or run `clickunlock rebuild` to bring projections up to date")
        }
    }
}
