import Domain
public import GRDB

extension Dashboard {
    /// The longest `q` searched for, in characters.
    public static let maxSearchLength = 100
    /// How many of a contact's deliveries its conversation shows.
    public static let conversationDeliveries = 50

    /// `GET /api/webhook/conversations`: contacts by last activity, newest first; `query` matches
    /// a part of the wa_id or the name (ASCII letters in any case; `%`, `_` and `\` literally).
    public static func conversations(_ db: Database, limit: Int, cursor: String? = nil, query: String? = nil) throws
        -> ConversationsPage
    {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let cursor {
            let values = try DashboardCursor.parse(cursor, "conversations", count: 2)
            guard let lastSeen = Int64(values[0]) else { throw DashboardQueryError.badCursor }
            conditions.append("(c.last_seen, c.contact) < (?, ?)")
            arguments += [lastSeen, values[1]]
        }
        if let query, !query.isEmpty {
            let pattern = try likePattern(query)
            conditions.append("(c.contact LIKE ? ESCAPE '\\' OR c.profile_name LIKE ? ESCAPE '\\')")
            arguments += [pattern, pattern]
        }
        let page = max(1, limit)
        arguments += [page + 1]
        let sql =
            Conversation.select + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY c.last_seen DESC, c.contact DESC LIMIT ?"
        let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
        let conversations = rows.prefix(page).map(Conversation.init(row:))
        var next: String?
        if rows.count > page, let last = rows.prefix(page).last {
            next = DashboardCursor.make("conversations", [String(last["last_seen"] as Int64), last["contact"]])
        }
        return ConversationsPage(conversations: conversations, nextCursor: next)
    }

    /// `GET /api/webhook/conversations/{contact}`; `nil` for a contact never seen.
    public static func conversation(_ db: Database, contact: String, limit: Int, cursor: String? = nil) throws
        -> ConversationDetail?
    {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: Conversation.select + " WHERE c.contact = ?"), arguments: [contact])
        else { return nil }
        var sql =
            "SELECT wamid, direction, type, preview, time, status, delivered_at, read_at, error_code, position"
            + " FROM conversation_messages WHERE contact = ?"
        var arguments: StatementArguments = [contact]
        if let cursor {
            let values = try DashboardCursor.parse(cursor, "messages", count: 2)
            guard values[0] == contact, let position = Int64(values[1]) else { throw DashboardQueryError.badCursor }
            sql += " AND position < ?"
            arguments += [position]
        }
        let page = max(1, limit)
        arguments += [page + 1]
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: sql + " ORDER BY position DESC LIMIT ?"), arguments: arguments)
        var next: String?
        if rows.count > page, let last = rows.prefix(page).last {
            next = DashboardCursor.make("messages", [contact, String(last["position"] as Int64)])
        }
        let deliveries = try Dashboard.deliveries(
            db, filter: DeliveryFilter(contact: contact), limit: conversationDeliveries)
        return ConversationDetail(
            conversation: Conversation(row: row), messages: rows.prefix(page).map(ConversationMessage.init(row:)),
            nextCursor: next, deliveries: deliveries.deliveries)
    }

    /// `%query%` with LIKE's wildcards and its escape character taken literally.
    static func likePattern(_ query: String) throws(DashboardQueryError) -> String {
        guard query.count <= maxSearchLength else {
            throw DashboardQueryError(
                parameter: "q", message: "search for at most \(maxSearchLength) characters of a wa_id or a name")
        }
        var pattern = "%"
        for character in query {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}

extension Conversation {
    /// The contact's row and its latest message (by log position).
    static let select = """
        SELECT c.contact, c.profile_name, c.first_seen, c.last_seen, c.inbound_count, c.outbound_count,
            c.window_open_until, c.latest_delivery_id, c.latest_delivery_state,
            m.direction AS m_direction, m.type AS m_type, m.preview AS m_preview, m.time AS m_time,
            m.status AS m_status
        FROM conversations c
        LEFT JOIN conversation_messages m ON m.wamid = (
            SELECT wamid FROM conversation_messages WHERE contact = c.contact ORDER BY position DESC LIMIT 1)
        """

    init(row: Row) {
        contact = row["contact"]
        name = row["profile_name"]
        firstSeen = LogTime.rfc3339(milliseconds: row["first_seen"])
        lastActivity = LogTime.rfc3339(milliseconds: row["last_seen"])
        if let direction: String = row["m_direction"] {
            lastMessage = LastMessage(
                direction: direction, type: row["m_type"], preview: row["m_preview"],
                time: LogTime.rfc3339(milliseconds: row["m_time"]), status: row["m_status"])
        }
        inboundCount = row["inbound_count"]
        outboundCount = row["outbound_count"]
        windowOpenUntil = (row["window_open_until"] as Int64?).map { LogTime.rfc3339(milliseconds: $0) }
        if let id: String = row["latest_delivery_id"], let state: String = row["latest_delivery_state"] {
            lastDelivery = DeliveryReference(id: id, state: state)
        }
    }
}

extension ConversationMessage {
    init(row: Row) {
        wamid = row["wamid"]
        direction = row["direction"]
        type = row["type"]
        preview = row["preview"]
        time = LogTime.rfc3339(milliseconds: row["time"])
        status = row["status"]
        deliveredAt = (row["delivered_at"] as Int64?).map { LogTime.rfc3339(milliseconds: $0) }
        readAt = (row["read_at"] as Int64?).map { LogTime.rfc3339(milliseconds: $0) }
        error = (row["error_code"] as Int?).map { MessageError(code: $0, meaning: MetaErrorCode.meaning($0)) }
    }
}
