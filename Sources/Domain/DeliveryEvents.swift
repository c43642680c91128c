/// A delivery of a content pack to a contact began.
public struct DeliveryStarted: DomainEvent {
    public static let type = EventType.deliveryStarted
    public var deliveryId: String
    public var contact: String
    public var pack: String
    public var steps: Int
    /// wamid of the click that triggered it.
    public var clickWamid: String
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id", contact, pack, steps, clickWamid = "click_wamid"
    }

    public init(deliveryId: String, contact: String, pack: String, steps: Int, clickWamid: String) {
        self.deliveryId = deliveryId
        self.contact = contact
        self.pack = pack
        self.steps = steps
        self.clickWamid = clickWamid
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
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id", step, wamid
    }

    public init(deliveryId: String, step: Int, wamid: String) {
        self.deliveryId = deliveryId
        self.step = step
        self.wamid = wamid
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
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id", step, error, retryable, nextAttemptAt = "next_attempt_at"
    }

    public init(deliveryId: String, step: Int, error: MetaError, retryable: Bool, nextAttemptAt: Int64?) {
        self.deliveryId = deliveryId
        self.step = step
        self.error = error
        self.retryable = retryable
        self.nextAttemptAt = nextAttemptAt
    }
}

/// Every step of a delivery was sent.
public struct DeliveryCompleted: DomainEvent {
    public static let type = EventType.deliveryCompleted
    public var deliveryId: String
    public var stream: String { deliveryId }

    enum CodingKeys: String, CodingKey {
        case deliveryId = "delivery_id"
    }

    public init(deliveryId: String) { self.deliveryId = deliveryId }
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
