/// Whether a webhook's `X-Hub-Signature-256` matched.
public enum SignatureStatus: String, Codable, Sendable {
    case valid
    /// Accepted without a check (explicit insecure development mode only).
    case unchecked
}

/// Whether the body could be understood.
public enum ParseStatus: String, Codable, Sendable {
    case parsed
    /// Not JSON, or not the expected shape; kept raw.
    case unparsed
}

/// A webhook POST as received. The raw body is the event's attachment, byte for byte.
public struct WebhookReceived: DomainEvent {
    public static let type = EventType.webhookReceived
    public var receivedAt: Int64
    public var remoteAddress: String?
    public var signature: SignatureStatus
    public var parse: ParseStatus
    public var bodyBytes: Int
    /// Derived events that were left out because they were already in the log.
    public var duplicates: Int
    public var requestId: String?
    public var stream: String { "webhook" }

    enum CodingKeys: String, CodingKey {
        case receivedAt = "received_at", remoteAddress = "remote_address", signature, parse,
            bodyBytes = "body_bytes", duplicates, requestId = "request_id"
    }

    public init(
        receivedAt: Int64, remoteAddress: String?, signature: SignatureStatus, parse: ParseStatus, bodyBytes: Int,
        duplicates: Int = 0, requestId: String? = nil
    ) {
        self.receivedAt = receivedAt
        self.remoteAddress = remoteAddress
        self.signature = signature
        self.parse = parse
        self.bodyBytes = bodyBytes
        self.duplicates = duplicates
        self.requestId = requestId
    }
}

/// Who a message came from, as far as the webhook tells.
public struct Sender: Codable, Sendable, Equatable {
    /// Phone-based WhatsApp id; may be absent for username users (BSUID only).
    public var waId: String?
    /// Business-scoped user id (`from_user_id` / `user_id`), when present.
    public var userId: String?
    public var profileName: String?
    public var phoneNumberId: String?

    enum CodingKeys: String, CodingKey {
        case waId = "wa_id", userId = "user_id", profileName = "profile_name",
            phoneNumberId = "phone_number_id"
    }

    public init(waId: String?, userId: String? = nil, profileName: String? = nil, phoneNumberId: String? = nil) {
        self.waId = waId
        self.userId = userId
        self.profileName = profileName
        self.phoneNumberId = phoneNumberId
    }

    /// The contact key used as stream: wa_id, else the BSUID.
    public var contactKey: String { waId ?? userId ?? "unknown" }
}

/// An inbound message that is not a button tap.
public struct MessageReceived: DomainEvent {
    public static let type = EventType.messageReceived
    public var wamid: String
    public var sender: Sender
    public var messageType: String
    /// When the contact sent it (Unix seconds, as Meta says); 0 when unknown or implausible.
    public var timestamp: Int64
    /// The timestamp as sent, when it was not a plausible time (see `WebhookTime`).
    public var timestampRaw: String?
    public var textPreview: String?
    public var contextId: String?
    public var stream: String { sender.contactKey }

    enum CodingKeys: String, CodingKey {
        case wamid, sender, messageType = "message_type", timestamp, timestampRaw = "timestamp_raw",
            textPreview = "text_preview", contextId = "context_id"
    }

    public init(
        wamid: String, sender: Sender, messageType: String, timestamp: Int64, textPreview: String? = nil,
        contextId: String? = nil, timestampRaw: String? = nil
    ) {
        self.wamid = wamid
        self.sender = sender
        self.messageType = messageType
        self.timestamp = timestamp
        self.timestampRaw = timestampRaw
        self.textPreview = textPreview
        self.contextId = contextId
    }

    /// `timestamp` in milliseconds, when it is a plausible time.
    public var sentAtMilliseconds: Int64? { WebhookTime.milliseconds(fromSeconds: timestamp) }
}

/// A tap on a button: a template quick reply, an interactive reply button, or a list row.
public struct ButtonClicked: DomainEvent {
    public enum Kind: String, Codable, Sendable {
        case templateQuickReply = "template_quick_reply"
        case interactiveButtonReply = "interactive_button_reply"
        case interactiveListReply = "interactive_list_reply"
    }

    public static let type = EventType.buttonClicked
    public var wamid: String
    public var sender: Sender
    public var kind: Kind
    /// `button.payload` (template) or the reply's `id` (interactive).
    public var payload: String
    public var text: String?
    /// wamid of the message that carried the button (absent in some payloads).
    public var contextId: String?
    /// When the contact tapped (Unix seconds, as Meta says); 0 when unknown or implausible.
    public var timestamp: Int64
    /// The timestamp as sent, when it was not a plausible time (see `WebhookTime`).
    public var timestampRaw: String?
    /// `false` when an authorized-contacts list is configured and the sender is not on it.
    public var authorized: Bool
    public var stream: String { sender.contactKey }

    enum CodingKeys: String, CodingKey {
        case wamid, sender, kind, payload, text, contextId = "context_id", timestamp, timestampRaw = "timestamp_raw",
            authorized
    }

    public init(
        wamid: String, sender: Sender, kind: Kind, payload: String, text: String?, contextId: String?, timestamp: Int64,
        authorized: Bool = true, timestampRaw: String? = nil
    ) {
        self.wamid = wamid
        self.sender = sender
        self.kind = kind
        self.payload = payload
        self.text = text
        self.contextId = contextId
        self.timestamp = timestamp
        self.timestampRaw = timestampRaw
        self.authorized = authorized
    }

    /// `timestamp` in milliseconds, when it is a plausible time.
    public var tappedAtMilliseconds: Int64? { WebhookTime.milliseconds(fromSeconds: timestamp) }
}

/// An error as Meta reports it (`code`, `title`, `message`, `error_data.details`).
public struct MetaError: Codable, Sendable, Equatable {
    public var code: Int
    public var title: String?
    public var message: String?
    public var details: String?

    enum CodingKeys: String, CodingKey {
        case code, title, message, details
    }

    public init(code: Int, title: String? = nil, message: String? = nil, details: String? = nil) {
        self.code = code
        self.title = title
        self.message = message
        self.details = details
    }
}

/// A status of a message we sent: `sent`, `delivered`, `read` or `failed`.
public struct StatusUpdated: DomainEvent {
    public static let type = EventType.statusUpdated
    public var wamid: String
    public var status: String
    /// When Meta saw the status (Unix seconds); 0 when unknown or implausible.
    public var timestamp: Int64
    /// The timestamp as sent, when it was not a plausible time (see `WebhookTime`).
    public var timestampRaw: String?
    public var recipientId: String
    public var errors: [MetaError]
    public var pricingCategory: String?
    public var conversationId: String?
    public var bizOpaqueCallbackData: String?
    public var phoneNumberId: String?
    public var stream: String { recipientId }

    enum CodingKeys: String, CodingKey {
        case wamid, status, timestamp, timestampRaw = "timestamp_raw", recipientId = "recipient_id", errors,
            pricingCategory = "pricing_category", conversationId = "conversation_id",
            bizOpaqueCallbackData = "biz_opaque_callback_data", phoneNumberId = "phone_number_id"
    }

    public init(
        wamid: String, status: String, timestamp: Int64, recipientId: String, errors: [MetaError] = [],
        pricingCategory: String? = nil, conversationId: String? = nil, bizOpaqueCallbackData: String? = nil,
        phoneNumberId: String? = nil, timestampRaw: String? = nil
    ) {
        self.wamid = wamid
        self.status = status
        self.timestamp = timestamp
        self.timestampRaw = timestampRaw
        self.recipientId = recipientId
        self.errors = errors
        self.pricingCategory = pricingCategory
        self.conversationId = conversationId
        self.bizOpaqueCallbackData = bizOpaqueCallbackData
        self.phoneNumberId = phoneNumberId
    }

    /// `timestamp` in milliseconds, when it is a plausible time.
    public var seenAtMilliseconds: Int64? { WebhookTime.milliseconds(fromSeconds: timestamp) }
}

/// An item of a webhook's `value.errors` (system, app or account level).
public struct WebhookError: DomainEvent {
    public static let type = EventType.webhookError
    public var error: MetaError
    public var phoneNumberId: String?
    public var stream: String { phoneNumberId ?? "webhook" }

    enum CodingKeys: String, CodingKey {
        case error, phoneNumberId = "phone_number_id"
    }

    public init(error: MetaError, phoneNumberId: String?) {
        self.error = error
        self.phoneNumberId = phoneNumberId
    }
}
