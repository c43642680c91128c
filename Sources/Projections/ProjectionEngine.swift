public import Domain
public import EventStore
public import GRDB

/// Applies batches of events to a set of projections in one SQLite transaction each, writing every
/// projection's checkpoint with its rows: nothing applied twice, nothing skipped.
public struct ProjectionEngine: Sendable {
    public let projections: [any Projection]

    public init(projections: [any Projection]) {
        self.projections = projections
    }

    /// Creates missing projections and rebuilds (drops, resets to checkpoint 0) those whose version or
    /// settings changed. Returns the names it reset, with why.
    public func prepare(_ db: Database) throws -> [String] {
        var reset: [String] = []
        let states = try ProjectionState.all(db)
        for projection in projections {
            let state = states[projection.name]
            if let state, state.version == projection.version, state.settings == projection.settings { continue }
            if let state {
                reset.append(
                    "\(projection.name): schema version \(state.version) → \(projection.version)"
                        + (state.settings == projection.settings ? "" : ", settings changed"))
            }
            try projection.drop(db)
            try projection.create(db)
            try ProjectionState.reset(db, name: projection.name, version: projection.version, settings: projection.settings)
        }
        return reset
    }

    /// Drops the named projection's rows and resets its checkpoint to 0 (it is rebuilt next).
    public static func reset(_ name: String, in engine: ProjectionEngine, _ db: Database) throws {
        guard let projection = engine.projections.first(where: { $0.name == name }) else { return }
        try projection.drop(db)
        try projection.create(db)
        try ProjectionState.reset(db, name: projection.name, version: projection.version, settings: projection.settings)
    }

    /// The lowest checkpoint: where to resume reading.
    public func resumePosition(_ db: Database) throws -> UInt64 {
        let states = try ProjectionState.all(db)
        return projections.map { states[$0.name]?.checkpoint ?? 0 }.min() ?? 0
    }

    /// Applies `events` (in log order) inside the caller's transaction. Each projection only takes
    /// events after its checkpoint and, when `limits` names it, up to that position.
    public func apply(_ events: [RecordedEvent], _ db: Database, limits: [String: UInt64] = [:]) throws {
        try apply(events, facts: events.map(DomainFact.init), db, limits: limits)
    }

    /// The same, with the events already decoded (`facts[i]` of `events[i]`).
    public func apply(_ events: [RecordedEvent], facts: [DomainFact], _ db: Database, limits: [String: UInt64] = [:]) throws {
        guard !events.isEmpty else { return }
        let states = try ProjectionState.all(db)
        for projection in projections {
            let checkpoint = states[projection.name]?.checkpoint ?? 0
            let limit = limits[projection.name] ?? .max
            var applied = 0
            var skipped = 0
            var lastApplied: RecordedEvent?
            let batch = BatchContext(lastPosition: min(limit, events[events.count - 1].position))
            for (event, fact) in zip(events, facts) where event.position > checkpoint && event.position <= limit {
                if try projection.apply(event, fact, batch, db) { applied += 1 } else { skipped += 1 }
                lastApplied = event
            }
            guard let lastApplied else { continue }
            try projection.finishBatch(last: lastApplied, batch, db)
            try ProjectionState.advance(db, name: projection.name, checkpoint: lastApplied.position, applied: applied, skipped: skipped)
        }
    }
}
