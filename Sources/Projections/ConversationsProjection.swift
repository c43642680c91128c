import Domain
import EventStore

/// One row per contact, and every inbound and outbound message of each, in log order, with its
/// status (`sent` < `delivered` < `read`, `failed` terminal; `read` implies delivered).
public struct ConversationsProjection: Projection {
    public let name = "conversations"
    public let version = 3
    public var schema: [TableSchema] { [Self.contacts, Self.messages, Self.deliveries] }

    /// The customer service window opened by an inbound message.
    static let windowMilliseconds: Int64 = 24 * 3600 * 1000

    /// Listed by last activity, newest first (`conversations_by_activity`).
    static let contacts = TableSchema(
        "conversations", indexes: [("conversations_by_activity", "last_seen, contact")],
        [
            .init("contact", "TEXT"), .init("user_id", "TEXT"), .init("profile_name", "TEXT"),
            .init("first_seen", "INTEGER NOT NULL"), .init("last_seen", "INTEGER NOT NULL"),
            .init("last_inbound_type", "TEXT"), .init("last_inbound_preview", "TEXT"),
            .init("last_inbound_at", "INTEGER"),
            .init("inbound_count", "INTEGER NOT NULL DEFAULT 0"), .init("outbound_count", "INTEGER NOT NULL DEFAULT 0"),
            .init("window_open_until", "INTEGER"), .init("latest_delivery_id", "TEXT"),
            .init("latest_delivery_state", "TEXT"),
        ])
    static let messages = TableSchema(
        "conversation_messages", indexes: [("conversation_messages_by_contact", "contact, position")],
        [
            .init("wamid", "TEXT"), .init("contact", "TEXT NOT NULL"), .init("direction", "TEXT NOT NULL"),
            .init("type", "TEXT"), .init("preview", "TEXT"), .init("position", "INTEGER NOT NULL"),
            .init("time", "INTEGER NOT NULL"), .init("status", "TEXT"),
            .init("status_rank", "INTEGER NOT NULL DEFAULT 0"),
            .init("delivered_at", "INTEGER"), .init("read_at", "INTEGER"), .init("error_code", "INTEGER"),
        ])
    static let deliveries = TableSchema(
        "conversation_deliveries", [.init("delivery_id", "TEXT"), .init("contact", "TEXT NOT NULL")])

    public init() {}

    public func fold(_ store: RowStore) -> any ProjectionFold { Fold(store) }

    struct Contact: Columns {
        var userId: String? = nil, profileName: String? = nil, firstSeen: Int64, lastSeen: Int64
        var lastInboundType: String? = nil, lastInboundPreview: String? = nil, lastInboundAt: Int64? = nil
        var inboundCount: Int64 = 0, outboundCount: Int64 = 0, windowOpenUntil: Int64? = nil
        var latestDeliveryId: String? = nil, latestDeliveryState: String? = nil

        init(firstSeen: Int64) { (self.firstSeen, lastSeen) = (firstSeen, firstSeen) }

        init(_ r: inout ColumnReader) {
            userId = r.text()
            profileName = r.text()
            firstSeen = Int64(&r)
            lastSeen = Int64(&r)
            lastInboundType = r.text()
            lastInboundPreview = r.text()
            lastInboundAt = r.int()
            inboundCount = Int64(&r)
            outboundCount = Int64(&r)
            windowOpenUntil = r.int()
            latestDeliveryId = r.text()
            latestDeliveryState = r.text()
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(userId)
            b.text(profileName)
            b.int(firstSeen)
            b.int(lastSeen)
            b.text(lastInboundType)
            b.text(lastInboundPreview)
            b.int(lastInboundAt)
            b.int(inboundCount)
            b.int(outboundCount)
            b.int(windowOpenUntil)
            b.text(latestDeliveryId)
            b.text(latestDeliveryState)
        }
    }

    struct Message: Columns {
        var contact: String, direction: String, type: String? = nil, preview: String? = nil, position: Int64,
            time: Int64
        var status: String? = nil, statusRank: Int64 = 0, deliveredAt: Int64? = nil, readAt: Int64? = nil
        var errorCode: Int64? = nil

        init(contact: String, direction: String, type: String?, preview: String?, _ event: RecordedEvent) {
            (self.contact, self.direction, self.type, self.preview) = (contact, direction, type, preview)
            (position, time) = (Int64(clamping: event.position), event.timestamp)
        }

        init(_ r: inout ColumnReader) {
            contact = String(&r)
            direction = String(&r)
            type = r.text()
            preview = r.text()
            position = Int64(&r)
            time = Int64(&r)
            status = r.text()
            statusRank = Int64(&r)
            deliveredAt = r.int()
            readAt = r.int()
            errorCode = r.int()
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(contact)
            b.text(direction)
            b.text(type)
            b.text(preview)
            b.int(position)
            b.int(time)
            b.text(status)
            b.int(statusRank)
            b.int(deliveredAt)
            b.int(readAt)
            b.int(errorCode)
        }
    }
}
