import Adapters
import Domain
import EventStore
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The service's own alerting, end to end over loopback: `serve` and `graph-sim` as child
/// processes, Alertmanager-style receivers in this process.
@Suite(.serialized) struct AlertingTests {
    static let secret = "alerting-test-secret"
    static let dashboardToken = "alerting-test-dashboard-token"
    static let revoked = "15550000190"
    static let reachable = "15550000001"

    /// GETs a dashboard path with the token; the body, or nil.
    static func get(_ apiPort: Int, _ path: String) async -> String? {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(apiPort)\(path)")!)
        request.setValue("Bearer \(dashboardToken)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 10
        guard let (data, _) = try? await URLSession.shared.data(for: request) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// GETs `path` until its body satisfies `match` or `seconds` pass; the last body.
    static func poll(_ apiPort: Int, _ path: String, seconds: Double, _ match: (String) -> Bool) async throws -> String
    {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let body = await get(apiPort, path) ?? ""
            if match(body) || Date() > deadline { return body }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func sendTemplate(_ apiPort: Int, to recipient: String) throws -> CLI.Result {
        try CLI.run(
            ["send-template", "--server", "http://127.0.0.1:\(apiPort)", "--day", "2026-11-24", recipient],
            environment: ["CLICKUNLOCK_DASHBOARD_TOKEN": dashboardToken])
    }

    /// The simulator answers 190 → `alert.raised` in the log, and its payload at the receiver at
    /// once; a receiver answering 503 gets it once it answers 200 (retried with backoff), one not
    /// listening at that moment gets it when it comes up; a successful call clears the condition
    /// → `alert.resolved`, posted to all.
    @Test func aRevokedTokenRaisesPostsRetriesAndResolves() async throws {
        let data = TempDataDirectory()
        writeDefaultManifest(data.path)
        let port = try #require(freeLocalPort())
        let apiPort = try #require(freeLocalPort())
        let up = AlertReceiver(port: try #require(freeLocalPort()))
        let down = AlertReceiver(port: try #require(freeLocalPort()))
        let flaky = AlertReceiver(port: try #require(freeLocalPort()), refusing: 2)
        try await up.start()
        try await flaky.start()
        let sim = try await LocalSimulator(
            webhookPort: port, secret: Self.secret, arguments: ["--recipient-error", "\(Self.revoked)=190"])
        let server = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, port: port,
            arguments: sim.serveArguments + [
                "--api-port", String(apiPort), "--alert-interval", "1", "--alert-webhook", up.url,
                "--alert-webhook", down.url, "--alert-webhook", flaky.url, "--alert-external-url",
                "http://127.0.0.1:\(apiPort)",
            ],
            environment: sim.serveEnvironment.merging(["CLICKUNLOCK_DASHBOARD_TOKEN": Self.dashboardToken]) { $1 })
        defer { server.kill() }

        _ = try Self.sendTemplate(apiPort, to: Self.revoked)
        let name = "ClickUnlockGraphTokenInvalid"
        let events = try await waitForLog(data.logPath, seconds: 30) { events in
            events.compactMap(AlertRaised.init).contains { $0.name == name }
        }
        let raisedEvent = try #require(events.first { AlertRaised($0)?.name == name })
        let raised = try #require(AlertRaised(raisedEvent))
        #expect(raised.severity == "critical")
        #expect(raised.labels == ["alertname": name, "severity": "critical", "service": "clickunlock"])
        #expect(raised.runbookURL == "docs/operations.md#clickunlockgraphtokeninvalid")
        #expect(count(events, .templateFailed) == 1)

        // At the receiver that is up, soon after the event: within the evaluation interval (5 s) plus
        // slack for a loaded 2-core machine (typically under a second).
        let firing = try #require(
            try await up.waitFor(seconds: 30) { $0["status"] as? String == "firing" && alertName($0) == name })
        let delay = firing.at.timeIntervalSince1970 * 1000 - Double(raisedEvent.timestamp)
        #expect(delay < 10_000, "the firing payload arrived \(Int(delay)) ms after alert.raised was appended")
        let payload = firing.json
        #expect(payload["version"] as? String == "4")
        #expect(payload["groupKey"] as? String == "{}:{alertname=\"\(name)\"}")
        #expect(payload["truncatedAlerts"] as? Int == 0)
        #expect(payload["receiver"] as? String == "clickunlock")
        #expect(payload["externalURL"] as? String == "http://127.0.0.1:\(apiPort)")
        #expect((payload["groupLabels"] as? [String: String]) == ["alertname": name])
        #expect((payload["commonLabels"] as? [String: String])?["severity"] == "critical")
        let alert = try #require(firstAlert(payload))
        #expect(alert["status"] as? String == "firing")
        #expect(alert["fingerprint"] as? String == raised.fingerprint)
        #expect(alert["startsAt"] as? String == LogTime.rfc3339(milliseconds: raised.startsAt))
        #expect(alert["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect(alert["generatorURL"] as? String == "http://127.0.0.1:\(apiPort)/api/webhook/alerts")
        let annotations = try #require(alert["annotations"] as? [String: String])
        #expect(annotations["runbook_url"] == raised.runbookURL)
        #expect(annotations["summary"]?.contains("190") == true)

        // The receiver answering 503 twice gets it at the third attempt; the one that was not
        // listening gets it once it is up: retried, not lost.
        let retried = try await flaky.waitFor(seconds: 30) {
            $0["status"] as? String == "firing" && alertName($0) == name
        }
        #expect(retried != nil && flaky.refusalsLeft == 0, "the receiver answering 503 never got the notification")
        try await down.start()
        let late = try await down.waitFor(seconds: 60) { $0["status"] as? String == "firing" && alertName($0) == name }
        #expect(late != nil, "the receiver that was down never got the firing notification")
        let metrics = await Self.get(apiPort, "/metrics") ?? ""
        #expect(metrics.contains("clickunlock_alerts_firing{alertname=\"\(name)\"} 1"))
        let retries = metrics.split(separator: "\n").first {
            $0.hasPrefix("clickunlock_alert_notifications_total{outcome=\"retried\"}")
        }
        #expect(
            (retries?.split(separator: " ").last).flatMap { Double($0) } ?? 0 >= 2, "\(String(describing: retries))")
        let recent = try await Self.poll(apiPort, "/api/webhook/events/recent?type=alert.", seconds: 10) {
            $0.contains("alert.raised")
        }
        #expect(recent.contains("alert.raised") && recent.contains(name))
        let listed = try await Self.poll(apiPort, "/api/webhook/alerts", seconds: 10) {
            $0.contains(raised.fingerprint)
        }
        let answer = try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any]
        let listedFiring = answer?["firing"] as? [[String: Any]] ?? []
        #expect(listedFiring.map { $0["name"] as? String } == [name], "\(listed)")
        #expect(listedFiring.first?["status"] as? String == "firing" && listedFiring.first?["ends_at"] is NSNull)

        // A successful call: the token works again.
        _ = try Self.sendTemplate(apiPort, to: Self.reachable)
        let after = try await waitForLog(data.logPath, seconds: 30) { events in
            events.compactMap(AlertResolved.init).contains { $0.name == name }
        }
        let resolved = try #require(after.compactMap(AlertResolved.init).first { $0.name == name })
        #expect(resolved.fingerprint == raised.fingerprint && resolved.endsAt >= raised.startsAt)
        for receiver in [up, down, flaky] {
            let hit = try await receiver.waitFor(seconds: 30) {
                $0["status"] as? String == "resolved" && alertName($0) == name
            }
            let ends = hit.flatMap { firstAlert($0.json)?["endsAt"] as? String }
            #expect(ends == LogTime.rfc3339(milliseconds: resolved.endsAt), "port \(receiver.port)")
        }
        #expect(after.compactMap(AlertRaised.init).count { $0.name == name } == 1)
        server.kill(SIGTERM)
        await sim.stop()
        await up.stop()
        await down.stop()
        await flaky.stop()
    }

    /// An alert raised and unresolved in the log is not raised again by a restart (SIGKILL)
    /// while its condition still holds; a start where it no longer holds resolves it.
    @Test func aRestartDoesNotRaiseAFiringAlertAgain() async throws {
        let data = TempDataDirectory()
        let disk = "ClickUnlockDiskFreeLow"
        let always = ["--alert-interval", "1", "--alert-disk-free-percent", "100"]
        let first = try ServeProcess(dataDirectory: data.path, secret: Self.secret, arguments: always)
        _ = try await waitForLog(data.logPath, seconds: 30) { count($0, .alertRaised) >= 1 }
        first.kill(SIGKILL)

        // Again, with a second rule that fires only after the start: once it is in the log, an
        // evaluation has run with the disk alert's condition holding.
        let second = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, arguments: always + ["--alert-signature-failures", "1"])
        #expect(await second.post(Array("{}".utf8), signature: "sha256=00") == 401)
        let events = try await waitForLog(data.logPath, seconds: 30) { events in
            events.compactMap(AlertRaised.init).contains { $0.name == "ClickUnlockWebhookSignatureFailures" }
        }
        second.kill(SIGKILL)
        #expect(events.compactMap(AlertRaised.init).contains { $0.name == "ClickUnlockWebhookSignatureFailures" })
        #expect(events.compactMap(AlertRaised.init).count { $0.name == disk } == 1)
        #expect(count(events, .alertResolved) == 0)

        // The condition gone: resolved once, at the first evaluation.
        let third = try ServeProcess(
            dataDirectory: data.path, secret: Self.secret, arguments: ["--alert-interval", "1"])
        let last = try await waitForLog(data.logPath, seconds: 30) { events in
            events.compactMap(AlertResolved.init).contains { $0.name == disk }
        }
        third.kill(SIGTERM)
        #expect(last.compactMap(AlertResolved.init).count { $0.name == disk } == 1)
        #expect(last.compactMap(AlertRaised.init).count { $0.name == disk } == 1)
    }
}
