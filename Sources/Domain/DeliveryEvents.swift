/// A delivery of a content pack to a contact began.
public struct DeliveryStarted: DomainEvent {
    public static let type = EventType.deliveryStarted
    public var deliveryId: String
    public var contact: String
    public var pack: String
    public var steps: Int
    /// wamid of the click that triggered it.
    public var clickWamid: String
    /// What each step sends, fixed when the delivery starts (a later manifest change does not
    /// alter a delivery in flight). Absent in events written before it existed.
    public var items: [ContentItem]?
    /// The business number to send from (the one the click came to), when known.
    public var phoneNumberId: String?
    /// wamid of the template message whose button was tapped.
    public var contextId: String?
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id", contact, pack, steps, clickWamid = "click_wamid", items,
            phoneNumberId = "phone_number_id", contextId = "context_id"
    }

    public init(
        deliveryId: String, contact: String, pack: String, steps: Int, clickWamid: String, items: [ContentItem]? = nil,
        phoneNumberId: String? = nil, contextId: String? = nil
    ) {
        self.deliveryId = deliveryId
        self.contact = contact
        self.pack = pack
        self.steps = steps
        self.clickWamid = clickWamid
        self.items = items
        self.phoneNumberId = phoneNumberId
        self.contextId = contextId
    }
}

/// A send of one step is about to be attempted (durable before the HTTP call).
public struct DeliveryAttemptStarted: DomainEvent {
    public static let type = EventType.deliveryAttemptStarted
    public var deliveryId: String
    public var step: Int
    public var attempt: Int
    public var callbackData: String
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id", step, attempt, callbackData = "callback_data"
    }

    public init(deliveryId: String, step: Int, attempt: Int, callbackData: String) {
        self.deliveryId = deliveryId
        self.step = step
        self.attempt = attempt
        self.callbackData = callbackData
    }
}

/// The Graph API accepted a step.
public struct DeliveryStepSent: DomainEvent {
    public static let type = EventType.deliveryStepSent
    public var deliveryId: String
    public var step: Int
    public var wamid: String
    /// `true` when no response was recorded (crash, timeout, reset) and a status webhook carrying
    /// the attempt's `biz_opaque_callback_data` proved Meta had accepted it.
    public var reconciled: Bool?
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id", step, wamid, reconciled
    }

    public init(deliveryId: String, step: Int, wamid: String, reconciled: Bool? = nil) {
        self.deliveryId = deliveryId
        self.step = step
        self.wamid = wamid
        self.reconciled = reconciled
    }
}

/// A step failed; `retryable` says whether another attempt follows (at `nextAttemptAt`, ms).
public struct DeliveryStepFailed: DomainEvent {
    public static let type = EventType.deliveryStepFailed
    public var deliveryId: String
    public var step: Int
    public var error: MetaError
    public var retryable: Bool
    public var nextAttemptAt: Int64?
    /// `true` when Meta may have accepted the message anyway (timeout, reset, 5xx without an
    /// error body): before another attempt the saga looks for status webhooks proving it.
    public var outcomeUnknown: Bool?
    /// `true` when the failure came from a `failed` status webhook, after Meta had accepted it.
    public var fromStatus: Bool?
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id", step, error, retryable, nextAttemptAt = "next_attempt_at",
            outcomeUnknown = "outcome_unknown", fromStatus = "from_status"
    }

    public init(
        deliveryId: String, step: Int, error: MetaError, retryable: Bool, nextAttemptAt: Int64?,
        outcomeUnknown: Bool? = nil,
        fromStatus: Bool? = nil
    ) {
        self.deliveryId = deliveryId
        self.step = step
        self.error = error
        self.retryable = retryable
        self.nextAttemptAt = nextAttemptAt
        self.outcomeUnknown = outcomeUnknown
        self.fromStatus = fromStatus
    }
}

/// Every step of a delivery was sent.
public struct DeliveryCompleted: DomainEvent {
    public static let type = EventType.deliveryCompleted
    public var deliveryId: String
    /// Steps Meta accepted but whose `delivered`/`read` had not arrived when the confirmation
    /// wait ran out (absent or 0: all confirmed, or confirmation not awaited).
    public var unconfirmedSteps: Int?
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id", unconfirmedSteps = "unconfirmed_steps"
    }

    public init(deliveryId: String, unconfirmedSteps: Int? = nil) {
        self.deliveryId = deliveryId
        self.unconfirmedSteps = unconfirmedSteps
    }
}

/// A delivery stopped for good; `reason` is for people.
public struct DeliveryFailed: DomainEvent {
    public static let type = EventType.deliveryFailed
    public var deliveryId: String
    public var reason: String
    public var error: MetaError?
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id", reason, error
    }

    public init(deliveryId: String, reason: String, error: MetaError? = nil) {
        self.deliveryId = deliveryId
        self.reason = reason
        self.error = error
    }
}

/// A click that started no delivery. `reason` is a stable code; `detail` is for people.
public struct DeliverySkipped: DomainEvent {
    public enum Reason: String, Codable, Sendable {
        /// The contact is not on the authorized list.
        case unauthorized
        /// The button payload names no pack in the content manifest.
        case noPack = "no_pack"
        /// Another tap on the same template message already started a delivery.
        case repeatedClick = "repeated_click"
        /// The pack is already being delivered, or was delivered, to this contact.
        case alreadyDelivered = "already_delivered"
        /// The tap is older than the 24-hour window: free-form messages would be refused.
        case stale
        /// The tap reached a business phone number that is not among those configured to send.
        case unknownNumber = "unknown_number"
    }

    public static let type = EventType.deliverySkipped
    public var clickWamid: String
    public var contact: String
    public var payload: String
    public var reason: Reason
    public var detail: String
    public var stream: String { contact }

    enum CodingKeys: String, CodingKey {
        case clickWamid = "click_wamid", contact, payload, reason, detail
    }

    public init(clickWamid: String, contact: String, payload: String, reason: Reason, detail: String) {
        self.clickWamid = clickWamid
        self.contact = contact
        self.payload = payload
        self.reason = reason
        self.detail = detail
    }
}
