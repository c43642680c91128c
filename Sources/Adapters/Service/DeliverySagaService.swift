public import Delivery
public import Logging
public import ServiceLifecycle

/// Runs the delivery saga until graceful shutdown (it then finishes the calls in flight). If it
/// fails it says so and stops alone: webhooks keep being stored, and the saga picks every
/// unfinished delivery up again from the log at the next start.
public struct DeliverySagaService: Service {
    public let saga: DeliverySaga
    public let logger: Logger

    public init(saga: DeliverySaga, logger: Logger) {
        self.saga = saga
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await saga.run()
            }
        } catch is CancellationError {
            return
        } catch {
            logger.critical(
                "delivery saga stopped: \(error); clicks are still stored in the log and unfinished deliveries continue at the next start")
        }
    }
}
