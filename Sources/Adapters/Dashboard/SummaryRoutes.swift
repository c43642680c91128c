import GRDB
import Hummingbird
import Projections

/// The summaries: `GET /api/webhook/metrics` and `/templates` (a day or a range of days, in UTC or
/// the reporting zone) and `/stats/realtime` (rates now and the last hour per minute), in JSON.
enum SummaryRoutes {
    static func routes(_ answers: DataAnswers, reportingZone: String) -> [DashboardRoute] {
        [metrics(answers, reportingZone), templates(answers, reportingZone), realtime(answers)]
    }

    static let dayParameters: Set<String> = ["day", "from", "to", "tz", "format"]

    /// The days asked for, after the checks every JSON-only route makes.
    private static func days(
        _ request: Request, _ answers: DataAnswers, _ reportingZone: String
    ) throws(DashboardError) -> (QueryParameters, DayRange) {
        let query = try QueryParameters(query: request.uri.query, allowed: dayParameters)
        _ = try Representation.choose(format: query["format"], accept: request.headers[.accept], csvAllowed: false)
        return (query, try DayRange.parse(query, reportingZone: reportingZone, now: answers.reader.wall.now()))
    }

    /// What the answer depends on: the question, and for "today" which day that is.
    private static func representation(_ request: Request, _ query: QueryParameters, _ range: DayRange) -> String {
        request.uri.path + "?" + query.normalized(except: ["format"]) + (range.isToday ? "#today=" + range.from : "")
    }

    static func metrics(_ answers: DataAnswers, _ reportingZone: String) -> DashboardRoute {
        .get("/api/webhook/metrics") { request, _ in
            let (query, range) = try days(request, answers, reportingZone)
            return try await answers.json(request, representation: representation(request, query, range)) { db in
                JSONObject.bytes(try Dashboard.metrics(db, from: range.from, to: range.to, zone: range.zone))
            }
        }
    }

    static func templates(_ answers: DataAnswers, _ reportingZone: String) -> DashboardRoute {
        .get("/api/webhook/templates") { request, _ in
            let (query, range) = try days(request, answers, reportingZone)
            return try await answers.json(request, representation: representation(request, query, range)) { db in
                try Dashboard.templates(db, from: range.from, to: range.to, zone: range.zone)
            }
        }
    }

    /// Depends on the time as well as the data: its tag and cached answer change every second.
    static func realtime(_ answers: DataAnswers) -> DashboardRoute {
        .get("/api/webhook/stats/realtime") { request, _ in
            let query = try QueryParameters(query: request.uri.query, allowed: ["format"])
            _ = try Representation.choose(format: query["format"], accept: request.headers[.accept], csvAllowed: false)
            let now = answers.reader.wall.now()
            return try await answers.json(request, representation: "\(request.uri.path)#second=\(now / 1000)") { db in
                JSONObject.bytes(try Dashboard.realtime(db, now: now))
            }
        }
    }
}

/// An answer that writes its own members (`JSONMembers`) as a JSON object's bytes.
enum JSONObject {
    static func bytes(_ value: some JSONMembers) -> [UInt8] {
        var writer = JSONWriter()
        value.writeMembers(&writer)
        return [UInt8(ascii: "{")] + writer.bytes + [UInt8(ascii: "}")]
    }
}
