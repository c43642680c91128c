import Domain

/// A contact, as `GET /api/webhook/conversations` lists it.
public struct Conversation: Encodable, Sendable, Equatable, CSVRow {
    public var contact: String
    public var name: String?
    public var firstSeen: String
    public var lastActivity: String
    public var lastMessage: LastMessage?
    public var inboundCount: Int
    public var outboundCount: Int
    public var windowOpenUntil: String?
    public var lastDelivery: DeliveryReference?

    public struct LastMessage: Encodable, Sendable, Equatable {
        public var direction: String
        public var type: String?
        public var preview: String?
        public var time: String
        public var status: String?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(direction, forKey: .direction)
            try c.encodeOrNull(type, forKey: .type)
            try c.encodeOrNull(preview, forKey: .preview)
            try c.encode(time, forKey: .time)
            try c.encodeOrNull(status, forKey: .status)
        }

        enum CodingKeys: String, CodingKey { case direction, type, preview, time, status }
    }

    public struct DeliveryReference: Encodable, Sendable, Equatable {
        public var id: String
        public var state: String
    }

    enum CodingKeys: String, CodingKey {
        case contact, name, firstSeen = "first_seen", lastActivity = "last_activity", lastMessage = "last_message",
            inboundCount = "inbound_count", outboundCount = "outbound_count", windowOpenUntil = "window_open_until",
            lastDelivery = "last_delivery"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(contact, forKey: .contact)
        try c.encodeOrNull(name, forKey: .name)
        try c.encode(firstSeen, forKey: .firstSeen)
        try c.encode(lastActivity, forKey: .lastActivity)
        try c.encodeOrNull(lastMessage, forKey: .lastMessage)
        try c.encode(inboundCount, forKey: .inboundCount)
        try c.encode(outboundCount, forKey: .outboundCount)
        try c.encodeOrNull(windowOpenUntil, forKey: .windowOpenUntil)
        try c.encodeOrNull(lastDelivery, forKey: .lastDelivery)
    }

    public static let csvHeader = [
        "contact", "name", "first_seen", "last_activity", "last_message_direction", "last_message_type",
        "last_message_preview", "last_message_time", "last_message_status", "inbound_count", "outbound_count",
        "window_open_until", "last_delivery_id", "last_delivery_state",
    ]

    public var csvFields: [String?] {
        [
            contact, name, firstSeen, lastActivity, lastMessage?.direction, lastMessage?.type, lastMessage?.preview,
            lastMessage?.time, lastMessage?.status, String(inboundCount), String(outboundCount), windowOpenUntil,
            lastDelivery?.id, lastDelivery?.state,
        ]
    }
}

/// A page of `GET /api/webhook/conversations`.
public struct ConversationsPage: Encodable, Sendable, Equatable {
    public var conversations: [Conversation]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey { case conversations, nextCursor = "next_cursor" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(conversations, forKey: .conversations)
        try c.encodeOrNull(nextCursor, forKey: .nextCursor)
    }
}

/// One message of a conversation, in or out.
public struct ConversationMessage: Encodable, Sendable, Equatable, CSVRow {
    public var wamid: String
    public var direction: String
    public var type: String?
    public var preview: String?
    public var time: String
    public var status: String?
    public var deliveredAt: String?
    public var readAt: String?
    public var error: MessageError?

    public struct MessageError: Encodable, Sendable, Equatable {
        public var code: Int
        public var meaning: String
    }

    enum CodingKeys: String, CodingKey {
        case wamid, direction, type, preview, time, status, deliveredAt = "delivered_at", readAt = "read_at", error
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(wamid, forKey: .wamid)
        try c.encode(direction, forKey: .direction)
        try c.encodeOrNull(type, forKey: .type)
        try c.encodeOrNull(preview, forKey: .preview)
        try c.encode(time, forKey: .time)
        try c.encodeOrNull(status, forKey: .status)
        try c.encodeOrNull(deliveredAt, forKey: .deliveredAt)
        try c.encodeOrNull(readAt, forKey: .readAt)
        try c.encodeOrNull(error, forKey: .error)
    }

    public static let csvHeader = [
        "wamid", "direction", "type", "preview", "time", "status", "delivered_at", "read_at", "error_code",
        "error_meaning",
    ]

    public var csvFields: [String?] {
        [
            wamid, direction, type, preview, time, status, deliveredAt, readAt, error.map { String($0.code) },
            error?.meaning,
        ]
    }
}

/// `GET /api/webhook/conversations/{contact}`: the contact, a page of its messages (newest
/// first), and its latest deliveries.
public struct ConversationDetail: Encodable, Sendable, Equatable {
    public var conversation: Conversation
    public var messages: [ConversationMessage]
    public var nextCursor: String?
    public var deliveries: [DeliverySummary]

    enum CodingKeys: String, CodingKey { case conversation, messages, nextCursor = "next_cursor", deliveries }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(conversation, forKey: .conversation)
        try c.encode(messages, forKey: .messages)
        try c.encodeOrNull(nextCursor, forKey: .nextCursor)
        try c.encode(deliveries, forKey: .deliveries)
    }
}
