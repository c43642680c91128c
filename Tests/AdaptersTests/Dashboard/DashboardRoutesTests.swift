import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Adapters

/// Every route of the dashboard API mounted over a live projector: the envelope on each, the
/// query layer's answers, 404 for what is unknown, the query layer's refusals as 400, health's
/// composition and status, Prometheus text.
@Suite struct DashboardRoutesTests {
    static let routes = [
        "/api/webhook/metrics", "/api/webhook/metrics?from=2025-11-01&to=2025-11-30", "/api/webhook/templates",
        "/api/webhook/conversations", "/api/webhook/conversations/919800000001", "/api/webhook/deliveries",
        "/api/webhook/deliveries?state=failed&day=2025-11-24", "/api/webhook/events/recent",
        "/api/webhook/stats/realtime", "/api/webhook/health",
    ]

    @Test func everyRouteAnswersWithTheEnvelope() async throws {
        let fixture = try await DashboardFixture(events: [tap("wamid.R1"), tap("wamid.R2", from: "919800000002")])
        defer { Task { await fixture.stop() } }
        fixture.startProjector()
        try await fixture.waitForProjections(fixture.log.lastPosition)
        let head = Int(fixture.log.lastPosition)
        try await fixture.application().test(.live) { client in
            for path in Self.routes {
                let answer = try await client.execute(uri: path, method: .get, headers: bearer())
                #expect(answer.status == .ok, "\(path): \(text(answer))")
                #expect(text(answer).hasPrefix(#"{"position":\#(head),"lag_events":0,"lag_ms":0,"#), "\(path)")
                #expect(answer.headers[.projectionPosition] == String(head), "\(path)")
                #expect(answer.headers[.contentType] == "application/json; charset=utf-8", "\(path)")
                if path.hasSuffix("/health") {
                    #expect(answer.headers[.eTag] == nil)
                    #expect(answer.headers[.cacheControl] == "no-store")
                } else {
                    #expect(answer.headers[.eTag] != nil, "\(path)")
                }
            }
            let conversations = try json(
                try await client.execute(uri: "/api/webhook/conversations", method: .get, headers: bearer()))
            #expect((conversations["conversations"] as? [Any])?.count == 2)
            let events = try json(
                try await client.execute(
                    uri: "/api/webhook/events/recent?type=button.&limit=1", method: .get, headers: bearer()))
            #expect((events["events"] as? [[String: Any]])?.first?["type"] as? String == "button.clicked")
            #expect(events["next_before"] is Int)
        }
    }

    @Test func unknownThingsAre404AndForgedCursors400() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        fixture.startProjector()
        try await fixture.application().test(.live) { client in
            let contact = try await client.execute(
                uri: "/api/webhook/conversations/15550000000", method: .get, headers: bearer())
            #expect(contact.status == .notFound)
            #expect(try errorBody(contact).code == "not_found")
            let delivery = try await client.execute(
                uri: "/api/webhook/deliveries/d-404", method: .get, headers: bearer())
            #expect(delivery.status == .notFound)
            let nested = try await client.execute(uri: "/api/webhook/deliveries/x/y", method: .get, headers: bearer())
            #expect(nested.status == .notFound)
            for (path, parameter) in [
                ("/api/webhook/conversations?cursor=Zm9yZ2VkLWN1cnNvcg", "cursor"),
                ("/api/webhook/deliveries?cursor=eyJwIjoxfQ", "cursor"),
                ("/api/webhook/conversations/a~b", "contact"), ("/api/webhook/metrics?day=2026-02-30", "day"),
                ("/api/webhook/metrics?tz=Asia/Kathmandu", "tz"), ("/api/webhook/templates?from=2026-01-01", "to"),
                ("/api/webhook/deliveries?state=exploded", "state"), ("/api/webhook/conversations?limit=201", "limit"),
                ("/api/webhook/conversations/15550000000?limit=1001", "limit"),
            ] {
                let answer = try await client.execute(uri: path, method: .get, headers: bearer())
                #expect(answer.status == .badRequest, "\(path)")
                #expect(try errorBody(answer).parameter == parameter, "\(path): \(text(answer))")
            }
        }
    }

    @Test func healthComposesBothPartsAndSaysWhy() async throws {
        let fixture = try await DashboardFixture(events: [tap("wamid.H1")])
        defer { Task { await fixture.stop() } }
        fixture.startProjector()
        try await fixture.waitForProjections(fixture.log.lastPosition)
        let running = Shared(true)
        try await fixture.application(projectorRunning: { running.value }).test(.live) { client in
            let ok = try json(try await client.execute(uri: "/api/webhook/health", method: .get, headers: bearer()))
            for key in ["status", "reasons", "log", "projector", "saga", "ingress", "disk", "graph_api", "build"] {
                #expect(ok[key] != nil, "\(key)")
            }
            #expect(ok["status"] as? String == "ok")
            #expect(ok["reasons"] as? [String] == [])
            let projector = try #require(ok["projector"] as? [String: Any])
            #expect(projector["position"] as? Int == Int(fixture.log.lastPosition))
            #expect((ok["log"] as? [String: Any])?["head_position"] as? Int == Int(fixture.log.lastPosition))
            running.value = false
            let failing = try json(
                try await client.execute(uri: "/api/webhook/health", method: .get, headers: bearer()))
            #expect(failing["status"] as? String == "failing")
            #expect((failing["reasons"] as? [String])?.first?.contains("projector has stopped") == true)
        }
    }

    @Test func prometheusTextBehindTheToken() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        try await fixture.application().test(.live) { client in
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: bearer())
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(metrics.headers[.cacheControl] == "no-store")
            #expect(text(metrics).contains("clickunlock_"))
            let patch = try await client.execute(uri: "/metrics", method: .patch, headers: bearer())
            #expect(patch.status == .methodNotAllowed)
        }
    }
}
