import GRDB
import HTTPTypes
import Hummingbird
import Projections

/// The lists, in JSON (a page and its cursor) or CSV (every page, streamed): conversations and one
/// conversation's history, deliveries and one delivery, the recent events.
enum ListRoutes {
    static func routes(_ answers: DataAnswers, reportingZone: String) -> [DashboardRoute] {
        [
            conversations(answers), conversation(answers), deliveries(answers, reportingZone), delivery(answers),
            recentEvents(answers),
        ]
    }

    private static func representation(_ request: Request, _ query: QueryParameters) throws(DashboardError)
        -> Representation
    {
        try Representation.choose(format: query["format"], accept: request.headers[.accept], csvAllowed: true)
    }

    private static func key(_ request: Request, _ query: QueryParameters) -> String {
        request.uri.path + "?" + query.normalized(except: ["format"])
    }

    /// At most `limit` rows in CSV when it was given, else every row.
    private static func csvLimit(_ query: QueryParameters, _ limit: Int) -> Int? { query["limit"] == nil ? nil : limit }

    static func conversations(_ answers: DataAnswers) -> DashboardRoute {
        .get("/api/webhook/conversations") { request, _ in
            let query = try QueryParameters(query: request.uri.query, allowed: ["limit", "cursor", "q", "format"])
            let limit = try ParameterRules.limit(query["limit"], 1...200, fallback: 50)
            let cursor = try ParameterRules.cursor(query["cursor"])
            let search = try ParameterRules.search(query["q"])
            if try representation(request, query) == .csv {
                return try await answers.csv(
                    name: "conversations", header: Conversation.csvHeader, cursor: cursor,
                    limit: csvLimit(query, limit), pageSize: 200
                ) { db, cursor, size in
                    let page = try Dashboard.conversations(db, limit: size, cursor: cursor, query: search)
                    return (page.conversations.map(\.csvFields), page.nextCursor)
                }
            }
            return try await answers.json(request, representation: key(request, query)) { db in
                try Dashboard.conversations(db, limit: limit, cursor: cursor, query: search)
            }
        }
    }

    static func conversation(_ answers: DataAnswers) -> DashboardRoute {
        .get("/api/webhook/conversations/:contact") { request, context in
            let query = try QueryParameters(query: request.uri.query, allowed: ["limit", "cursor", "format"])
            let contact = try ParameterRules.contact(context.parameters.get("contact")) ?? ""
            let limit = try ParameterRules.limit(query["limit"], 1...1000, fallback: 200)
            let cursor = try ParameterRules.cursor(query["cursor"])
            let unknown = DashboardError.notFound("no conversation with \(contact): no message to or from it is known")
            if try representation(request, query) == .csv {
                return try await answers.csv(
                    name: "conversation-\(contact)", header: ConversationMessage.csvHeader, cursor: cursor,
                    limit: csvLimit(query, limit), pageSize: 1000
                ) { db, cursor, size in
                    guard let page = try Dashboard.conversation(db, contact: contact, limit: size, cursor: cursor)
                    else { throw unknown }
                    return (page.messages.map(\.csvFields), page.nextCursor)
                }
            }
            return try await answers.json(request, representation: key(request, query)) { db in
                guard let detail = try Dashboard.conversation(db, contact: contact, limit: limit, cursor: cursor)
                else { throw unknown }
                return detail
            }
        }
    }

    static func deliveries(_ answers: DataAnswers, _ reportingZone: String) -> DashboardRoute {
        .get("/api/webhook/deliveries") { request, _ in
            let query = try QueryParameters(
                query: request.uri.query, allowed: ["state", "contact", "day", "tz", "limit", "cursor", "format"])
            var filter = DeliveryFilter(
                state: try ParameterRules.oneOf(query["state"], "state", DeliveryFilter.states),
                contact: try ParameterRules.contact(query["contact"]),
                day: try query["day"].map { day throws(DashboardError) in try DayRange.day(day, "day") },
                zone: try DayRange.zone(query["tz"], reportingZone: reportingZone))
            if filter.day == nil { filter.zone = "UTC" }
            let limit = try ParameterRules.limit(query["limit"], 1...200, fallback: 50)
            let cursor = try ParameterRules.cursor(query["cursor"])
            let chosen = filter
            if try representation(request, query) == .csv {
                return try await answers.csv(
                    name: "deliveries", header: DeliverySummary.csvHeader, cursor: cursor,
                    limit: csvLimit(query, limit), pageSize: 200
                ) { db, cursor, size in
                    let page = try Dashboard.deliveries(db, filter: chosen, limit: size, cursor: cursor)
                    return (page.deliveries.map(\.csvFields), page.nextCursor)
                }
            }
            return try await answers.json(request, representation: key(request, query)) { db in
                try Dashboard.deliveries(db, filter: chosen, limit: limit, cursor: cursor)
            }
        }
    }

    static func delivery(_ answers: DataAnswers) -> DashboardRoute {
        .get("/api/webhook/deliveries/:id") { request, context in
            let query = try QueryParameters(query: request.uri.query, allowed: ["format"])
            _ = try Representation.choose(format: query["format"], accept: request.headers[.accept], csvAllowed: false)
            let id = try ParameterRules.identifier(context.parameters.get("id") ?? "", name: "id")
            return try await answers.json(request, representation: key(request, query)) { db in
                guard let delivery = try Dashboard.delivery(db, id: id) else {
                    throw DashboardError.notFound("no delivery \(id): it never started (or the id is mistyped)")
                }
                return DeliveryAnswer(delivery: delivery)
            }
        }
    }

    struct DeliveryAnswer: Encodable, Sendable {
        let delivery: DeliveryDetail
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
            if try representation(request, query) == .csv {
                return try await answers.csv(
                    name: "events", header: RecentEvent.csvHeader, cursor: before.map(String.init),
                    limit: csvLimit(query, limit), pageSize: 1000
                ) { db, cursor, size in
                    let page = try Dashboard.recentEvents(
                        db, limit: size, before: cursor.flatMap { UInt64($0) }, types: types, contact: contact)
                    return (page.events.map(\.csvFields), page.nextBefore.map(String.init))
                }
            }
            return try await answers.json(request, representation: key(request, query)) { db in
                try Dashboard.recentEvents(db, limit: limit, before: before, types: types, contact: contact)
            }
        }
    }
}
