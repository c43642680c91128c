public import GRDB

/// The projections' part of `GET /api/webhook/health`: the projector (its `position`, `lagEvents`
/// and `lagMs` are filled by the HTTP layer, which knows the log's head) and the saga's figures.
public struct ProjectionsHealth: Encodable, Sendable, Equatable {
    public var projector: ProjectorFigures
    public var saga: SagaFigures
}

public struct ProjectorFigures: Encodable, Sendable, Equatable {
    public var position: UInt64
    public var lagEvents: UInt64
    public var lagMs: Int64
    public var projections: [ProjectionFigures]
    /// The latest 20 skipped events, newest first.
    public var skips: [Skip]

    public struct Skip: Encodable, Sendable, Equatable {
        public var projection: String
        public var position: UInt64
        public var type: String
        public var reason: String
    }

    enum CodingKeys: String, CodingKey {
        case position, lagEvents = "lag_events", lagMs = "lag_ms", projections, skips
    }
}

public struct ProjectionFigures: Encodable, Sendable, Equatable {
    public var name: String
    public var version: Int
    public var checkpoint: UInt64
    public var applied: UInt64
    public var skipped: UInt64
}

public struct SagaFigures: Encodable, Sendable, Equatable {
    /// Whether the delivery saga runs (the HTTP layer knows; the projections do not).
    public var enabled: Bool
    public var inFlight: Int
    public var oldestInFlightAgeMs: Int64?
    /// Step attempts started with no outcome recorded (or an unknown one).
    public var stepsAwaitingReconciliation: Int

    enum CodingKeys: String, CodingKey {
        case enabled, inFlight = "in_flight", oldestInFlightAgeMs = "oldest_in_flight_age_ms",
            stepsAwaitingReconciliation = "steps_awaiting_reconciliation"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(inFlight, forKey: .inFlight)
        try c.encodeOrNull(oldestInFlightAgeMs, forKey: .oldestInFlightAgeMs)
        try c.encode(stepsAwaitingReconciliation, forKey: .stepsAwaitingReconciliation)
    }
}

extension Dashboard {
    /// How many skips health shows.
    public static let healthSkips = 20

    /// The projections' health at `now` (ms); `sagaEnabled` is passed through.
    public static func projectionsHealth(_ db: Database, now: Int64, sagaEnabled: Bool) throws -> ProjectionsHealth {
        var projections: [ProjectionFigures] = []
        try db.eachRow("SELECT name, version, checkpoint, applied, skipped FROM projection_state ORDER BY name") {
            row in
            projections.append(
                ProjectionFigures(
                    name: String(&row), version: Int(Int64(&row)), checkpoint: UInt64(max(0, Int64(&row))),
                    applied: UInt64(max(0, Int64(&row))), skipped: UInt64(max(0, Int64(&row)))))
        }
        var skips: [ProjectorFigures.Skip] = []
        try db.eachRow(
            "SELECT projection, position, type, reason FROM projection_skips"
                + " ORDER BY position DESC, projection DESC LIMIT ?", [healthSkips]
        ) { row in
            skips.append(
                ProjectorFigures.Skip(
                    projection: String(&row), position: UInt64(max(0, Int64(&row))), type: String(&row),
                    reason: String(&row)))
        }
        let position = projections.map(\.checkpoint).min() ?? 0
        return ProjectionsHealth(
            projector: ProjectorFigures(
                position: position, lagEvents: 0, lagMs: 0, projections: projections, skips: skips),
            saga: try saga(db, now: now, enabled: sagaEnabled))
    }

    static func saga(_ db: Database, now: Int64, enabled: Bool) throws -> SagaFigures {
        var counts: [String: Int] = [:]
        try db.eachRow("SELECT name, value FROM delivery_counts") { row in
            let name = String(&row)
            counts[name] = Int(Int64(&row))
        }
        let inFlight = DeliveriesProjection.inFlightStates.reduce(0) { $0 + (counts["state:\($1)"] ?? 0) }
        var oldest: Int64?
        for state in DeliveriesProjection.inFlightStates {
            try db.eachRow("SELECT MIN(started_at) FROM deliveries WHERE state = ?", [state]) { row in
                if let started = row.int() { oldest = min(oldest ?? started, started) }
            }
        }
        return SagaFigures(
            enabled: enabled, inFlight: inFlight, oldestInFlightAgeMs: oldest.map { max(0, now - $0) },
            stepsAwaitingReconciliation: counts[DeliveriesProjection.awaiting] ?? 0)
    }
}
