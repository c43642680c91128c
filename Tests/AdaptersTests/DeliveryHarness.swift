import Adapters
import AsyncHTTPClient
import Delivery
import Domain
import EventStore
import Foundation
import Logging
import NIOCore
import NIOPosix

/// The delivery pipeline on loopback: the webhook listener appending to a real log in a temp
/// directory, the Graph API simulator (real HTTP, posting signed webhooks back), the saga
/// sending through the real client.
final class DeliveryHarness: @unchecked Sendable {
    static let secret = "harness-app-secret"
    static let token = "harness-token"
    static let number = "100000000000001"

    let temp = TempLog()
    let log: EventLog
    let http: HTTPClient
    let ingress: RunningServer
    let simulator: GraphSimulator
    let simServer: RunningServer
    let saga: DeliverySaga
    private var sagaTask: Task<Void, any Error>?

    init(
        simulator configure: (inout SimulatorConfiguration) -> Void = { _ in },
        saga tune: (inout SagaSettings) -> Void = { _ in },
        clientTimeout: TimeAmount = .seconds(5), manifest: ContentManifest? = nil
    ) async throws {
        log = try EventLog.open(directory: temp.log)
        var logger = Logger(label: "harness")
        logger.logLevel = .critical
        // 51 posts at once beside the simulator's status webhooks, on two cores shared with the
        // suite: the default 8 connections per host and 10 s to get one were too few (CI saw
        // getConnectionFromPoolTimeout).
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        configuration.timeout.connect = .seconds(30)
        http = HTTPClient(
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: configuration)
        let ingestor = WebhookIngestor(
            log: log, signature: WebhookSignature(appSecret: Self.secret), dedupe: DedupeIndex(),
            authorizedContacts: [], logger: logger)
        ingress = try await RunningServer.start(
            router: WebhookRoutes.router(ingestor: ingestor, configuration: .init(verifyToken: nil)), logger: logger)
        var simulatorConfiguration = SimulatorConfiguration(
            accessToken: Self.token, webhookURL: ingress.baseURL + "/webhook", appSecret: Self.secret)
        simulatorConfiguration.sentAfterMs = 5
        simulatorConfiguration.deliveredAfterMs = 10
        configure(&simulatorConfiguration)
        simulator = GraphSimulator(configuration: simulatorConfiguration, http: http, logger: logger)
        simServer = try await RunningServer.start(router: simulator.router(), logger: logger)
        var settings = SagaSettings(phoneNumberId: Self.number)
        settings.messagesPerSecond = 0
        settings.backoffBase = .milliseconds(20)
        settings.reconcileWait = .seconds(1)
        settings.confirmationWait = .seconds(2)
        tune(&settings)
        var graph = GraphAPIClient.Configuration(baseURL: simServer.baseURL, accessToken: Self.token)
        graph.timeout = clientTimeout
        let defaultManifest = try ManifestLoader.parse(DefaultManifest.yaml)
        saga = DeliverySaga(
            log: log, sender: GraphAPIClient(configuration: graph, http: http), manifest: manifest ?? defaultManifest,
            settings: settings, logger: logger)
    }

    func startSaga() {
        let saga = self.saga
        sagaTask = Task { try await saga.run() }
    }

    func stopSaga() async {
        sagaTask?.cancel()
        _ = try? await sagaTask?.value
        sagaTask = nil
    }

    func stop() async {
        await stopSaga()
        await simServer.stop()
        await ingress.stop()
        await log.close()
        try? await http.shutdown()
    }

    /// A template quick-reply tap as Meta posts it.
    static func click(
        wamid: String, from contact: String, context: String? = nil, payload: String = "unlock:2026-11-24"
    ) -> [UInt8] {
        MetaWebhooks.buttonTap(
            .init(phoneNumberId: number), wamid: wamid, from: contact, context: context, payload: payload)
    }

    /// POSTs a signed webhook to the listener; its status.
    func post(_ body: [UInt8]) async throws -> UInt {
        var request = HTTPClientRequest(url: ingress.baseURL + "/webhook")
        request.method = .POST
        request.headers.add(
            name: "X-Hub-Signature-256", value: WebhookSignature(appSecret: Self.secret).header(for: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        // Generous: 51 posts at once on two cores shared with the rest of the suite took over 10 s.
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        return response.status.code
    }

    func events() throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        var iterator = log.events(from: 1).makeAsyncIterator()
        while let event = try iterator.nextEvent() { events.append(event) }
        return events
    }

    /// Polls the log until `done` holds (or the time runs out); the events at that moment.
    @discardableResult
    func waitUntil(seconds: Double = 60, _ done: ([RecordedEvent]) -> Bool) async throws -> [RecordedEvent] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let events = try self.events()
            if done(events) || Date() > deadline { return events }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

func count(_ events: [RecordedEvent], _ type: EventType) -> Int { events.count { $0.type == type.rawValue } }
