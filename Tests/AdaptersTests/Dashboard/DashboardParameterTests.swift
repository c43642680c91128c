import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Adapters

/// Every bad parameter is 400 `bad_parameter` naming it, over loopback and rule by rule.
@Suite struct DashboardParameterTests {
    @Test func badParametersOfTheRecentEventsAreNamed() async throws {
        let fixture = try await DashboardFixture()
        defer { Task { await fixture.stop() } }
        fixture.startProjector()
        let cases: [(query: String, parameter: String)] = [
            ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"), ("limit=-1", "limit"),
            ("limit=1&limit=2", "limit"), ("before=0", "before"), ("before=x", "before"),
            ("before=99999999999999999999", "before"), ("type=Button", "type"), ("type=a%20b", "type"),
            ("contact=%2B1555", "contact"), ("contact=a~b", "contact"), ("format=xml", "format"),
            ("format=csv&format=json", "format"), ("sort=asc", "sort"), ("limit=%ZZ", "limit"),
        ]
        try await fixture.application().test(.live) { client in
            for (query, parameter) in cases {
                let response = try await client.execute(
                    uri: "/api/webhook/events/recent?" + query, method: .get, headers: bearer())
                #expect(response.status == .badRequest, "\(query)")
                let error = try errorBody(response)
                #expect(error.code == "bad_parameter", "\(query)")
                #expect(error.parameter == parameter, "\(query): \(error.message)")
                #expect(!error.message.isEmpty)
            }
            let repeated = try await client.execute(
                uri: "/api/webhook/events/recent?type=button.&type=delivery.&contact=&limit=5", method: .get,
                headers: bearer())
            #expect(repeated.status == .ok, "type repeats; an empty value is not given")
            let realtime = try await client.execute(
                uri: "/api/webhook/stats/realtime?x=1", method: .get, headers: bearer())
            #expect(try errorBody(realtime).parameter == "x")
            let csvOfAnObject = try await client.execute(
                uri: "/api/webhook/stats/realtime?format=csv", method: .get, headers: bearer())
            #expect(try errorBody(csvOfAnObject).parameter == "format")
        }
    }

    static func days(_ query: String, zone: String = "America/Sao_Paulo") throws(DashboardError) -> DayRange {
        // 2026-11-30T01:00:00Z: still the 29th in São Paulo (UTC−3).
        try DayRange.parse(
            try QueryParameters(query: query, allowed: ["day", "from", "to", "tz"]), reportingZone: zone,
            now: 1_796_000_400_000)
    }

    static func refusal(_ query: String, zone: String = "America/Sao_Paulo") -> DashboardError? {
        do {
            _ = try days(query, zone: zone)
            return nil
        } catch {
            return error
        }
    }

    @Test func daysRangesAndZones() throws {
        #expect(try Self.days("") == DayRange(zone: "UTC", from: "2026-11-30", to: "2026-11-30", isToday: true))
        #expect(try Self.days("tz=America/Sao_Paulo").from == "2026-11-29")
        #expect(try Self.days("day=2024-02-29") == DayRange(zone: "UTC", from: "2024-02-29", to: "2024-02-29"))
        let range = try Self.days("from=2026-01-30&to=2026-03-02&tz=America/Sao_Paulo")
        #expect(range.zone == "America/Sao_Paulo")
        #expect(range.days.count == 32)
        #expect(range.days.first == "2026-01-30")
        #expect(range.days.last == "2026-03-02")
        #expect(try Self.days("from=2026-01-01&to=2026-04-02").days.count == 92)
        let refused: [(String, String)] = [
            ("day=2026-02-29", "day"), ("day=2026-13-01", "day"), ("day=26-01-01", "day"), ("day=2026-1-01", "day"),
            ("day=1999-12-31", "day"), ("day=today", "day"), ("from=2026-01-01", "to"), ("to=2026-01-01", "from"),
            ("from=2026-02-01&to=2026-01-01", "from"), ("from=2026-01-01&to=2026-04-03", "to"),
            ("day=2026-01-01&from=2026-01-01&to=2026-01-02", "day"), ("tz=Mars/Olympus", "tz"),
            ("tz=Europe/Paris", "tz"), ("day=2026-01-01&day=2026-01-02", "day"),
        ]
        for (query, parameter) in refused {
            let error = Self.refusal(query)
            #expect(error?.parameter == parameter, "\(query): \(String(describing: error))")
            #expect(error?.code == "bad_parameter")
        }
        #expect(Self.refusal("tz=Europe/Paris")?.message.contains("UTC and America/Sao_Paulo") == true)
        #expect(Self.refusal("tz=America/Sao_Paulo", zone: "UTC")?.message.contains("reports UTC") == true)
        #expect(Self.refusal("tz=Mars/Olympus")?.message.contains("no time zone") == true)
    }

    @Test func cursorsAndOtherRules() throws {
        #expect(try ParameterRules.cursor("eyJwIjoxMjN9") == "eyJwIjoxMjN9")
        #expect(throws: DashboardError.self) { try ParameterRules.cursor("not a cursor!") }
        #expect(throws: DashboardError.self) { try ParameterRules.cursor(String(repeating: "a", count: 2049)) }
        #expect(throws: DashboardError.self) { try ParameterRules.search("a\u{0}b") }
        #expect(try ParameterRules.oneOf("failed", "state", ["started", "failed"]) == "failed")
        #expect(throws: DashboardError.self) { try ParameterRules.oneOf("done", "state", ["started", "failed"]) }
        #expect(try ParameterRules.identifier("d-1%3A2", name: "id") == "d-1:2")
        #expect(throws: DashboardError.self) { try ParameterRules.identifier("a%2Fb", name: "id") }
        #expect(try ParameterRules.typePrefixes(["status.", "button.", "status."]) == ["button.", "status."])
        let query = try QueryParameters(query: "b=2&a=x+y&a=%2F", allowed: ["a", "b"], repeatable: ["a"])
        #expect(query.all("a") == ["x y", "/"])
        #expect(query.normalized() == "a=%2F&a=x%20y&b=2")
    }
}
