import Domain
public import GRDB

extension Dashboard {
    /// The most `type` prefixes one query takes.
    public static let maxTypePrefixes = 20

    /// `GET /api/webhook/events/recent`: the events the recent-events projection keeps, newest
    /// first, before position `before` (exclusive), whose type starts with one of `types` (any
    /// when empty), concerning `contact` when given.
    public static func recentEvents(
        _ db: Database, limit: Int, before: UInt64? = nil, types: [String] = [], contact: String? = nil
    ) throws -> RecentEventsPage {
        guard types.count <= maxTypePrefixes else {
            throw DashboardQueryError(parameter: "type", message: "give at most \(maxTypePrefixes) type prefixes")
        }
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let before {
            conditions.append("position < ?")
            arguments += [Int64(clamping: before)]
        }
        if let contact {
            conditions.append("contact = ?")
            arguments += [contact]
        }
        let prefixes = types.filter { !$0.isEmpty }
        if prefixes.count == types.count, !prefixes.isEmpty {
            // substr counts characters as length() does: an exact, case-sensitive prefix match.
            conditions.append(
                "(" + prefixes.map { _ in "substr(type, 1, length(?)) = ?" }.joined(separator: " OR ") + ")")
            for prefix in prefixes { arguments += [prefix, prefix] }
        }
        let page = max(1, limit)
        arguments += [page + 1]
        let sql =
            "SELECT position, type, version, time, stream, data, contact, skipped FROM recent_events"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY position DESC LIMIT ?"
        let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
        let events = rows.prefix(page).map(RecentEvent.init(row:))
        return RecentEventsPage(events: events, nextBefore: rows.count > page ? events.last?.position : nil)
    }
}

extension Dashboard {
    /// The live feed's read: every event the recent-events projection keeps after `position`,
    /// oldest first (at most the projection's size).
    public static func eventsAfter(_ db: Database, position: UInt64) throws -> [RecentEvent] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT position, type, version, time, stream, data, contact, skipped FROM recent_events"
                    + " WHERE position > ? ORDER BY position"),
            arguments: [Int64(clamping: position)])
        return rows.map(RecentEvent.init(row:))
    }
}

extension RecentEvent {
    init(row: Row) {
        self.init(
            position: UInt64(row["position"] as Int64), type: row["type"], version: row["version"],
            time: LogTime.rfc3339(row["time"]), stream: row["stream"], data: EventData(json: row["data"]),
            contact: row["contact"], skipped: row["skipped"])
    }
}
