public import Domain
public import EventStore
public import GRDB

/// One row per delivery: contact, pack, state, steps done of total, attempts, last error, times.
public struct DeliveriesProjection: Projection {
    public let name = "deliveries"
    public let version = 1
    public var tables: [String] { ["deliveries"] }

    public init() {}

    public func memoryRebuild() -> any MemoryRebuild { MemoryDeliveries() }

    public func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE deliveries (
                    delivery_id TEXT PRIMARY KEY,
                    contact TEXT NOT NULL,
                    pack TEXT NOT NULL,
                    click_wamid TEXT,
                    state TEXT NOT NULL,
                    steps_total INTEGER NOT NULL,
                    steps_done INTEGER NOT NULL DEFAULT 0,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error_code INTEGER,
                    last_error_message TEXT,
                    started_at INTEGER NOT NULL,
                    completed_at INTEGER,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX deliveries_by_contact ON deliveries (contact, started_at);
                CREATE INDEX deliveries_by_state ON deliveries (state);
                """)
    }

    public func apply(_ event: RecordedEvent, _ fact: DomainFact, _ batch: BatchContext, _ db: Database) throws -> Bool {
        let time = event.timestamp
        switch fact {
        case .deliveryStarted(let started):
            try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO deliveries (delivery_id, contact, pack, click_wamid, state, steps_total, started_at, updated_at)
                    VALUES (?, ?, ?, ?, 'started', ?, ?, ?)
                    """
            ).execute(arguments: [started.deliveryId, started.contact, started.pack, started.clickWamid, started.steps, time, time])
        case .deliveryAttemptStarted(let attempt):
            try update(
                "attempts = attempts + 1, state = CASE WHEN state IN ('completed', 'failed') THEN state ELSE 'sending' END",
                attempt.deliveryId, time, [], db)
        case .deliveryStepSent(let sent):
            try update(
                "steps_done = MAX(steps_done, ?), state = CASE WHEN state IN ('completed', 'failed') THEN state ELSE 'sending' END",
                sent.deliveryId, time, [sent.step + 1], db)
        case .deliveryStepFailed(let failed):
            try update(
                "last_error_code = ?, last_error_message = ?, state = CASE WHEN state IN ('completed', 'failed') THEN state WHEN ? THEN 'retrying' ELSE state END",
                failed.deliveryId, time, [failed.error.code, failed.error.message ?? failed.error.title, failed.retryable], db)
        case .deliveryCompleted(let completed):
            try update(
                "state = 'completed', steps_done = steps_total, completed_at = ?", completed.deliveryId, time, [time], db)
        case .deliveryFailed(let failed):
            try update(
                "state = 'failed', completed_at = ?, last_error_code = COALESCE(?, last_error_code), last_error_message = ?",
                failed.deliveryId, time, [time, failed.error?.code, failed.reason], db)
        case .unknownType, .undecodable:
            return false
        default:
            break
        }
        return true
    }

    private func update(
        _ assignments: String, _ deliveryId: String, _ time: Int64, _ values: [(any DatabaseValueConvertible)?], _ db: Database
    ) throws {
        try db.cachedStatement(sql: "UPDATE deliveries SET \(assignments), updated_at = ? WHERE delivery_id = ?")
            .execute(arguments: StatementArguments(values + [time, deliveryId]))
    }
}
