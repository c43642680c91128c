import ClickUnlockTesting
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import Adapters

/// No token, SQL or stack trace in any answer or log line: a failing query is 500 `internal`
/// with a fixed text, logged by its kind; wrong tokens are logged by address only.
@Suite struct DashboardLeakTests {
    @Test func failuresSayNothingOfTheSQLOrTheTokens() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        fixture.startProjector()
        let capture = LogCapture()
        let logger = capture.logger()
        let answers = DataAnswers(reader: fixture.reader, cache: AnswerCache(), logger: logger)
        struct Nothing: Encodable, Sendable {}
        let routes: [DashboardRoute] = [
            .get("/api/broken") { request, _ in
                try await answers.json(request, representation: "broken") { db -> Nothing in
                    try db.execute(sql: "SELECT secret_column FROM no_such_table")
                    return Nothing()
                }
            }
        ]
        let answered = Shared<[String]>([])
        try await DashboardFixture.application(routes: routes, logger: logger).test(.live) { client in
            let broken = try await client.execute(uri: "/api/broken", method: .get, headers: bearer())
            #expect(broken.status == .internalServerError)
            #expect(try errorBody(broken).code == "internal")
            answered.update { $0.append(text(broken)) }
            let near = String(DashboardFixture.token.dropLast()) + "X"
            for token in [near, DashboardFixture.token + "-more", "Bearer " + DashboardFixture.token] {
                let wrong = try await client.execute(uri: "/api/broken", method: .get, headers: bearer(token))
                #expect(wrong.status == .unauthorized)
                answered.update { $0.append(text(wrong)) }
            }
        }
        let lines = capture.lines
        #expect(lines.contains { $0.contains("/api/broken failed: SQLite error") }, "\(lines)")
        #expect(lines.contains { $0.contains("wrong bearer token from") }, "\(lines)")
        for text in answered.value + lines {
            let secrets = ["SELECT", "no_such_table", "secret_column", String(DashboardFixture.token.dropLast(1))]
            for secret in secrets + ["Fatal"] {
                #expect(!text.contains(secret), "\(text)")
            }
        }
    }
}
