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
            try ProjectionState.reset(
                db, name: projection.name, version: projection.version, settings: projection.settings)
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
    ///
    /// An event a projection cannot apply is recorded in `projection_skips` with the reason, and
    /// the rest goes on: each projection's share of the batch runs in a savepoint; when it fails
    /// for something in the data (not the disk), it is rolled back and applied again one event
    /// at a time, each in its own savepoint and batch, so that only the event that fails is skipped.
    public func apply(_ events: [RecordedEvent], facts: [DomainFact], _ db: Database, limits: [String: UInt64] = [:])
        throws
    {
        guard !events.isEmpty else { return }
        let states = try ProjectionState.all(db)
        for projection in projections {
            let checkpoint = states[projection.name]?.checkpoint ?? 0
            let limit = limits[projection.name] ?? .max
            // Events are in log order: the share is one contiguous range.
            let start = events.firstIndex { $0.position > checkpoint } ?? events.endIndex
            let end = events[start...].firstIndex { $0.position > limit } ?? events.endIndex
            guard start < end else { continue }
            let last = events[end - 1]
            var counts = Counts()
            do {
                try db.inSavepoint {
                    let store = RowStore.live(db)
                    let fold = projection.fold(store)
                    for index in start..<end {
                        try counts.add(apply(events[index], facts[index], projection, fold, db))
                    }
                    fold.finish(last: last)
                    try store.flush(db)
                    return .commit
                }
            } catch  where Self.isCausedByData(error) {
                counts = Counts()
                for index in start..<end { try counts.add(applyAlone(events[index], facts[index], projection, db)) }
            }
            try ProjectionState.advance(
                db, name: projection.name, checkpoint: last.position, applied: counts.applied, skipped: counts.skipped)
        }
    }

    private struct Counts {
        var applied = 0
        var skipped = 0

        mutating func add(_ skip: ProjectionSkip?) throws {
            if skip == nil { applied += 1 } else { skipped += 1 }
        }
    }

    /// Applies one event; the skip it recorded, if it did not apply it.
    private func apply(
        _ event: RecordedEvent, _ fact: DomainFact, _ projection: any Projection, _ fold: any ProjectionFold,
        _ db: Database
    ) throws -> ProjectionSkip? {
        let reason = try Self.skipReason(event, fact, fold)
        return try reason.map { try record($0, event, projection, db) }
    }

    /// Why `fold` did not apply `event` (`nil` when it did); throws what the fold threw.
    static func skipReason(_ event: RecordedEvent, _ fact: DomainFact, _ fold: any ProjectionFold) throws -> String? {
        if let problem = EventScreen.problem(event) { return problem }
        return try fold.apply(event, fact) ? nil : EventScreen.problem(event, fact) ?? "not applied by this projection"
    }

    /// Applies one event in a savepoint and a batch of its own; one that fails in its data is skipped.
    private func applyAlone(
        _ event: RecordedEvent, _ fact: DomainFact, _ projection: any Projection, _ db: Database
    ) throws -> ProjectionSkip? {
        var skip: ProjectionSkip?
        do {
            try db.inSavepoint {
                let store = RowStore.live(db)
                let fold = projection.fold(store)
                skip = try apply(event, fact, projection, fold, db)
                fold.finish(last: event)
                try store.flush(db)
                return .commit
            }
        } catch  where Self.isCausedByData(error) {
            skip = try record(Self.failed(error), event, projection, db)
        }
        return skip
    }

    /// The reason recorded for an event a fold could not apply. It is shown by health and tools,
    /// so a database error gives its code and message, never its SQL or arguments.
    static func failed(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "could not be applied: SQLite error \(error.resultCode.rawValue) (\(error.message ?? "no message"))"
        }
        return "could not be applied: \(error)"
    }

    private func record(_ reason: String, _ event: RecordedEvent, _ projection: any Projection, _ db: Database) throws
        -> ProjectionSkip
    {
        let skip = ProjectionSkip(
            projection: projection.name, position: event.position, type: event.type, reason: reason)
        try skip.insert(db)
        return skip
    }

    /// Whether `error` came from the event's data (a constraint, a value SQLite refuses, a fold's
    /// own error) rather than from the database or the disk, which must stop the projector.
    static func isCausedByData(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return true }
        switch error.resultCode {
        case .SQLITE_CONSTRAINT, .SQLITE_MISMATCH, .SQLITE_TOOBIG, .SQLITE_RANGE: return true
        default: return false
        }
    }
}
