import EventStore
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization
import Testing

@testable import Adapters

/// The feed over real loopback WebSockets: the dashboard port's `/api/webhook/ws` and the feed
/// port's `/`, the three ways to give the token, refusals before the upgrade, and 1001 at shutdown.
@Suite(.timeLimit(.minutes(2))) struct FeedWebSocketTests {
    /// The hub, the dashboard port and the feed port in a service group, over a fixture.
    final class Ports: @unchecked Sendable {
        let running: FeedHubTests.Running
        let apiPort: Int
        let feedPort: Int
        let group: ServiceGroup
        let task: Task<Void, any Error>

        init(_ configure: (inout FeedHub.Configuration) -> Void = { _ in }) async throws {
            running = try await FeedHubTests.Running(configure)
            var configuration = DashboardAPI.Configuration.withToken
            configuration.port = 0
            let logger = Logger(label: "feed-test")
            let parts = DashboardAPI.Parts(
                reader: running.fixture.reader, ready: { true }, templates: nil, feed: running.hub)
            let router = try DashboardAPI.router(configuration: configuration, parts: parts, logger: logger)
            let (ports, continuation) = AsyncStream.makeStream(of: (String, Int).self)
            let api = DashboardAPI.application(
                router: router, configuration: configuration, feed: running.hub, logger: logger,
                onServerRunning: { continuation.yield(("api", $0.localAddress?.port ?? -1)) })
            let feed = FeedPort.application(
                hub: running.hub, host: "127.0.0.1", port: 0, token: DashboardFixture.token, open: false,
                logger: logger, onServerRunning: { continuation.yield(("feed", $0.localAddress?.port ?? -1)) })
            group = ServiceGroup(
                configuration: .init(services: [api, feed], gracefulShutdownSignals: [], logger: logger))
            let group = group
            task = Task { try await group.run() }
            var found: [String: Int] = [:]
            for await (name, port) in ports {
                found[name] = port
                if found.count == 2 { break }
            }
            (apiPort, feedPort) = (found["api"] ?? -1, found["feed"] ?? -1)
        }

        func stop() async {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            await running.stop()
        }
    }

    /// Connects, collects every text frame's JSON until `until` says so (or 10 s), then closes.
    static func frames(
        _ url: String, headers: HTTPFields = [:], until: @escaping @Sendable ([[String: Any]]) -> Bool
    ) async throws -> (frames: [[String: Any]], close: WebSocketCloseFrame?) {
        let texts = Mutex<[String]>([])
        let close = try await WebSocketClient.connect(
            url: url, configuration: .init(additionalHeaders: headers), logger: Logger(label: "ws-client")
        ) { inbound, _, _ in
            let deadline = ContinuousClock.now + .seconds(10)
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                let all = texts.withLock { texts in
                    texts.append(text)
                    return texts
                }
                if until(parse(all)) || ContinuousClock.now > deadline { break }
            }
        }
        return (parse(texts.withLock { $0 }), close)
    }

    static func parse(_ texts: [String]) -> [[String: Any]] {
        texts.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func events(_ frames: [[String: Any]]) -> [Int] {
        frames.filter { $0["type"] as? String == "event" }.compactMap { $0["position"] as? Int }
    }

    @Test func bothPortsStreamTheSameEventsWithAnyOfTheThreeCredentials() async throws {
        let ports = try await Ports()
        var last: UInt64 = 0
        for n in 1...3 { last = try await ports.running.fixture.append(tap("wamid.WS\(n)")) }
        let through = Int(last)
        let viaHeader = try await Self.frames(
            "ws://127.0.0.1:\(ports.apiPort)/api/webhook/ws?from=0", headers: bearer(),
            until: { Self.events($0).last == through })
        #expect(viaHeader.frames.first?["type"] as? String == "hello")
        #expect(Self.events(viaHeader.frames) == Array(1...through))
        let viaQuery = try await Self.frames(
            "ws://127.0.0.1:\(ports.feedPort)/?from=0&token=\(DashboardFixture.token)",
            until: { Self.events($0).last == through })
        #expect(Self.events(viaQuery.frames) == Array(1...through))
        let viaSubprotocol = try await Self.frames(
            "ws://127.0.0.1:\(ports.feedPort)/api/webhook/ws?from=\(through - 1)",
            headers: [.secWebSocketProtocol: "bearer.\(DashboardFixture.token)"],
            until: { Self.events($0).last == through })
        #expect(Self.events(viaSubprotocol.frames) == [through])
        await ports.stop()
    }

    /// Live events come as they are committed, in order. (That they come within a second of their
    /// webhook's 200 is measured by Tests/api/test_feed.py against `serve`, and under load by
    /// Benchmarks/feed-load.sh: here the whole suite shares two cores.)
    @Test func liveEventsArriveInOrderAsTheyAreCommitted() async throws {
        let ports = try await Ports()
        let arrived = Mutex<[Int]>([])
        let listening = Task {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(ports.feedPort)/", configuration: .init(additionalHeaders: bearer()),
                logger: Logger(label: "ws-client")
            ) { inbound, _, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                        object["type"] as? String == "event", let position = object["position"] as? Int
                    else { continue }
                    arrived.withLock { $0.append(position) }
                }
            }
        }
        #expect(await eventually { ports.running.hub.figures.websocketClients == 1 })
        var last: UInt64 = 0
        for n in 1...5 { last = try await ports.running.fixture.append(tap("wamid.LIVE\(n)")) }
        #expect(await eventually { arrived.withLock { $0.last } == Int(last) })
        #expect(arrived.withLock { $0 } == Array(1...Int(last)))
        listening.cancel()
        await ports.stop()
    }

    @Test func refusedUpgradesAreAnsweredInTheErrorShapeBeforeAnyUpgrade() async throws {
        let ports = try await Ports({ $0.maxClients = 1 })
        func upgrade(_ port: Int, _ target: String, _ extra: String = "") async throws -> (Int?, String) {
            let connection = try RawConnection(port: port)
            defer { connection.close() }
            let request =
                "GET \(target) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\(extra)\r\n"
            _ = await connection.sendAll(Array(request.utf8))
            let status = await connection.readResponseStatus(timeout: .seconds(5))
            return (status, connection.receivedText)
        }
        let missing = try await upgrade(ports.feedPort, "/")
        #expect(missing.0 == 401 && missing.1.contains("\"unauthorized\""))
        let wrong = try await upgrade(ports.apiPort, "/api/webhook/ws?token=not-the-token")
        #expect(wrong.0 == 401)
        let auth = "Authorization: Bearer \(DashboardFixture.token)\r\n"
        let bad = try await upgrade(ports.feedPort, "/?from=minus", auth)
        #expect(bad.0 == 400 && bad.1.contains("\"from\""))
        let elsewhere = try await upgrade(ports.apiPort, "/api/webhook/metrics", auth)
        #expect(elsewhere.0 == 400)
        // One client fills the feed: the next is refused with 503 before its upgrade.
        let holding = Task {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(ports.feedPort)/", configuration: .init(additionalHeaders: bearer()),
                logger: Logger(label: "ws-client")
            ) { inbound, _, _ in for try await _ in inbound.messages(maxSize: 1 << 20) {} }
        }
        #expect(await eventually { ports.running.hub.figures.websocketClients == 1 })
        let full = try await upgrade(ports.apiPort, "/api/webhook/ws", auth)
        #expect(full.0 == 503 && full.1.contains("Retry-After"))
        holding.cancel()
        await ports.stop()
    }

    @Test func gracefulShutdownClosesClientsWith1001() async throws {
        let ports = try await Ports()
        let closed = Task {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(ports.feedPort)/", configuration: .init(additionalHeaders: bearer()),
                logger: Logger(label: "ws-client")
            ) { inbound, _, _ in for try await _ in inbound.messages(maxSize: 1 << 20) {} }
        }
        #expect(await eventually { ports.running.hub.figures.websocketClients == 1 })
        // The hub stops first (it is last in the service's group), as `serve` orders it.
        await ports.running.hub.stop()
        let frame = try await closed.value
        #expect(frame?.closeCode == .goingAway)
        await ports.stop()
    }
}
