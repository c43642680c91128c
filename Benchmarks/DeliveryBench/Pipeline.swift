import Adapters
import AsyncHTTPClient
import Delivery
import Domain
import EventStore
import Foundation
import Logging
import NIOCore
import NIOPosix

/// The delivery pipeline in one process over loopback: webhook listener → log (fsync on) →
/// saga → Graph API client → simulator, whose status webhooks come back through the listener.
final class Pipeline: @unchecked Sendable {
    static let secret = "bench-secret"
    static let token = "bench-token"
    let directory: String
    let log: EventLog
    let http: HTTPClient
    let ingress: RunningServer
    let simServer: RunningServer
    let client: GraphAPIClient
    let saga: DeliverySaga
    let sagaTask: Task<Void, any Error>
    private let signature = WebhookSignature(appSecret: secret)

    init(root: String, latencyMs: Int64, confirmationWaitMs: Int64) async throws {
        directory = root + "/\(UUID().uuidString)"
        log = try EventLog.open(directory: directory)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        var pool = HTTPClient.Configuration()
        pool.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: pool)
        let ingestor = WebhookIngestor(
            log: log, signature: signature, dedupe: DedupeIndex(), authorizedContacts: [], logger: logger)
        ingress = try await RunningServer.start(
            router: WebhookRoutes.router(ingestor: ingestor, configuration: .init(verifyToken: nil)), logger: logger)
        var sim = SimulatorConfiguration(
            accessToken: Self.token, webhookURL: ingress.baseURL + "/webhook", appSecret: Self.secret)
        sim.sentAfterMs = 0
        sim.deliveredAfterMs = 0
        sim.pairBurst = nil
        sim.faults.latencyMs = latencyMs
        let simulator = GraphSimulator(configuration: sim, http: http, logger: logger)
        simServer = try await RunningServer.start(router: simulator.router(), logger: logger)
        var settings = SagaSettings(phoneNumberId: "100000000000001")
        settings.messagesPerSecond = 0
        settings.confirmationWait = .milliseconds(confirmationWaitMs)
        client = GraphAPIClient(configuration: .init(baseURL: simServer.baseURL, accessToken: Self.token), http: http)
        saga = DeliverySaga(
            log: log, sender: client, manifest: try ManifestLoader.parse(DefaultManifest.yaml), settings: settings,
            logger: logger)
        let saga = self.saga
        sagaTask = Task { try await saga.run() }
    }

    func stop() async {
        sagaTask.cancel()
        _ = try? await sagaTask.value
        await simServer.stop()
        await ingress.stop()
        await log.close()
        try? await http.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func click(_ index: Int, run: String) -> [UInt8] {
        MetaWebhooks.buttonTap(
            .init(phoneNumberId: "100000000000001"), wamid: "wamid.C\(run).\(index)",
            from: "1555\(String(format: "%07d", index))",
            context: "wamid.T\(run).\(index)", payload: "unlock:2026-11-24")
    }

    func post(_ body: [UInt8]) async throws {
        var request = HTTPClientRequest(url: ingress.baseURL + "/webhook")
        request.method = .POST
        request.headers.add(name: "X-Hub-Signature-256", value: signature.header(for: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        guard response.status.code == 200 else {
            throw BenchFailure(description: "webhook answered \(response.status.code)")
        }
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
}

/// Waits for `delivery.completed` events, by delivery id, following the log's commits.
final class CompletionWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var waiters: [String: CheckedContinuation<Void, Never>] = [:]
    private var done: Set<String> = []
    private var task: Task<Void, Never>?

    init(log: EventLog) {
        task = Task {
            var iterator = log.subscribe(from: log.lastPosition + 1).makeAsyncIterator()
            while let batch = try? await iterator.nextBatch() {
                for event in batch
                where event.type == EventType.deliveryCompleted.rawValue
                    || event.type == EventType.deliveryFailed.rawValue
                {
                    guard let id = (DeliveryCompleted(event)?.deliveryId ?? DeliveryFailed(event)?.deliveryId) else {
                        continue
                    }
                    self.finish(id)
                }
            }
        }
    }

    private func finish(_ id: String) {
        lock.lock()
        done.insert(id)
        let waiter = waiters.removeValue(forKey: id)
        lock.unlock()
        waiter?.resume()
    }

    func wait(_ id: String) async {
        await withCheckedContinuation { continuation in
            lock.lock()
            if done.contains(id) {
                lock.unlock()
                continuation.resume()
            } else {
                waiters[id] = continuation
                lock.unlock()
            }
        }
    }

    func stop() { task?.cancel() }
}
