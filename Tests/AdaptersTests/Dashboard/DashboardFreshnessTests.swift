import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Projections
import Synchronization
import Testing

@testable import Adapters

/// The envelope, `ETag`/304 and the answer cache over a live projector: an unchanged position is
/// answered without a query (304, or the cached body); a new event gives a new tag.
@Suite struct DashboardFreshnessTests {
    /// A data route that counts the queries it runs.
    static func countingRoute(_ fixture: DashboardFixture, queries: Shared<Int>) -> [DashboardRoute] {
        let answers = DataAnswers(reader: fixture.reader, cache: AnswerCache(), logger: Logger(label: "test"))
        struct Body: Encodable, Sendable { let events: Int }
        return [
            .get("/api/webhook/count") { request, _ in
                let query = try QueryParameters(query: request.uri.query, allowed: ["a", "b"])
                return try await answers.json(request, representation: "/count?" + query.normalized()) { db in
                    queries.update { $0 += 1 }
                    return Body(events: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM recent_events") ?? 0)
                }
            }
        ]
    }

    @Test func unchangedPositionsAreAnsweredWithoutAQueryAndNewEventsGiveANewTag() async throws {
        let fixture = try await DashboardFixture(events: [tap("wamid.F1"), tap("wamid.F2")])
        defer { Task { await fixture.stop() } }
        fixture.startProjector()
        try await fixture.waitForProjections(fixture.log.lastPosition)
        let queries = Shared(0)
        let routes = Self.countingRoute(fixture, queries: queries)
        try await DashboardFixture.application(routes: routes).test(.live) { client in
            let first = try await client.execute(uri: "/api/webhook/count?b=2&a=1", method: .get, headers: bearer())
            #expect(first.status == .ok)
            let tag = try #require(first.headers[.eTag])
            #expect(first.headers[.cacheControl] == "private, no-cache")
            #expect(first.headers[.projectionPosition] == String(fixture.log.lastPosition))
            let body = try json(first)
            #expect(body["position"] as? Int == Int(fixture.log.lastPosition))
            #expect(body["lag_events"] as? Int == 0)
            #expect(body["lag_ms"] as? Int == 0)
            #expect(body["events"] as? Int == 2)
            #expect(text(first).hasPrefix(#"{"position":"#), "the envelope comes first")
            #expect(queries.value == 1)

            // The same question in another order: the same tag, from the cache.
            let again = try await client.execute(uri: "/api/webhook/count?a=1&b=2", method: .get, headers: bearer())
            #expect(again.headers[.eTag] == tag)
            #expect(text(again) == text(first))
            #expect(queries.value == 1)

            let notModified = try await client.execute(
                uri: "/api/webhook/count?a=1&b=2", method: .get,
                headers: bearer(DashboardFixture.token, [.ifNoneMatch: tag]))
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)
            #expect(notModified.headers[.eTag] == tag)
            DashboardFrameTests.expectSecure(notModified, cache: "private, no-cache")
            #expect(queries.value == 1, "304 without a query")

            let other = try await client.execute(uri: "/api/webhook/count?a=2", method: .get, headers: bearer())
            #expect(other.headers[.eTag] != tag, "another question, another tag")

            try await fixture.append(tap("wamid.F3"))
            let changed = try await client.execute(
                uri: "/api/webhook/count?a=1&b=2", method: .get,
                headers: bearer(DashboardFixture.token, [.ifNoneMatch: tag]))
            #expect(changed.status == .ok)
            #expect(changed.headers[.eTag] != tag)
            #expect(try json(changed)["events"] as? Int == 3)
        }
    }

    @Test func theEnvelopeSaysHowFarBehindTheProjectionsAre() async throws {
        let fixture = try await DashboardFixture(events: [tap("wamid.L1")])
        defer { Task { await fixture.stop() } }
        let reader = fixture.reader
        // The projector has not run: everything in the log is behind.
        let envelope = reader.envelope(at: 0)
        #expect(envelope.lagEvents == fixture.log.lastPosition)
        #expect(envelope.lagMs >= 0)
        fixture.startProjector()
        try await fixture.waitForProjections(fixture.log.lastPosition)
        let (position, _) = try await reader.read { _ in 0 }
        #expect(position == fixture.log.lastPosition)
        #expect(reader.envelope(at: position) == Envelope(position: position, lagEvents: 0, lagMs: 0))
    }

    @Test func theWrappedEnvelopeIsTheEnvelopedEncoding() throws {
        struct Body: Encodable {
            let zone = "UTC"
            let days: [Int] = [1, 2]
        }
        let envelope = Envelope(position: 42, lagEvents: 3, lagMs: 1500)
        let wrapped = envelope.wrap(Array(try JSONEncoder().encode(Body())))
        let joined = try JSONSerialization.jsonObject(with: Data(buffer: wrapped)) as? NSDictionary
        let encoded =
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(Enveloped(envelope, Body())))
            as? NSDictionary
        #expect(joined == encoded)
        #expect(String(buffer: envelope.wrap(Array("{}".utf8))) == #"{"position":42,"lag_events":3,"lag_ms":1500}"#)
    }

    @Test func theProjectorsLagIsTimeSinceItLastCaughtUp() {
        let progress = Projector.Progress(position: 10, caughtUpAt: 1_000, waiting: false)
        #expect(progress.lagMilliseconds(at: 10, head: 10, now: 5_000) == 0)
        #expect(progress.lagMilliseconds(at: 10, head: 12, now: 5_000) == 4_000)
        #expect(progress.lagMilliseconds(at: 8, head: 10, now: 5_000) == 4_000)
        let woken = Projector.Progress(position: 10, caughtUpAt: 1_000, waiting: true)
        #expect(woken.lagMilliseconds(at: 10, head: 11, now: 5_000) == 0, "new events, the projector waking")
    }

    @Test func recentEventsStreamAsCSV() async throws {
        let fixture = try await DashboardFixture(events: (0..<30).map { tap("wamid.CSV\($0)") })
        defer { Task { await fixture.stop() } }
        fixture.startProjector()
        try await fixture.waitForProjections(fixture.log.lastPosition)
        try await fixture.application().test(.live) { client in
            let csv = try await client.execute(
                uri: "/api/webhook/events/recent?format=csv&limit=7", method: .get, headers: bearer())
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"clickunlock-events-") == true)
            let lines = text(csv).components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first.map { $0 + "\r\n" } == CSV.line(RecentEvent.csvHeader))
            #expect(lines.count == 8)
            let accepted = try await client.execute(
                uri: "/api/webhook/events/recent", method: .get,
                headers: bearer(DashboardFixture.token, [.accept: "text/csv"]))
            #expect(accepted.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(
                text(accepted).components(separatedBy: "\r\n").filter { !$0.isEmpty }.count
                    == Int(fixture.log.lastPosition) + 1)
            let json = try await client.execute(
                uri: "/api/webhook/events/recent?limit=7", method: .get,
                headers: bearer(DashboardFixture.token, [.accept: "text/html, */*;q=0.8"]))
            #expect(json.headers[.contentType] == "application/json; charset=utf-8")
            let refused = try await client.execute(
                uri: "/api/webhook/events/recent", method: .get,
                headers: bearer(DashboardFixture.token, [.accept: "application/xml"]))
            #expect(refused.status == .notAcceptable)
            #expect(try errorBody(refused).code == "not_acceptable")
        }
    }
}
