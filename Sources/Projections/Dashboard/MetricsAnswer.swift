/// `GET /api/webhook/metrics`: a day or a range of days, in UTC or the reporting time zone.
public struct MetricsAnswer: Encodable, Sendable, Equatable {
    public var zone: String
    public var from: String
    public var to: String
    /// The whole range (`day` null).
    public var totals: DayMetrics
    /// One per day from `from` to `to`, oldest first.
    public var days: [DayMetrics]
}

public struct DayMetrics: Encodable, Sendable, Equatable {
    public var day: String?
    public var buttonClicks: Int
    public var uniqueClickers: Int
    public var byPayload: [PayloadClicks]
    public var deliveries: DeliveryFigures
    public var latencyMs: LatencyFigures
    public var messages: MessageFigures
    public var templates: TemplateFigures
    public var errors: [ErrorCount]

    enum CodingKeys: String, CodingKey {
        case day, buttonClicks = "button_clicks", uniqueClickers = "unique_clickers", byPayload = "by_payload",
            deliveries, latencyMs = "latency_ms", messages, templates, errors
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeOrNull(day, forKey: .day)
        try c.encode(buttonClicks, forKey: .buttonClicks)
        try c.encode(uniqueClickers, forKey: .uniqueClickers)
        try c.encode(byPayload, forKey: .byPayload)
        try c.encode(deliveries, forKey: .deliveries)
        try c.encode(latencyMs, forKey: .latencyMs)
        try c.encode(messages, forKey: .messages)
        try c.encode(templates, forKey: .templates)
        try c.encode(errors, forKey: .errors)
    }
}

public struct PayloadClicks: Encodable, Sendable, Equatable {
    public var payload: String
    public var clicks: Int
    public var uniqueClickers: Int

    enum CodingKeys: String, CodingKey {
        case payload, clicks, uniqueClickers = "unique_clickers"
    }
}

public struct DeliveryFigures: Encodable, Sendable, Equatable {
    public var started: Int
    public var completed: Int
    public var failed: Int
    /// Deliveries started on the day(s) and not finished yet.
    public var inFlight: Int
    /// completed / (completed + failed); null when both are 0.
    public var successRate: Double?

    enum CodingKeys: String, CodingKey {
        case started, completed, failed, inFlight = "in_flight", successRate = "success_rate"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(started, forKey: .started)
        try c.encode(completed, forKey: .completed)
        try c.encode(failed, forKey: .failed)
        try c.encode(inFlight, forKey: .inFlight)
        try c.encodeOrNull(successRate, forKey: .successRate)
    }
}

public struct LatencyFigures: Encodable, Sendable, Equatable {
    public var p50: Int?
    public var p95: Int?
    public var count: Int

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeOrNull(p50, forKey: .p50)
        try c.encodeOrNull(p95, forKey: .p95)
        try c.encode(count, forKey: .count)
    }

    enum CodingKeys: String, CodingKey { case p50, p95, count }
}

public struct MessageFigures: Encodable, Sendable, Equatable {
    public var sent: Int
    public var delivered: Int
    public var read: Int
    public var failed: Int
}

public struct TemplateFigures: Encodable, Sendable, Equatable {
    public var sent: Int
    public var accepted: Int
    public var delivered: Int
    public var read: Int
    public var failed: Int
}

public struct ErrorCount: Encodable, Sendable, Equatable {
    public var code: Int
    public var count: Int
    public var meaning: String
}
