import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle

/// Posts alert changes to the `--alert-webhook` receivers as Alertmanager webhook payloads. Each
/// receiver has its own bounded queue (past `queueLimit` the oldest waiting is dropped, counted)
/// and its own task, which retries a failed post with exponential backoff: enqueuing never waits,
/// so nothing the service does (ingestion, delivery, the rules) waits for a receiver.
public final class AlertNotifier: Service, Sendable {
    struct Notification: Sendable {
        var payload: [UInt8]
        var description: String
    }

    private let receivers:
        [(url: String, shown: String, queue: AsyncStream<Notification>, input: AsyncStream<Notification>.Continuation)]
    private let settings: AlertSettings
    private let logger: Logger
    private let counters: Counters

    /// `clickunlock_alert_notifications_total` by outcome.
    struct Counters: Sendable {
        var sent: @Sendable () -> Void = {}
        var retried: @Sendable () -> Void = {}
        var failed: @Sendable () -> Void = {}
        var dropped: @Sendable () -> Void = {}
    }

    init(settings: AlertSettings, counters: Counters, logger: Logger) {
        self.settings = settings
        self.counters = counters
        self.logger = logger
        receivers = settings.webhooks.map { url in
            let (stream, continuation) = AsyncStream.makeStream(
                of: Notification.self, bufferingPolicy: .bufferingNewest(max(1, settings.queueLimit)))
            return (url, Self.shown(url), stream, continuation)
        }
    }

    /// Queues `payload` for every receiver; never waits.
    func post(_ payload: AlertmanagerPayload) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(payload) else { return }
        let name = payload.groupLabels["alertname"] ?? "?"
        let notification = Notification(payload: [UInt8](body), description: "\(name) \(payload.status)")
        for receiver in receivers {
            if case .dropped = receiver.input.yield(notification) {
                counters.dropped()
                logger.warning("alert webhook \(receiver.shown): queue full, the oldest notification was dropped")
            }
        }
    }

    public func run() async throws {
        guard !receivers.isEmpty else { return }
        let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for receiver in receivers {
                    group.addTask {
                        await self.deliver(receiver.queue, to: receiver.url, shown: receiver.shown, http: http)
                    }
                }
            }
        } onGracefulShutdown: {
            for receiver in self.receivers { receiver.input.finish() }
        }
        try? await http.shutdown()
    }

    /// A receiver's URL as log lines show it: scheme, host and port only (its path or user part may
    /// hold a secret, as chat webhooks' do).
    public static func shown(_ url: String) -> String {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme, let host = parts.host else {
            return "(an alert webhook URL)"
        }
        let rest = (parts.path.isEmpty || parts.path == "/") && parts.query == nil ? "" : "/…"
        return "\(scheme)://\(host)" + (parts.port.map { ":\($0)" } ?? "") + rest
    }

    private func deliver(_ queue: AsyncStream<Notification>, to url: String, shown: String, http: HTTPClient) async {
        for await notification in queue {
            var backoff = settings.initialBackoff
            for attempt in 1...max(1, settings.maxAttempts) {
                let problem = await send(notification.payload, to: url, http: http)
                guard let problem else {
                    counters.sent()
                    break
                }
                // After shutdown began (the queue is finished), one attempt each: nothing waits for a receiver.
                if attempt == settings.maxAttempts || Task.isCancelled || Task.isShuttingDownGracefully {
                    counters.failed()
                    let line =
                        "alert webhook \(shown): \(notification.description) not delivered after "
                        + "\(attempt) attempt(s): \(problem)"
                    logger.error("\(line)")
                    break
                }
                counters.retried()
                logger.warning("alert webhook \(shown): \(problem); retrying in \(backoff)")
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, settings.maxBackoff)
            }
        }
    }

    /// `nil` when the receiver took it (2xx), else what went wrong.
    private func send(_ body: [UInt8], to url: String, http: HTTPClient) async -> String? {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "clickunlock/\(BuildInfo.version)")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let (seconds, attoseconds) = settings.postTimeout.components
            let timeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            let response = try await http.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 64 << 10)
            if (200..<300).contains(response.status.code) { return nil }
            return "answered HTTP \(response.status.code)"
        } catch {
            return "could not post (\(String(describing: type(of: error))))"
        }
    }
}
