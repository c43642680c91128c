/// `GET /api/webhook/stats/realtime`: rates over the last 1, 5 and 15 minutes, and the last 60
/// minutes one by one.
public struct RealtimeStats: Encodable, Sendable, Equatable {
    public var now: String
    public var windows: Windows
    /// 60 entries, oldest first, minutes without events included (zeros).
    public var series: [MinuteFigures]

    public struct Windows: Encodable, Sendable, Equatable {
        public var oneMinute: Rates
        public var fiveMinutes: Rates
        public var fifteenMinutes: Rates

        enum CodingKeys: String, CodingKey { case oneMinute = "1m", fiveMinutes = "5m", fifteenMinutes = "15m" }
    }
}

/// Per-minute rates over a window.
public struct Rates: Encodable, Sendable, Equatable {
    public var eventsPerMinute: Double
    public var clicksPerMinute: Double
    public var deliveriesCompletedPerMinute: Double
    public var deliveriesFailedPerMinute: Double
    public var messagesSentPerMinute: Double
    public var errorsPerMinute: Double
    /// Mean click-to-completed latency of the deliveries completed in the window.
    public var latencyMsMean: Double?

    enum CodingKeys: String, CodingKey {
        case eventsPerMinute = "events_per_minute", clicksPerMinute = "clicks_per_minute",
            deliveriesCompletedPerMinute = "deliveries_completed_per_minute",
            deliveriesFailedPerMinute = "deliveries_failed_per_minute",
            messagesSentPerMinute = "messages_sent_per_minute", errorsPerMinute = "errors_per_minute",
            latencyMsMean = "latency_ms_mean"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(eventsPerMinute, forKey: .eventsPerMinute)
        try c.encode(clicksPerMinute, forKey: .clicksPerMinute)
        try c.encode(deliveriesCompletedPerMinute, forKey: .deliveriesCompletedPerMinute)
        try c.encode(deliveriesFailedPerMinute, forKey: .deliveriesFailedPerMinute)
        try c.encode(messagesSentPerMinute, forKey: .messagesSentPerMinute)
        try c.encode(errorsPerMinute, forKey: .errorsPerMinute)
        try c.encodeOrNull(latencyMsMean, forKey: .latencyMsMean)
    }
}

/// One minute of the realtime series.
public struct MinuteFigures: Encodable, Sendable, Equatable {
    public var minute: String
    public var events: Int
    public var clicks: Int
    public var deliveriesCompleted: Int
    public var deliveriesFailed: Int
    public var messagesSent: Int
    public var errors: Int
    public var latencyMsMean: Double?

    enum CodingKeys: String, CodingKey {
        case minute, events, clicks, deliveriesCompleted = "deliveries_completed",
            deliveriesFailed = "deliveries_failed", messagesSent = "messages_sent", errors,
            latencyMsMean = "latency_ms_mean"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(minute, forKey: .minute)
        try c.encode(events, forKey: .events)
        try c.encode(clicks, forKey: .clicks)
        try c.encode(deliveriesCompleted, forKey: .deliveriesCompleted)
        try c.encode(deliveriesFailed, forKey: .deliveriesFailed)
        try c.encode(messagesSent, forKey: .messagesSent)
        try c.encode(errors, forKey: .errors)
        try c.encodeOrNull(latencyMsMean, forKey: .latencyMsMean)
    }
}
