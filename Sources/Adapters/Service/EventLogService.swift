public import EventStore
public import ServiceLifecycle

/// Keeps the event log open while the service runs; on graceful shutdown (after the services
/// started after it have stopped) finishes pending appends and closes it.
public struct EventLogService: Service {
    public let log: EventLog

    public init(log: EventLog) { self.log = log }

    public func run() async throws {
        try? await gracefulShutdown()
        await log.close()
    }
}
