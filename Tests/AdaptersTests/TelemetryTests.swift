import Adapters
import AsyncHTTPClient
import ClickUnlockTesting
import Clocks
import Delivery
import Domain
import EventStore
import Foundation
import Testing

/// The service's telemetry over real parts: signed webhooks through the loopback webhook port into
/// a real log, Graph API calls through the real client to the simulator, read back from the
/// Prometheus exposition and the health figures.
@Suite(.timeLimit(.minutes(2))) struct TelemetryTests {
    /// The exposition's samples: `name{labels}` → value.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                Issue.record("not a sample line: \(line)")
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// `# TYPE` lines: metric family → type.
    static func types(_ text: String) -> [String: String] {
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
        }
        return types
    }

    static var scratch: String { FileManager.default.temporaryDirectory.path }

    @Test func webhooksThroughTheLoopbackPortAreCountedByOutcomeAndReason() async throws {
        let telemetry = ServiceTelemetry(dataDirectory: Self.scratch)
        let harness = try await PortHarness.start(
            bodyLimit: 64 * 1024, logConfiguration: .init { $0.observer = telemetry.logObserver })
        telemetry.watch(log: harness.log)
        telemetry.watch(ingress: harness.ingestor)
        let text = try fixture("text.json")
        let signature = sign(text)

        #expect(try await harness.post(text, signature: signature) == 200)
        #expect(Self.samples(telemetry.prometheusText())["clickunlock_webhooks_total{outcome=\"accepted\"}"] == 1)
        #expect(try await harness.post(text, signature: signature) == 200)  // its message a duplicate
        let garbage = Array("not a webhook".utf8)
        #expect(try await harness.post(garbage, signature: sign(garbage)) == 200)  // stored unparsed
        #expect(try await harness.post(text, signature: sign(text, secret: "another-secret")) == 401)
        #expect(try await harness.post(text, signature: nil) == 401)
        #expect(try await harness.post(text, signature: "sha256=zz") == 401)
        let large = [UInt8](repeating: UInt8(ascii: " "), count: 100_000)
        #expect(try await harness.post(large, signature: sign(large)) == 413)

        let exposition = telemetry.prometheusText()
        let samples = Self.samples(exposition)
        let expected: [String: Double] = [
            "clickunlock_webhooks_total{outcome=\"accepted\"}": 3,
            "clickunlock_webhooks_total{outcome=\"rejected\"}": 4,
            "clickunlock_webhooks_total{outcome=\"unavailable\"}": 0,
            "clickunlock_webhooks_rejected_total{reason=\"signature_missing\"}": 1,
            "clickunlock_webhooks_rejected_total{reason=\"signature_malformed\"}": 1,
            "clickunlock_webhooks_rejected_total{reason=\"signature_mismatch\"}": 1,
            "clickunlock_webhooks_rejected_total{reason=\"too_large\"}": 1,
            "clickunlock_webhooks_rejected_total{reason=\"body_timeout\"}": 0,
            "clickunlock_webhooks_rejected_total{reason=\"other\"}": 0,
            "clickunlock_webhooks_unparsed_total": 1,
            "clickunlock_webhook_duplicate_items_total": 1,
            "clickunlock_webhook_unknown_items_total": 0,
            "clickunlock_log_events_appended_total": Double(harness.log.lastPosition),
            "clickunlock_log_head_position": Double(harness.log.lastPosition),
            "clickunlock_log_segments": 1,
            // Three appends (one per stored webhook), each timed.
            "clickunlock_log_append_duration_seconds_count": 3,
            "clickunlock_log_append_duration_seconds_bucket{le=\"+Inf\"}": 3,
            "clickunlock_build_info{version=\"\(BuildInfo.version)\"}": 1,
        ]
        for (series, value) in expected { #expect(samples[series] == value, "\(series)") }
        // The first webhook's event and its message, the second's event, the unparsed one's.
        #expect(harness.log.lastPosition == 4)
        #expect((samples["clickunlock_log_size_bytes"] ?? 0) > 0)
        #expect((samples["clickunlock_log_sync_duration_seconds_count"] ?? 0) >= 3)
        #expect((samples["clickunlock_disk_free_bytes"] ?? 0) > 0)
        #expect((samples["clickunlock_disk_total_bytes"] ?? 0) >= (samples["clickunlock_disk_free_bytes"] ?? 0))

        // Histogram buckets: present, cumulative, ending with +Inf.
        let buckets = exposition.split(separator: "\n").filter {
            $0.hasPrefix("clickunlock_log_append_duration_seconds_bucket{")
        }
        #expect(buckets.count == 15)
        #expect(buckets.first?.hasPrefix("clickunlock_log_append_duration_seconds_bucket{le=\"0.0001\"}") == true)
        #expect(buckets.last?.hasPrefix("clickunlock_log_append_duration_seconds_bucket{le=\"+Inf\"}") == true)
        let counts = buckets.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        #expect(counts == counts.sorted())

        let types = Self.types(exposition)
        #expect(types["clickunlock_webhooks_total"] == "counter")
        #expect(types["clickunlock_webhooks_rejected_total"] == "counter")
        #expect(types["clickunlock_log_append_duration_seconds"] == "histogram")
        #expect(types["clickunlock_log_sync_duration_seconds"] == "histogram")
        #expect(types["clickunlock_log_size_bytes"] == "gauge")
        #expect(types["clickunlock_projector_lag_seconds"] == "gauge")
        for (family, type) in types {
            #expect(family.hasPrefix("clickunlock_"), "\(family)")
            #expect((type == "counter") == family.hasSuffix("_total"), "\(family) is a \(type)")
            #expect(exposition.contains("# HELP \(family) "), "\(family) has no help")
        }
        #expect(!exposition.contains(fixtureSecret))
        #expect(!exposition.contains("another-secret"))
        #expect(!exposition.contains(signature.dropFirst("sha256=".count)))
        #expect(!exposition.contains("verify-me"))

        // A second scrape adds nothing: the counters mirror the ingress's, they do not add to them.
        let again = Self.samples(telemetry.prometheusText())
        #expect(again["clickunlock_webhooks_total{outcome=\"accepted\"}"] == 3)
        #expect(again["clickunlock_webhooks_rejected_total{reason=\"too_large\"}"] == 1)

        let health = telemetry.processHealth()
        #expect(health.ingress.accepted == 3)
        #expect(health.ingress.duplicates == 1)
        #expect(health.ingress.unparsed == 1)
        #expect(
            health.ingress.rejected
                == IngressHealth.Rejected(
                    signatureMissing: 1, signatureMalformed: 1, signatureMismatch: 1, tooLarge: 1, other: 0))
        #expect(health.ingress.lastWebhookAt?.hasSuffix("Z") == true)
        #expect(health.log.headPosition == 4)
        #expect(health.log.segments == 1)
        #expect(health.log.sizeBytes == Int64(samples["clickunlock_log_size_bytes"] ?? 0))
        #expect(health.disk.freeBytes > 0 && health.disk.totalBytes >= health.disk.freeBytes)
        #expect(health.disk.path == Self.scratch)
        let json = String(decoding: try JSONEncoder().encode(health), as: UTF8.self)
        #expect(!json.contains(fixtureSecret))
        await harness.stop()
    }

    @Test func healthEncodesTheAnswersKeysWithNullsAndTheBuildsUptime() throws {
        let clock = TestClock<Duration>()
        let start: Int64 = 1_795_000_000_123
        let telemetry = ServiceTelemetry(dataDirectory: Self.scratch, wall: clock.wall(startingAt: start))
        let before = try JSONSerialization.jsonObject(with: JSONEncoder().encode(telemetry.processHealth()))
        let object = try #require(before as? [String: Any])
        #expect(Set(object.keys) == ["log", "ingress", "disk", "graph_api", "build"])
        let ingress = try #require(object["ingress"] as? [String: Any])
        #expect(
            Set(ingress.keys)
                == [
                    "accepted", "duplicates", "unparsed", "unknown_items", "rejected", "unavailable", "last_webhook_at",
                ])
        #expect(ingress["last_webhook_at"] is NSNull)
        let rejected = try #require(ingress["rejected"] as? [String: Any])
        #expect(
            Set(rejected.keys)
                == ["signature_missing", "signature_malformed", "signature_mismatch", "too_large", "other"])
        #expect(Set(try #require(object["log"] as? [String: Any]).keys) == ["head_position", "size_bytes", "segments"])
        #expect(Set(try #require(object["disk"] as? [String: Any]).keys) == ["path", "free_bytes", "total_bytes"])
        let graph = try #require(object["graph_api"] as? [String: Any])
        #expect(Set(graph.keys) == ["window_minutes", "calls", "outcomes"])
        #expect(graph["window_minutes"] as? Int == 15)
        let build = try #require(object["build"] as? [String: Any])
        #expect(Set(build.keys) == ["version", "started_at", "uptime_seconds"])
        #expect(build["version"] as? String == BuildInfo.version)
        #expect(build["started_at"] as? String == "2026-11-18T11:06:40.123Z")
        #expect(build["uptime_seconds"] as? Int == 0)

        let later = telemetry.processHealth(now: start + 90_999)
        #expect(later.build.uptimeSeconds == 90)
    }

    @Test func graphAPIOutcomesCountOverTheLast15MinutesOnly() async throws {
        let harness = try await DeliveryHarness()
        let clock = TestClock<Duration>()
        let telemetry = ServiceTelemetry(dataDirectory: Self.scratch, wall: clock.wall())
        func client(token: String) -> any MessageSender {
            telemetry.measuring(
                GraphAPIClient(
                    configuration: .init(baseURL: harness.simServer.baseURL, accessToken: token), http: harness.http))
        }
        let message = OutgoingMessage(
            phoneNumberId: DeliveryHarness.number, to: "15551230000", body: .content(.text("hi")), callbackData: nil)
        guard case .accepted = await client(token: DeliveryHarness.token).send(message) else {
            Issue.record("the simulator did not accept the message")
            await harness.stop()
            return
        }
        _ = await client(token: DeliveryHarness.token).send(message)
        guard case .rejected(let error, _) = await client(token: "a-wrong-token").send(message) else {
            Issue.record("a wrong token was not refused")
            await harness.stop()
            return
        }
        #expect(error.code == 190)
        await harness.stop()

        let now = telemetry.processHealth().graphAPI
        #expect(now.windowMinutes == 15)
        #expect(now.calls == 3)
        #expect(
            now.outcomes == [
                .init(outcome: "ok", code: nil, meaning: nil, count: 2),
                .init(outcome: "error", code: 190, meaning: MetaErrorCode.meaning(190), count: 1),
            ])
        await clock.advance(by: .seconds(5 * 60))
        telemetry.recordGraphCall(.notSent)
        await clock.advance(by: .seconds(9 * 60))
        #expect(telemetry.processHealth().graphAPI.calls == 4, "14 minutes on, every call still counts")
        await clock.advance(by: .seconds(1 * 60))
        let window = telemetry.processHealth().graphAPI
        #expect(window.calls == 1, "15 minutes on, the first three calls are out of the window")
        #expect(window.outcomes.map(\.outcome) == ["error"])
        #expect(window.outcomes.first?.code == nil)
        await clock.advance(by: .seconds(5 * 60))
        #expect(telemetry.processHealth().graphAPI == .init(windowMinutes: 15, calls: 0, outcomes: []))

        // The Prometheus counters are totals since start, by outcome and code.
        let exposition = telemetry.prometheusText()
        let samples = Self.samples(exposition)
        #expect(samples["clickunlock_graph_api_calls_total{outcome=\"ok\",code=\"none\"}"] == 2)
        #expect(samples["clickunlock_graph_api_calls_total{outcome=\"error\",code=\"190\"}"] == 1)
        #expect(samples["clickunlock_graph_api_calls_total{outcome=\"not_sent\",code=\"none\"}"] == 1)
        #expect(Self.types(exposition)["clickunlock_graph_api_calls_total"] == "counter")
        #expect(!exposition.contains(DeliveryHarness.token))
        #expect(!exposition.contains("a-wrong-token"))
    }
}
