import Dispatch
import Domain
import EventStore
import GRDB

/// A rebuild from position 1: every projection's fold over rows held in memory (a `fresh` store),
/// fed the same events, each up to its limit, and written once at the end into empty tables.
/// The projections are independent: their folds, and the sorting of their rows, run on every core.
final class FreshBuild {
    /// One projection's share; used by one thread at a time.
    private final class Part: @unchecked Sendable {
        let projection: any Projection
        let store = RowStore.fresh()
        let fold: any ProjectionFold
        let limit: UInt64
        var last: RecordedEvent?
        var applied = 0
        var skipped = 0
        var skips: [ProjectionSkip] = []

        init(_ projection: any Projection, limit: UInt64) {
            self.projection = projection
            fold = projection.fold(store)
            self.limit = limit
        }

        func apply(_ events: [RecordedEvent], _ facts: [DomainFact]) {
            var index = 0
            while index < events.count, events[index].position <= limit {
                if let reason = reason(events[index], facts[index]) {
                    skipped += 1
                    skips.append(
                        ProjectionSkip(
                            projection: projection.name, position: events[index].position, type: events[index].type,
                            reason: reason))
                } else {
                    applied += 1
                }
                index += 1
            }
            guard index > 0 else { return }
            last = events[index - 1]
            fold.finish(last: events[index - 1])
        }

        private func reason(_ event: RecordedEvent, _ fact: DomainFact) -> String? {
            do {
                return try ProjectionEngine.skipReason(event, fact, fold)
            } catch {
                return ProjectionEngine.failed(error)
            }
        }
    }

    private let parts: [Part]

    /// Each table's sorting, each job run by one thread.
    private final class Preparations: @unchecked Sendable {
        let jobs: [() -> Void]
        init(_ jobs: [() -> Void]) { self.jobs = jobs }
    }

    init(_ projections: [any Projection], limits: [String: UInt64]) {
        parts = projections.map { Part($0, limit: limits[$0.name] ?? .max) }
    }

    /// Applies a chunk of events (`facts[i]` decoded from `events[i]`).
    func apply(_ events: [RecordedEvent], _ facts: [DomainFact]) {
        let parts = self.parts
        DispatchQueue.concurrentPerform(iterations: parts.count) { parts[$0].apply(events, facts) }
    }

    /// Writes every projection's rows and checkpoint (in the caller's transaction). Secondary
    /// indexes are dropped first and made again after: built once from all rows, not per insert.
    func write(_ db: Database) throws {
        let parts = self.parts
        let preparations = Preparations(parts.flatMap(\.store.preparations))
        DispatchQueue.concurrentPerform(iterations: preparations.jobs.count) { preparations.jobs[$0]() }
        let tables = parts.flatMap(\.projection.tables).map { "'\($0)'" }.joined(separator: ",")
        let indexes = try Row.fetchAll(
            db,
            sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                + " AND tbl_name IN (\(tables))"
        )
        for index in indexes { try db.execute(sql: "DROP INDEX \(index["name"] as String)") }
        for part in parts {
            guard let last = part.last else { continue }
            try part.store.flush(db)
            try ProjectionState.advance(
                db, name: part.projection.name, checkpoint: last.position, applied: part.applied, skipped: part.skipped)
        }
        for index in indexes { try db.execute(sql: index["sql"] as String) }
        for part in parts {
            for skip in part.skips { try skip.insert(db) }
        }
    }
}
