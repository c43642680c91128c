import Adapters
import Domain
import EventStore
import Foundation
import Testing

/// The public port against slow and greedy clients, over real sockets on loopback: silent
/// connections, headers sent byte by byte and bodies trickled are cut after their timeouts, a
/// well-behaved client is served meanwhile, and past the connection limit it waits a bounded time.
///
/// The slow clients run on threads of their own (`onOwnThread`), so that their pace is theirs
/// even while other tests hold Swift's pool; bounds on how soon the server answers are generous
/// for the same reason, bounds on how soon it cuts (NIO's timers, on its own threads) are not.
@Suite struct SlowClientTests {
    static func limits(idle: Duration, body: Duration, connections: Int = 512) -> WebhookServer.Limits {
        var limits = WebhookServer.Limits()
        limits.idleTimeout = idle
        limits.bodyTimeout = body
        limits.maxConnections = connections
        return limits
    }

    static func cutForSlowness(_ port: PortHarness) -> Int {
        let rejected = port.ingestor.statistics.rejected
        return rejected["body_timeout", default: 0] + rejected["body_incomplete", default: 0]
    }

    @Test func slowAndSilentClientsAreCutOffWhileASignedPostIsServed() async throws {
        let port = try await PortHarness.start(limits: Self.limits(idle: .seconds(1), body: .seconds(1)))
        let headers = RawConnection.webhookRequest(body: clickBody(wamid: "wamid.H"), signature: "sha256=00").head
        var clients: [@Sendable () -> Duration?] = []
        var connections: [RawConnection] = []
        for index in 0..<10 {
            let silent = try RawConnection(port: port.port)
            clients.append { silent.waitUntilClosedBlocking(timeout: .seconds(8)) }
            // Headers one byte each 50 ms: the whole head would take ~10 s.
            let header = try RawConnection(port: port.port)
            clients.append {
                let start = ContinuousClock.now
                header.trickleBlocking(headers, chunk: 1, pause: .milliseconds(50), stopAfter: .seconds(8))
                return header.waitUntilClosedBlocking(timeout: .seconds(1)).map { _ in ContinuousClock.now - start }
            }
            // A signed body 8 bytes each 50 ms (~30 s): each part renews the idle timer, only the
            // body deadline cuts it.
            let body = clickBody(wamid: "wamid.SLOW\(index)")
            let request = RawConnection.webhookRequest(body: body, signature: sign(body))
            let trickler = try RawConnection(port: port.port)
            connections += [silent, header, trickler]
            #expect(trickler.send(request.head))
            clients.append {
                let start = ContinuousClock.now
                trickler.trickleBlocking(request.body, chunk: 8, pause: .milliseconds(50), stopAfter: .seconds(8))
                return trickler.waitUntilClosedBlocking(timeout: .seconds(1)).map { _ in ContinuousClock.now - start }
            }
        }
        let running = clients.map { client in Task { await onOwnThread(client) } }

        // Meanwhile a well-behaved client is served (before the slow ones would give up by themselves).
        try await Task.sleep(for: .milliseconds(200))
        let good = clickBody(wamid: "wamid.GOOD")
        let served = ContinuousClock.now
        #expect(try await port.post(good, signature: sign(good)) == 200)
        #expect(ContinuousClock.now - served < .seconds(6))

        var closed: [Duration?] = []
        for client in running { closed.append(await client.value) }
        #expect(closed.count == 30)
        #expect(closed.allSatisfy { $0 != nil }, "every slow connection is closed by the server")
        let slowest = closed.compactMap { $0 }.max() ?? .zero
        #expect(slowest < .seconds(4), "cut after about a second, not when the client gave up (\(slowest))")
        // Only the well-behaved tap is stored; every trickled body was cut before it was complete.
        #expect(await eventually { Self.cutForSlowness(port) == 10 }, "\(port.ingestor.statistics.rejected)")
        let events = try await allEvents(port.log)
        #expect(events.map(\.type) == ["webhook.received", "button.clicked"])
        #expect(events.compactMap(ButtonClicked.init).map(\.wamid) == ["wamid.GOOD"])
        #expect(port.ingestor.statistics.accepted == 1)
        for connection in connections { connection.close() }
        await port.stop()
    }

    @Test func aBodyTrickledSlowerThanTheDeadlineIsCutAndNothingStored() async throws {
        let port = try await PortHarness.start(limits: Self.limits(idle: .seconds(5), body: .seconds(1)))
        let body = clickBody(wamid: "wamid.TRICKLE")
        let request = RawConnection.webhookRequest(body: body, signature: sign(body))
        let connection = try RawConnection(port: port.port)
        // The body's deadline runs from the head: timed from before it, however late the thread starts.
        let start = ContinuousClock.now
        #expect(connection.send(request.head))
        // 20 bytes each 100 ms: about 3 s for the whole body, a part read every 100 ms.
        let cut = await onOwnThread { () -> Duration? in
            connection.trickleBlocking(request.body, chunk: 20, pause: .milliseconds(100), stopAfter: .seconds(10))
            return connection.waitUntilClosedBlocking(timeout: .seconds(5)).map { _ in ContinuousClock.now - start }
        }
        let after = try #require(cut)
        #expect(after > .milliseconds(900) && after < .milliseconds(2500), "cut at the 1 s deadline, not at \(after)")
        #expect(await eventually { port.ingestor.statistics.rejected["body_timeout"] == 1 })
        #expect(port.log.lastPosition == 0)
        connection.close()

        // The same webhook sent at once is stored.
        #expect(try await port.post(body, signature: sign(body)) == 200)
        #expect(try await allEvents(port.log).map(\.type) == ["webhook.received", "button.clicked"])
        await port.stop()
    }

    /// A body cut short (the client half-closes, or goes away) is never taken for a whole one, even
    /// where nothing checks a signature (the insecure development mode), and is counted.
    @Test func aBodyCutShortIsNeverStored() async throws {
        let port = try await PortHarness.start(secret: nil)
        let body = clickBody(wamid: "wamid.HALF")
        let request = RawConnection.webhookRequest(body: body, signature: nil)
        for halfClose in [true, false] {
            let connection = try RawConnection(port: port.port)
            #expect(connection.send(request.head + Array(request.body.prefix(body.count / 2))))
            try await Task.sleep(for: .milliseconds(100))
            if halfClose { connection.shutdownWrite() }
            let status = await connection.readResponseStatus(timeout: .seconds(3))
            #expect(status != 200)
            connection.close()
        }
        #expect(await eventually { port.ingestor.statistics.rejected["body_incomplete"] == 2 })
        #expect(port.log.lastPosition == 0)
        await port.stop()
    }

    /// Past the connection limit a client is not refused: it waits in the listen backlog until
    /// open connections are cut (here the idle ones, after 1 s), then it is served.
    @Test func pastTheConnectionLimitAClientIsServedOnceIdleConnectionsAreCut() async throws {
        let limits = Self.limits(idle: .seconds(1), body: .seconds(1), connections: 4)
        let port = try await PortHarness.start(limits: limits)
        let opened = ContinuousClock.now
        let idle = try (0..<4).map { _ in try RawConnection(port: port.port) }
        try await Task.sleep(for: .milliseconds(300))
        let body = clickBody(wamid: "wamid.WAITED")
        let status = try await port.post(body, signature: sign(body))
        // Not before an idle connection was cut (1 s after it was accepted, at least 1 s after
        // `opened`), and soon after.
        let served = ContinuousClock.now - opened
        #expect(status == 200)
        #expect(served > .milliseconds(950), "the limit held the fifth connection back (\(served))")
        #expect(served < .seconds(8), "served once the idle ones were cut (\(served))")
        for connection in idle { #expect(await connection.waitUntilClosed(timeout: .seconds(5)) != nil) }
        for connection in idle { connection.close() }
        #expect(try await allEvents(port.log).map(\.type) == ["webhook.received", "button.clicked"])
        await port.stop()
    }
}
