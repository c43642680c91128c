import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import Adapters

/// The frame of the dashboard port over loopback: probes, the token, the slowdown, CORS, 404/405,
/// bounds, security headers and the error shape.
@Suite struct DashboardFrameTests {
    static func expectSecure(_ response: TestResponse, cache: String = "no-store") {
        #expect(response.headers[.xContentTypeOptions] == "nosniff")
        #expect(response.headers[.cacheControl] == cache)
        #expect(response.headers[.server] == nil)
        if response.status != .noContent && response.status != .notModified {
            #expect(response.headers[.contentType]?.hasSuffix("charset=utf-8") == true)
        }
    }

    @Test func probesNeedNoTokenAndSayNothingMore() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        let ready = Shared(false)
        try await fixture.application(ready: { ready.value }).test(.live) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(text(health) == #"{"status":"ok"}"#)
            Self.expectSecure(health)
            let notReady = try await client.execute(uri: "/readyz", method: .get)
            #expect(notReady.status == .serviceUnavailable)
            #expect(text(notReady) == #"{"status":"not_ready"}"#)
            Self.expectSecure(notReady)
            ready.value = true
            let isReady = try await client.execute(uri: "/readyz", method: .get)
            #expect(isReady.status == .ok)
            #expect(text(isReady) == #"{"status":"ready"}"#)
        }
    }

    @Test func readyzWaitsForTheProjectionsToReachTheLogAsItWasAtStart() async throws {
        let fixture = try await DashboardFixture(events: (0..<50).map { tap("wamid.READY\($0)") })
        defer { Task { await fixture.stop() } }
        let startHead = fixture.log.lastPosition
        let projector = fixture.projector
        try await fixture.application(ready: { projector.progress.position >= startHead }).test(.live) { client in
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
            fixture.startProjector()
            try await fixture.waitForProjections(startHead)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
    }

    @Test func everyAPIRouteWantsTheRightToken() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        fixture.startProjector()
        try await fixture.application().test(.live) { client in
            let missing = try await client.execute(uri: "/api/webhook/events/recent", method: .get)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            #expect(try errorBody(missing).code == "unauthorized")
            #expect(try errorBody(missing).parameter == nil)
            Self.expectSecure(missing)
            let wrong = try await client.execute(
                uri: "/api/webhook/events/recent", method: .get, headers: bearer("not-the-token"))
            #expect(wrong.status == .unauthorized)
            let otherScheme = try await client.execute(
                uri: "/api/webhook/events/recent", method: .get,
                headers: [.authorization: "Basic \(DashboardFixture.token)"])
            #expect(otherScheme.status == .unauthorized)
            let right = try await client.execute(uri: "/api/webhook/events/recent", method: .get, headers: bearer())
            #expect(right.status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .unauthorized)
            let unknown = try await client.execute(uri: "/api/nothing-here", method: .get)
            #expect(unknown.status == .unauthorized, "unknown API paths are not revealed without the token")
        }
    }

    @Test func wrongTokensAreSlowedDownButTheRightOneNeverIs() async throws {
        let elapsed = Shared<Duration>(.zero)
        let throttle = FailedTokenThrottle(.init(failuresPerMinute: 3), elapsed: { elapsed.value })
        let access = DashboardAccess(
            token: DashboardFixture.token, open: false, throttle: throttle, logger: Logger(label: "test"))
        let routes = [DashboardRoute.get("/api/ping") { _, _ in JSONAnswer.response("{}") }]
        try await DashboardFixture.application(routes: routes, access: access).test(.live) { client in
            for _ in 0..<3 {
                let wrong = try await client.execute(
                    uri: "/api/ping", method: .get, headers: bearer("guess-1234567890"))
                #expect(wrong.status == .unauthorized)
            }
            let slowed = try await client.execute(uri: "/api/ping", method: .get, headers: bearer("guess-1234567890"))
            #expect(slowed.status == .tooManyRequests)
            #expect(slowed.headers[.retryAfter] == "20")
            #expect(try errorBody(slowed).code == "too_many_requests")
            let right = try await client.execute(uri: "/api/ping", method: .get, headers: bearer())
            #expect(right.status == .ok, "the right token from the same address is never refused")
            elapsed.value = .seconds(20)
            let again = try await client.execute(uri: "/api/ping", method: .get, headers: bearer("guess-1234567890"))
            #expect(again.status == .unauthorized, "one failure refilled after 20 s")
        }
    }

    @Test func theSlowdownTableIsBounded() {
        let elapsed = Shared<Duration>(.zero)
        let throttle = FailedTokenThrottle(
            .init(failuresPerMinute: 2, maxAddresses: 100), elapsed: { elapsed.value })
        for index in 0..<1000 { #expect(throttle.failure(from: "10.0.\(index / 256).\(index % 256)") == nil) }
        #expect(throttle.trackedAddresses <= 100)
        #expect(throttle.failure(from: "192.0.2.1") == nil)
        #expect(throttle.failure(from: "192.0.2.1") == nil)
        #expect(throttle.failure(from: "192.0.2.1") == 30)
    }

    @Test func corsAnswersOnlyTheOriginsItWasGiven() async throws {
        var configuration = DashboardAPI.Configuration.withToken
        configuration.corsOrigins = ["https://dashboard.example.com"]
        let routes = [DashboardRoute.get("/api/ping") { _, _ in JSONAnswer.response("{}") }]
        try await DashboardFixture.application(configuration, routes: routes).test(.live) { client in
            let allowed = try await client.execute(
                uri: "/api/ping", method: .get,
                headers: bearer(DashboardFixture.token, [.origin: "https://dashboard.example.com"]))
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://dashboard.example.com")
            #expect(allowed.headers[.vary]?.contains("Origin") == true)
            #expect(allowed.headers[.accessControlExposeHeaders]?.contains("ETag") == true)
            let refused = try await client.execute(
                uri: "/api/ping", method: .get,
                headers: bearer(DashboardFixture.token, [.origin: "https://evil.example.net"]))
            #expect(refused.status == .ok)
            #expect(refused.headers[.accessControlAllowOrigin] == nil)
            let unauthorized = try await client.execute(
                uri: "/api/ping", method: .get, headers: [.origin: "https://dashboard.example.com"])
            #expect(unauthorized.status == .unauthorized)
            #expect(
                unauthorized.headers[.accessControlAllowOrigin] == "https://dashboard.example.com",
                "the page can read why it was refused")
            let preflight = try await client.execute(
                uri: "/api/ping", method: .options,
                headers: [
                    .origin: "https://dashboard.example.com", .accessControlRequestMethod: "GET",
                    .accessControlRequestHeaders: "authorization",
                ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://dashboard.example.com")
            #expect(preflight.headers[.accessControlAllowMethods] == "GET")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            Self.expectSecure(preflight)
            let refusedPreflight = try await client.execute(
                uri: "/api/ping", method: .options,
                headers: [.origin: "https://evil.example.net", .accessControlRequestMethod: "GET"])
            #expect(refusedPreflight.headers[.accessControlAllowOrigin] == nil)
            #expect(refusedPreflight.headers[.accessControlAllowMethods] == nil)
        }
    }

    @Test func originsAreCheckedAndNeverAWildcard() throws {
        #expect(throws: CORSPolicy.Invalid.self) { try CORSPolicy(origins: ["*"]) }
        #expect(throws: CORSPolicy.Invalid.self) { try CORSPolicy(origins: ["https://a.example.com/path"]) }
        #expect(throws: CORSPolicy.Invalid.self) { try CORSPolicy(origins: ["ftp://a.example.com"]) }
        #expect(throws: CORSPolicy.Invalid.self) { try CORSPolicy(origins: ["https://a.example.com:99999"]) }
        #expect(throws: CORSPolicy.Invalid.self) { try CORSPolicy(origins: ["https://a.example.com:+80"]) }
        let policy = try CORSPolicy(origins: ["HTTPS://Dashboard.Example.com:8443", "http://127.0.0.1:5173"])
        #expect(policy.origins == ["https://dashboard.example.com:8443", "http://127.0.0.1:5173"])
    }

    @Test func unknownPathsAre404AndWrongMethods405WithAllow() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        try await fixture.application().test(.live) { client in
            let unknown = try await client.execute(uri: "/nowhere", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try errorBody(unknown).code == "not_found")
            Self.expectSecure(unknown)
            let unknownAPI = try await client.execute(uri: "/api/webhook/nowhere", method: .get, headers: bearer())
            #expect(unknownAPI.status == .notFound)
            let post = try await client.execute(uri: "/healthz", method: .post)
            #expect(post.status == .methodNotAllowed)
            #expect(post.headers[.allow] == "GET, OPTIONS")
            #expect(try errorBody(post).code == "method_not_allowed")
            let delete = try await client.execute(uri: "/api/webhook/events/recent", method: .delete, headers: bearer())
            #expect(delete.status == .methodNotAllowed)
            let getSend = try await client.execute(uri: "/api/templates/send", method: .get, headers: bearer())
            #expect(getSend.status == .methodNotAllowed)
            #expect(getSend.headers[.allow] == "POST, OPTIONS")
        }
    }

    @Test func bodiesAreBoundedAndActionsNeedTheTokenEvenWhenOpen() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        fixture.startProjector()
        var open = DashboardAPI.Configuration()
        open.port = 0
        open.open = true
        try await fixture.application(open).test(.live) { client in
            let read = try await client.execute(uri: "/api/webhook/events/recent", method: .get)
            #expect(read.status == .ok, "open: reads need no token")
            let send = try await client.execute(
                uri: "/api/templates/send", method: .post, body: ByteBuffer(string: #"{"recipients":["1555"]}"#))
            #expect(send.status == .unauthorized, "open: template sends still need the token")
        }
        try await fixture.application().test(.live) { client in
            let large = try await client.execute(
                uri: "/api/templates/send", method: .post, headers: bearer(),
                body: ByteBuffer(repeating: UInt8(ascii: "x"), count: DashboardFrame.maxBodyBytes + 1))
            #expect(large.status == .contentTooLarge)
            #expect(try errorBody(large).code == "payload_too_large")
            let disabled = try await client.execute(
                uri: "/api/templates/send", method: .post, headers: bearer(),
                body: ByteBuffer(string: #"{"recipients":["15551234567"]}"#))
            #expect(disabled.status == .serviceUnavailable)
            #expect(try errorBody(disabled).code == "unavailable")
        }
    }

    @Test func openIsRefusedAwayFromLoopback() {
        var configuration = DashboardAPI.Configuration()
        configuration.open = true
        #expect(configuration.problem == nil)
        for host in ["0.0.0.0", "192.168.1.10", "::", "example.com"] {
            configuration.host = host
            #expect(configuration.problem?.contains("loopback") == true, "\(host)")
        }
        for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] {
            configuration.host = host
            #expect(configuration.problem == nil, "\(host)")
        }
    }
}

/// A value tests change and read across tasks.
final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    var value: Value {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
    func update(_ change: (inout Value) -> Void) { state.withLock { change(&$0) } }
}
