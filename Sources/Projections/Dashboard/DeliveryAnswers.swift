/// A delivery, as lists show it.
public struct DeliverySummary: Encodable, Sendable, Equatable, CSVRow {
    public var id: String
    public var contact: String
    public var pack: String
    /// `started`, `sending`, `retrying`, `completed` or `failed`.
    public var state: String
    public var stepsTotal: Int
    public var stepsDone: Int
    public var attempts: Int
    public var startedAt: String
    public var completedAt: String?
    public var updatedAt: String
    public var lastError: LastError?

    public struct LastError: Encodable, Sendable, Equatable {
        public var code: Int
        public var message: String?
        public var meaning: String

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code)
            try c.encodeOrNull(message, forKey: .message)
            try c.encode(meaning, forKey: .meaning)
        }

        enum CodingKeys: String, CodingKey { case code, message, meaning }
    }

    enum CodingKeys: String, CodingKey {
        case id, contact, pack, state, stepsTotal = "steps_total", stepsDone = "steps_done", attempts,
            startedAt = "started_at", completedAt = "completed_at", updatedAt = "updated_at", lastError = "last_error"
        case clickWamid = "click_wamid", outcome, latencyMs = "latency_ms", steps
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try encode(into: &c)
    }

    func encode(into c: inout KeyedEncodingContainer<CodingKeys>) throws {
        try c.encode(id, forKey: .id)
        try c.encode(contact, forKey: .contact)
        try c.encode(pack, forKey: .pack)
        try c.encode(state, forKey: .state)
        try c.encode(stepsTotal, forKey: .stepsTotal)
        try c.encode(stepsDone, forKey: .stepsDone)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encodeOrNull(completedAt, forKey: .completedAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encodeOrNull(lastError, forKey: .lastError)
    }

    public static let csvHeader = [
        "id", "contact", "pack", "state", "steps_total", "steps_done", "attempts", "started_at", "completed_at",
        "updated_at", "last_error_code", "last_error_message", "last_error_meaning",
    ]

    public var csvFields: [String?] {
        [
            id, contact, pack, state, String(stepsTotal), String(stepsDone), String(attempts), startedAt, completedAt,
            updatedAt, lastError.map { String($0.code) }, lastError?.message, lastError?.meaning,
        ]
    }
}

/// A page of `GET /api/webhook/deliveries`.
public struct DeliveriesPage: Encodable, Sendable, Equatable {
    public var deliveries: [DeliverySummary]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey { case deliveries, nextCursor = "next_cursor" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(deliveries, forKey: .deliveries)
        try c.encodeOrNull(nextCursor, forKey: .nextCursor)
    }
}

/// `GET /api/webhook/deliveries/{id}`: the summary's fields, and every step.
public struct DeliveryDetail: Encodable, Sendable, Equatable {
    public var summary: DeliverySummary
    public var clickWamid: String?
    /// Why it ended as it did, or what it waits for.
    public var outcome: String
    /// Click to completed, ms (null unless completed and its click is known).
    public var latencyMs: Int?
    public var steps: [DeliveryStep]

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DeliverySummary.CodingKeys.self)
        try summary.encode(into: &c)
        try c.encodeOrNull(clickWamid, forKey: .clickWamid)
        try c.encode(outcome, forKey: .outcome)
        try c.encodeOrNull(latencyMs, forKey: .latencyMs)
        try c.encode(steps, forKey: .steps)
    }
}

public struct DeliveryStep: Encodable, Sendable, Equatable {
    public var step: Int
    /// What the step sends (`image`, `text`), when the delivery recorded it.
    public var kind: String?
    public var attempts: Int
    public var wamid: String?
    /// The message's status: `sent`, `delivered`, `read` or `failed`; null before any outcome.
    public var status: String?
    public var sentAt: String?
    public var deliveredAt: String?
    public var readAt: String?
    public var errors: [StepError]

    public struct StepError: Encodable, Sendable, Equatable {
        public var code: Int
        public var message: String?
        public var meaning: String
        public var retryable: Bool
        public var time: String

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code)
            try c.encodeOrNull(message, forKey: .message)
            try c.encode(meaning, forKey: .meaning)
            try c.encode(retryable, forKey: .retryable)
            try c.encode(time, forKey: .time)
        }

        enum CodingKeys: String, CodingKey { case code, message, meaning, retryable, time }
    }

    enum CodingKeys: String, CodingKey {
        case step, kind, attempts, wamid, status, sentAt = "sent_at", deliveredAt = "delivered_at",
            readAt = "read_at", errors
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encodeOrNull(kind, forKey: .kind)
        try c.encode(attempts, forKey: .attempts)
        try c.encodeOrNull(wamid, forKey: .wamid)
        try c.encodeOrNull(status, forKey: .status)
        try c.encodeOrNull(sentAt, forKey: .sentAt)
        try c.encodeOrNull(deliveredAt, forKey: .deliveredAt)
        try c.encodeOrNull(readAt, forKey: .readAt)
        try c.encode(errors, forKey: .errors)
    }
}
