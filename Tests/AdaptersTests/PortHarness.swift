import Adapters
import EventStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The public webhook port as `serve` builds it (`WebhookServer`, `WebhookRoutes`,
/// `WebhookIngestor`), on 127.0.0.1 with a real log in a temporary directory.
final class PortHarness: @unchecked Sendable {
    let temp: TempLog
    let log: EventLog
    let ingestor: WebhookIngestor
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(
        temp: TempLog, log: EventLog, ingestor: WebhookIngestor, port: Int, group: ServiceGroup,
        task: Task<Void, any Error>
    ) {
        self.temp = temp
        self.log = log
        self.ingestor = ingestor
        self.port = port
        self.group = group
        self.task = task
    }

    static func start(
        limits: WebhookServer.Limits = .init(), ingestorLimits: WebhookIngestor.Limits = .init(),
        bodyLimit: Int = 3 * 1024 * 1024, logConfiguration: EventLogConfiguration = .init(),
        secret: String? = fixtureSecret,
        logger: Logger = quietLogger()
    ) async throws -> PortHarness {
        // `logger` is the ingestor's; the server's own lines (started, connections) stay out of it.
        let temp = TempLog()
        let log = try EventLog.open(directory: temp.log, configuration: logConfiguration)
        let ingestor = WebhookIngestor(
            log: log, signature: secret.map(WebhookSignature.init(appSecret:)), dedupe: DedupeIndex(), logger: logger,
            limits: ingestorLimits)
        var routes = WebhookRoutes.Configuration(verifyToken: "verify-me")
        routes.bodyLimit = bodyLimit
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let app = WebhookServer.application(
            router: WebhookRoutes.router(ingestor: ingestor, configuration: routes),
            address: .hostname("127.0.0.1", port: 0), limits: limits, logger: quietLogger(),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? -1) })
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: quietLogger()))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            _ = try await task.value
            throw CancellationError()
        }
        return PortHarness(temp: temp, log: log, ingestor: ingestor, port: port, group: group, task: task)
    }

    static func quietLogger() -> Logger {
        var logger = Logger(label: "port")
        logger.logLevel = .critical
        return logger
    }

    /// Posts over a connection of its own (`Connection: close`); the status, `nil` without answer.
    func post(
        _ body: [UInt8], signature: String?, requestId: String? = nil, timeout: Duration = .seconds(15)
    ) async throws -> Int? {
        try await RawConnection.post(
            port: port, body: body, signature: signature, requestId: requestId, timeout: timeout)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        await log.close()
    }
}

/// A signed-looking template button tap with message id `wamid` from `from` (ASCII only).
func clickBody(wamid: String, from: String = "919800000001", payload: String = "unlock:2026-11-24") -> [UInt8] {
    let text = """
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":\
        {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",\
        "phone_number_id":"106540352242922"},\
        "contacts":[{"profile":{"name":"Asha Rao"},"wa_id":"\(from)"}],"messages":[{"context":{"from":"15550783881",\
        "id":"wamid.TPL0001"},"from":"\(from)","id":"\(wamid)","timestamp":"1764000060","type":"button",\
        "button":{"payload":"\(payload)","text":"Unlock today's content"}}]}}]}]}
        """
    return Array(text.utf8)
}
