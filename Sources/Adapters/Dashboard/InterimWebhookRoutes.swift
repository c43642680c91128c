import GRDB
import Hummingbird
import Projections

/// `GET /api/webhook/events/recent` and `GET /api/webhook/stats/realtime` over the tables the
/// projections have today, to run the frame (auth, envelope, ETag, cache, CSV) end to end until the
/// query layer of the dashboard (`Projections/Dashboard`) answers them in the contract's shapes.
enum InterimWebhookRoutes {
    static func routes(_ answers: DataAnswers) -> [DashboardRoute] {
        [recentEvents(answers), realtime(answers)]
    }

    struct RecentEvent: Encodable, Sendable {
        let position: Int64
        let type: String
        let time: String
        let contact: String?
        let summary: String
    }

    struct RecentEvents: Encodable, Sendable {
        let events: [RecentEvent]
        let nextBefore: Int64?

        enum CodingKeys: String, CodingKey {
            case events
            case nextBefore = "next_before"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(events, forKey: .events)
            try container.encode(nextBefore, forKey: .nextBefore)
        }
    }

    static func recentEvents(_ answers: DataAnswers) -> DashboardRoute {
        .get("/api/webhook/events/recent") { request, _ in
            let query = try QueryParameters(
                query: request.uri.query, allowed: ["limit", "before", "type", "contact", "format"],
                repeatable: ["type"])
            let limit = try ParameterRules.limit(query["limit"], 1...1000, fallback: 100)
            let before = try ParameterRules.position(query["before"])
            let types = try ParameterRules.typePrefixes(query.all("type"))
            let contact = try ParameterRules.contact(query["contact"])
            let representation = try Representation.choose(
                format: query["format"], accept: request.headers[.accept], csvAllowed: true)
            let read: @Sendable (Database, UInt64?, Int) throws -> RecentEvents = { db, before, limit in
                try Self.events(db, before: before, types: types, contact: contact, limit: limit)
            }
            if representation == .csv {
                return try await answers.csv(
                    name: "events", header: ["position", "type", "time", "contact", "summary"],
                    cursor: before.map(String.init), limit: query["limit"] == nil ? nil : limit, pageSize: 1000
                ) { db, cursor, size in
                    let page = try read(db, cursor.flatMap { UInt64($0) }, size)
                    return (
                        page.events.map { [String($0.position), $0.type, $0.time, $0.contact, $0.summary] },
                        page.nextBefore.map(String.init)
                    )
                }
            }
            return try await answers.json(
                request, representation: request.uri.path + "?" + query.normalized(except: ["format"])
            ) { db in try read(db, before, limit) }
        }
    }

    static func events(
        _ db: Database, before: UInt64?, types: [String], contact: String?, limit: Int
    ) throws -> RecentEvents {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let before {
            conditions.append("position < ?")
            arguments.append(Int64(clamping: before))
        }
        if !types.isEmpty {
            conditions.append("(" + types.map { _ in "substr(type, 1, ?) = ?" }.joined(separator: " OR ") + ")")
            for type in types { arguments += [type.utf8.count, type] }
        }
        if let contact {
            conditions.append("contact = ?")
            arguments.append(contact)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT position, time, type, contact, summary FROM recent_events \(filter) "
                + "ORDER BY position DESC LIMIT ?",
            arguments: StatementArguments(arguments + [limit + 1]))
        let events = rows.prefix(limit).map { row in
            RecentEvent(
                position: row["position"], type: row["type"], time: DashboardTime.text(milliseconds: row["time"]),
                contact: row["contact"], summary: row["summary"])
        }
        return RecentEvents(events: events, nextBefore: rows.count > limit ? events.last?.position : nil)
    }

    struct Rates: Encodable, Sendable {
        let eventsPerMinute: Double
        let clicksPerMinute: Double
        let deliveriesCompletedPerMinute: Double
        let deliveriesFailedPerMinute: Double
        let messagesSentPerMinute: Double
        let errorsPerMinute: Double
        let latencyMsMean: Double?

        init(_ rates: ProjectionQueries.Rates) {
            eventsPerMinute = rates.eventsPerMinute
            clicksPerMinute = rates.clicksPerMinute
            deliveriesCompletedPerMinute = rates.deliveriesCompletedPerMinute
            deliveriesFailedPerMinute = rates.deliveriesFailedPerMinute
            messagesSentPerMinute = rates.messagesSentPerMinute
            errorsPerMinute = rates.errorsPerMinute
            latencyMsMean = rates.averageLatencyMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case eventsPerMinute = "events_per_minute", clicksPerMinute = "clicks_per_minute"
            case deliveriesCompletedPerMinute = "deliveries_completed_per_minute"
            case deliveriesFailedPerMinute = "deliveries_failed_per_minute"
            case messagesSentPerMinute = "messages_sent_per_minute", errorsPerMinute = "errors_per_minute"
            case latencyMsMean = "latency_ms_mean"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(eventsPerMinute, forKey: .eventsPerMinute)
            try container.encode(clicksPerMinute, forKey: .clicksPerMinute)
            try container.encode(deliveriesCompletedPerMinute, forKey: .deliveriesCompletedPerMinute)
            try container.encode(deliveriesFailedPerMinute, forKey: .deliveriesFailedPerMinute)
            try container.encode(messagesSentPerMinute, forKey: .messagesSentPerMinute)
            try container.encode(errorsPerMinute, forKey: .errorsPerMinute)
            try container.encode(latencyMsMean, forKey: .latencyMsMean)
        }
    }

    struct Realtime: Encodable, Sendable {
        let now: String
        let windows: [String: Rates]
    }

    /// Depends on the time as well as the data: its tag and cached answer change every second.
    static func realtime(_ answers: DataAnswers) -> DashboardRoute {
        .get("/api/webhook/stats/realtime") { request, _ in
            _ = try QueryParameters(query: request.uri.query, allowed: [])
            _ = try Representation.choose(format: nil, accept: request.headers[.accept], csvAllowed: false)
            let now = answers.reader.wall.now()
            let second = now / 1000
            return try await answers.json(request, representation: "\(request.uri.path)@\(second)") { db in
                var windows: [String: Rates] = [:]
                for minutes in [1, 5, 15] {
                    windows["\(minutes)m"] = Rates(try ProjectionQueries.currentRates(db, now: now, minutes: minutes))
                }
                return Realtime(now: DashboardTime.text(milliseconds: now), windows: windows)
            }
        }
    }
}
