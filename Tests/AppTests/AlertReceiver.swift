import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An Alertmanager-style webhook receiver on a loopback port: keeps every JSON body posted to
/// `/alerts`, with when it arrived. Started on a given port, so that a test can name the port
/// before anything listens on it (a receiver down, then up).
final class AlertReceiver: Sendable {
    struct Received: Sendable {
        var at: Date
        var body: Data
    }

    final class Inbox: Sendable {
        let items = Mutex<[Received]>([])
        /// Posts answered 503 before the first is taken.
        let refusals: Mutex<Int>
        init(refusals: Int) { self.refusals = Mutex(refusals) }
    }

    let port: Int
    private let inbox: Inbox
    private let group = Mutex<ServiceGroup?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// `refusing`: how many posts it answers 503 (nothing kept) before it takes them.
    init(port: Int, refusing: Int = 0) {
        self.port = port
        inbox = Inbox(refusals: refusing)
    }

    /// Posts answered 503 so far are not kept; those still to refuse.
    var refusalsLeft: Int { inbox.refusals.withLock { $0 } }

    var url: String { "http://127.0.0.1:\(port)/alerts" }

    /// Starts listening; returns once the port accepts connections.
    func start() async throws {
        let router = Router()
        router.post("/alerts") { [inbox] request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            let refuse = inbox.refusals.withLock { left in
                defer { left = max(0, left - 1) }
                return left > 0
            }
            if refuse { return .serviceUnavailable }
            inbox.items.withLock { $0.append(Received(at: Date(), body: Data(buffer: body))) }
            return .ok
        }
        let (running, continuation) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in continuation.yield() }, logger: Self.quiet)
        let group = ServiceGroup(services: [app], logger: Self.quiet)
        self.group.withLock { $0 = group }
        task.withLock { $0 = Task { try? await group.run() } }
        for await _ in running { break }
    }

    static let quiet: Logger = {
        var logger = Logger(label: "alert-receiver")
        logger.logLevel = .warning
        return logger
    }()

    func stop() async {
        await group.withLock { $0 }?.triggerGracefulShutdown()
        await task.withLock { $0 }?.value
    }

    /// The payloads received so far, decoded, in order of arrival.
    var payloads: [(at: Date, json: [String: Any])] {
        inbox.items.withLock { $0 }.compactMap { item in
            (try? JSONSerialization.jsonObject(with: item.body) as? [String: Any]).map { (item.at, $0) }
        }
    }

    /// Waits until a payload satisfies `match` or `seconds` pass.
    func waitFor(seconds: Double, _ match: ([String: Any]) -> Bool) async throws -> (at: Date, json: [String: Any])? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let hit = payloads.first(where: { match($0.json) }) { return hit }
            try await Task.sleep(for: .milliseconds(50))
        }
        return payloads.first { match($0.json) }
    }
}

/// The first alert of an Alertmanager payload, and the payload's status.
func firstAlert(_ payload: [String: Any]) -> [String: Any]? {
    (payload["alerts"] as? [[String: Any]])?.first
}

func alertName(_ payload: [String: Any]) -> String? {
    (firstAlert(payload)?["labels"] as? [String: String])?["alertname"]
}
