import Adapters
import Delivery
import Domain
import EventStore
import Foundation
import Testing

/// A backup taken while deliveries are in flight, restored elsewhere: `serve` on the restored
/// directory finishes every delivery the backup had started.
@Suite struct RestoreDeliveryTests {
    static let secret = "restore-delivery-secret"

    @Test func deliveriesInFlightAtTheBackupResumeAfterRestore() async throws {
        let data = TempDataDirectory()
        let backups = TempDataDirectory()
        let restored = TempDataDirectory()
        writeDefaultManifest(data.path)
        let port = try #require(freeLocalPort())
        let sim = try await LocalSimulator(webhookPort: port, secret: Self.secret)
        // Short waits for the status webhooks that settle an attempt cut short by the kill.
        let arguments = sim.serveArguments + ["--reconcile-wait-ms", "1000", "--confirmation-wait-ms", "1000"]
        let server = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, port: port, arguments: arguments,
            environment: sim.serveEnvironment)
        // The simulator is frozen (SIGSTOP) before the taps: every delivery starts, and its first send
        // waits on the simulator (15 s before it times out) until the backup is taken, so deliveries
        // are in flight at the backup's cut however slowly a loaded machine runs the test.
        try #require(kill(sim.process.processIdentifier, SIGSTOP) == 0)
        defer { kill(sim.process.processIdentifier, SIGCONT) }
        for index in 0..<8 {
            let body = clickBody(wamid: "wamid.R\(index)", from: "1555400\(1000 + index)", context: "wamid.RT\(index)")
            #expect(
                await server.post(body, signature: WebhookSignature(appSecret: Self.secret).header(for: body)) == 200)
        }
        _ = try await waitForLog(data.logPath, seconds: 60) { count($0, .deliveryStarted) >= 1 }
        let backup = try CLI.run(["backup", "--data-dir", data.path, "--to", backups.path])
        server.kill()
        kill(sim.process.processIdentifier, SIGCONT)
        #expect(backup.status == 0, "\(backup.stderr)")

        let target = restored.path + "/new"
        let restore = try CLI.run(["restore", "--from", backups.path, "--data-dir", target])
        try #require(restore.status == 0, "\(restore.stderr)")
        let atBackup = try logEvents(target + "/log")
        let started = Set(atBackup.compactMap(DeliveryStarted.init).map(\.deliveryId))
        let finished = Set(atBackup.compactMap(DeliveryCompleted.init).map(\.deliveryId))
        try #require(!started.isEmpty && !started.isSubset(of: finished), "no delivery was in flight at the backup")

        let resumed = try ServeProcess(
            dataDirectory: target, secret: Self.secret, port: port, arguments: arguments,
            environment: sim.serveEnvironment)
        let events = try await waitForLog(target + "/log", seconds: 90) { events in
            started.isSubset(of: Set(events.compactMap(DeliveryCompleted.init).map(\.deliveryId)))
        }
        resumed.kill(SIGTERM)
        await sim.stop()
        let completed = Set(events.compactMap(DeliveryCompleted.init).map(\.deliveryId))
        #expect(
            started.isSubset(of: completed),
            "\(started.subtracting(completed).count) of \(started.count) deliveries in flight did not finish")
        print("restore: \(started.count - started.intersection(finished).count) deliveries in flight resumed")
    }
}
