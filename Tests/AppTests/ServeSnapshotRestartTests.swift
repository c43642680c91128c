import Adapters
import Domain
import EventStore
import Foundation
import Testing

/// A real `serve` writes snapshots as taps are delivered, is killed with SIGKILL, and starts again
/// from them: Meta's redeliveries of taps the snapshots cover (and of taps logged after them) are
/// still dropped, taps on the same template messages are still refused, and new taps deliver.
@Suite struct ServeSnapshotRestartTests {
    static let secret = "snapshot-restart-secret"

    static func tap(_ index: Int, wamid prefix: String = "wamid.SR") -> [UInt8] {
        clickBody(wamid: "\(prefix)\(index)", from: "1555700\(1000 + index)", context: "wamid.SRT\(index)")
    }

    @Test func aRestartFromSnapshotsDropsRedeliveriesAndRefusesRepeatedTaps() async throws {
        let data = TempDataDirectory()
        writeDefaultManifest(data.path)
        let config = data.path + "/config.json"
        let settings = Data(#"{"snapshot_every_events": 1000}"#.utf8)
        #expect(FileManager.default.createFile(atPath: config, contents: settings))
        let port = try #require(freeLocalPort())
        let sim = try await LocalSimulator(webhookPort: port, secret: Self.secret)
        let arguments = sim.serveArguments + ["--config", config]
        let sign = WebhookSignature(appSecret: Self.secret)
        let first = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, port: port, arguments: arguments,
            environment: sim.serveEnvironment)

        // Taps until both snapshots cover the first tap's delivery, then three more after it.
        let snapshots = SnapshotStore(directory: data.path + "/snapshots")
        var taps = 0
        var covered = false
        let deadline = Date().addingTimeInterval(120)
        while !covered, Date() < deadline {
            let body = Self.tap(taps)
            #expect(await first.post(body, signature: sign.header(for: body)) == 200)
            taps += 1
            let started = try logEvents(data.logPath).filter { DeliveryStarted($0)?.clickWamid == "wamid.SR0" }
            if let position = started.first?.position {
                covered =
                    snapshots.newestPosition(kind: "saga") >= position
                    && snapshots.newestPosition(kind: "dedupe") >= position
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(covered, "no snapshot covered the first tap after \(taps) taps")
        for _ in 0..<3 {
            let body = Self.tap(taps)
            #expect(await first.post(body, signature: sign.header(for: body)) == 200)
            taps += 1
        }
        let before = try await waitForLog(data.logPath, seconds: 60) { count($0, .deliveryStarted) == taps }
        #expect(count(before, .deliveryStarted) == taps)
        first.kill()
        let sagaSnapshot = snapshots.newestPosition(kind: "saga")

        let stderr = data.path + "/second.stderr"
        let second = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, port: port, arguments: arguments,
            environment: sim.serveEnvironment.merging(["LOG_LEVEL": "info"]) { $1 }, stderr: stderr)
        for index in 0..<taps {
            let again = Self.tap(index)
            #expect(await second.post(again, signature: sign.header(for: again)) == 200)
            let sameMessage = Self.tap(index, wamid: "wamid.SRAGAIN")
            #expect(await second.post(sameMessage, signature: sign.header(for: sameMessage)) == 200)
        }
        let fresh = Self.tap(taps)
        #expect(await second.post(fresh, signature: sign.header(for: fresh)) == 200)
        let after = try await waitForLog(data.logPath, seconds: 60) { events in
            count(events, .deliverySkipped) >= taps && count(events, .deliveryStarted) > taps
        }
        try await Task.sleep(for: .milliseconds(500))  // anything wrongly decided would be logged by now
        let events = try logEvents(data.logPath)
        second.kill(SIGTERM)
        await sim.stop()

        let lines = (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""
        #expect(lines.contains("delivery saga: starting from the snapshot at position"), "\(lines.suffix(2000))")
        #expect(lines.contains("dedupe index: starting from the snapshot at position"), "\(lines.suffix(2000))")
        #expect(count(after, .deliverySkipped) == taps)
        let clicks = events.compactMap(ButtonClicked.init)
        for index in 0..<taps {
            #expect(clicks.count { $0.wamid == "wamid.SR\(index)" } == 1, "tap \(index)'s redelivery was logged again")
        }
        let skipped = events.compactMap(DeliverySkipped.init)
        #expect(skipped.count == taps && skipped.allSatisfy { $0.reason == .repeatedClick }, "\(skipped)")
        let started = events.compactMap(DeliveryStarted.init)
        #expect(started.count == taps + 1)
        #expect(started.last?.clickWamid == "wamid.SR\(taps)")
        let inSnapshot = before.filter { $0.position <= sagaSnapshot }.compactMap(DeliveryStarted.init).count
        print(
            "snapshot restart: \(taps) taps before the kill, \(inSnapshot) of their deliveries in the saga's snapshot")
    }
}
