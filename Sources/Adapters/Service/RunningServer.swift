public import Hummingbird
public import Logging
import ServiceLifecycle

/// A Hummingbird application running in the background on 127.0.0.1, for tests, benchmarks and
/// tools that wire several local servers together: `start` returns once it listens.
public final class RunningServer: Sendable {
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    public static func start<Responder: HTTPResponderBuilder>(
        router: Responder, port: Int = 0, name: String = "local", logger: Logger = Logger(label: "local-server")
    ) async throws -> RunningServer
    where Responder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: name),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? -1) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            _ = try await task.value
            throw CancellationError()
        }
        return RunningServer(port: bound, group: group, task: task)
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting, finishes requests in flight, and returns when stopped.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
