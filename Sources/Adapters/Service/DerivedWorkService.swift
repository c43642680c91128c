public import Logging
public import ServiceLifecycle

/// Runs work derived from the log (the projector, the delivery saga) until graceful shutdown. If
/// it fails it says so and stops alone: webhooks keep being stored, and the work resumes from the
/// log at the next start.
public struct DerivedWorkService: Service {
    /// What stopped, for the log line ("projector", "delivery saga").
    public let name: String
    /// What still holds and what to do, for people reading the log.
    public let afterFailure: String
    public let logger: Logger
    private let work: @Sendable () async throws -> Void
    /// Whether graceful shutdown cancels `work` (a `Service` handles graceful shutdown itself).
    private let cancelWhenShuttingDown: Bool

    public init(name: String, afterFailure: String, logger: Logger, work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.afterFailure = afterFailure
        self.logger = logger
        self.work = work
        self.cancelWhenShuttingDown = true
    }

    /// Runs `service`, which stops by itself at graceful shutdown (the saga finishes its calls in
    /// flight first); its failure is logged and stops it alone.
    public init(name: String, afterFailure: String, logger: Logger, service: some Service) {
        self.name = name
        self.afterFailure = afterFailure
        self.logger = logger
        self.work = { try await service.run() }
        self.cancelWhenShuttingDown = false
    }

    /// Its place in a service group: its end or failure does not stop the others.
    public var configuration: ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: self, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)
    }

    public func run() async throws {
        do {
            if cancelWhenShuttingDown {
                try await cancelWhenGracefulShutdown { try await work() }
            } else {
                try await work()
            }
        } catch is CancellationError {
            return
        } catch {
            logger.critical("\(name) stopped: \(error); \(afterFailure)")
        }
    }
}
