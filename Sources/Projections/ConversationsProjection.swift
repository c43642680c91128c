public import Domain
public import EventStore
public import GRDB

/// One row per contact, and every inbound and outbound message of each, in log order, with its
/// status (`sent` < `delivered` < `read`, `failed` terminal; `read` implies delivered).
public struct ConversationsProjection: Projection {
    public let name = "conversations"
    public let version = 2
    public var tables: [String] { ["conversations", "conversation_messages", "conversation_deliveries"] }

    /// The customer service window opened by an inbound message.
    static let windowMilliseconds: Int64 = 24 * 3600 * 1000

    public init() {}

    public func memoryRebuild() -> any MemoryRebuild { MemoryConversations() }

    public func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE conversations (
                    contact TEXT PRIMARY KEY,
                    user_id TEXT,
                    profile_name TEXT,
                    first_seen INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    last_inbound_type TEXT,
                    last_inbound_preview TEXT,
                    last_inbound_at INTEGER,
                    inbound_count INTEGER NOT NULL DEFAULT 0,
                    outbound_count INTEGER NOT NULL DEFAULT 0,
                    window_open_until INTEGER,
                    latest_delivery_id TEXT,
                    latest_delivery_state TEXT
                ) WITHOUT ROWID;
                CREATE TABLE conversation_messages (
                    wamid TEXT PRIMARY KEY,
                    contact TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    type TEXT,
                    preview TEXT,
                    position INTEGER NOT NULL,
                    time INTEGER NOT NULL,
                    status TEXT,
                    status_rank INTEGER NOT NULL DEFAULT 0,
                    delivered_at INTEGER,
                    read_at INTEGER,
                    error_code INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX conversation_messages_by_contact ON conversation_messages (contact, position);
                CREATE TABLE conversation_deliveries (
                    delivery_id TEXT PRIMARY KEY,
                    contact TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
    }

    public func apply(_ event: RecordedEvent, _ fact: DomainFact, _ batch: BatchContext, _ db: Database) throws -> Bool {
        switch fact {
        case .messageReceived(let message):
            try inbound(
                message.wamid, sender: message.sender, type: message.messageType, preview: message.textPreview,
                sentAt: message.sentAtMilliseconds ?? event.timestamp, event, db)
        case .buttonClicked(let click):
            try inbound(
                click.wamid, sender: click.sender, type: "button", preview: click.text ?? click.payload,
                sentAt: click.tappedAtMilliseconds ?? event.timestamp, event, db)
        case .templateSent(let sent):
            try outbound(sent.wamid, contact: sent.recipient, type: "template", preview: sent.template, event, db)
        case .deliveryStepSent(let sent):
            let contact = try String.fetchOne(
                db, sql: "SELECT contact FROM conversation_deliveries WHERE delivery_id = ?", arguments: [sent.deliveryId])
            try outbound(
                sent.wamid, contact: contact ?? "unknown", type: "content",
                preview: "step \(sent.step + 1) of delivery \(sent.deliveryId)", event, db)
        case .statusUpdated(let status):
            try self.status(status, event, db)
        case .deliveryStarted(let started):
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO conversation_deliveries (delivery_id, contact) VALUES (?, ?)")
                .execute(arguments: [started.deliveryId, started.contact])
            try touchContact(started.contact, event.timestamp, db)
            try db.cachedStatement(sql: "UPDATE conversations SET latest_delivery_id = ?, latest_delivery_state = 'started' WHERE contact = ?")
                .execute(arguments: [started.deliveryId, started.contact])
        case .deliveryCompleted(let completed):
            try deliveryState(completed.deliveryId, "completed", db)
        case .deliveryFailed(let failed):
            try deliveryState(failed.deliveryId, "failed", db)
        case .unknownType, .undecodable:
            return false
        default:
            break
        }
        return true
    }

    private func inbound(
        _ wamid: String, sender: Sender, type: String, preview: String?, sentAt: Int64, _ event: RecordedEvent,
        _ db: Database
    ) throws {
        let contact = sender.contactKey
        try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO conversation_messages (wamid, contact, direction, type, preview, position, time) VALUES (?, ?, 'in', ?, ?, ?, ?)"
        ).execute(arguments: [wamid, contact, type, preview, Int64(event.position), event.timestamp])
        guard db.changesCount > 0 else { return }  // the same message again: counted once
        let at = sentAt
        try db.cachedStatement(
            sql: """
                INSERT INTO conversations (contact, user_id, profile_name, first_seen, last_seen, last_inbound_type,
                    last_inbound_preview, last_inbound_at, inbound_count, window_open_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                ON CONFLICT (contact) DO UPDATE SET
                    user_id = COALESCE(excluded.user_id, user_id),
                    profile_name = COALESCE(excluded.profile_name, profile_name),
                    last_seen = MAX(last_seen, excluded.last_seen),
                    last_inbound_type = CASE WHEN excluded.last_inbound_at >= COALESCE(last_inbound_at, 0)
                        THEN excluded.last_inbound_type ELSE last_inbound_type END,
                    last_inbound_preview = CASE WHEN excluded.last_inbound_at >= COALESCE(last_inbound_at, 0)
                        THEN excluded.last_inbound_preview ELSE last_inbound_preview END,
                    last_inbound_at = MAX(COALESCE(last_inbound_at, 0), excluded.last_inbound_at),
                    inbound_count = inbound_count + 1,
                    window_open_until = MAX(COALESCE(window_open_until, 0), excluded.window_open_until)
                """
        ).execute(arguments: [
            contact, sender.userId, sender.profileName, event.timestamp, event.timestamp, type, preview, at,
            at + Self.windowMilliseconds,
        ])
    }

    private func outbound(
        _ wamid: String, contact: String, type: String, preview: String, _ event: RecordedEvent, _ db: Database
    ) throws {
        // A status webhook can beat the send's response: then the row exists, without a type.
        try db.cachedStatement(sql: "UPDATE conversation_messages SET type = ?, preview = ? WHERE wamid = ? AND type IS NULL")
            .execute(arguments: [type, preview, wamid])
        try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO conversation_messages (wamid, contact, direction, type, preview, position, time) VALUES (?, ?, 'out', ?, ?, ?, ?)"
        ).execute(arguments: [wamid, contact, type, preview, Int64(event.position), event.timestamp])
        if db.changesCount > 0 { try countOutbound(contact, event.timestamp, db) }
    }

    private func status(_ status: StatusUpdated, _ event: RecordedEvent, _ db: Database) throws {
        let rank = MessageStatus.rank(status.status)
        let at = status.seenAtMilliseconds ?? event.timestamp
        let code = status.errors.first?.code
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO conversation_messages (wamid, contact, direction, position, time)
                VALUES (?, ?, 'out', ?, ?)
                """
        ).execute(arguments: [status.wamid, status.recipientId, Int64(event.position), event.timestamp])
        if db.changesCount > 0 { try countOutbound(status.recipientId, event.timestamp, db) }
        try db.cachedStatement(
            sql: """
                UPDATE conversation_messages SET
                    status = ?, status_rank = ?,
                    delivered_at = CASE WHEN ? BETWEEN 2 AND 3 THEN COALESCE(delivered_at, ?) ELSE delivered_at END,
                    read_at = CASE WHEN ? = 3 THEN COALESCE(read_at, ?) ELSE read_at END,
                    error_code = COALESCE(?, error_code)
                WHERE wamid = ? AND status_rank < ? AND status_rank < \(MessageStatus.failed)
                """
        ).execute(arguments: [status.status, rank, rank, at, rank, at, code, status.wamid, rank])
    }

    private func countOutbound(_ contact: String, _ time: Int64, _ db: Database) throws {
        try touchContact(contact, time, db)
        try db.cachedStatement(sql: "UPDATE conversations SET outbound_count = outbound_count + 1 WHERE contact = ?")
            .execute(arguments: [contact])
    }

    private func touchContact(_ contact: String, _ time: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO conversations (contact, first_seen, last_seen) VALUES (?, ?, ?)
                ON CONFLICT (contact) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)
                """
        ).execute(arguments: [contact, time, time])
    }

    private func deliveryState(_ deliveryId: String, _ state: String, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE conversations SET latest_delivery_state = ?
                WHERE latest_delivery_id = ? AND contact = (SELECT contact FROM conversation_deliveries WHERE delivery_id = ?)
                """
        ).execute(arguments: [state, deliveryId, deliveryId])
    }
}
