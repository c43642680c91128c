import Domain
import EventStore
import GRDB

/// Every projection's in-memory rebuild, fed the same events, each up to its limit.
final class MemoryBuild {
    private struct Part {
        var projection: any Projection
        var rebuild: any MemoryRebuild
        var limit: UInt64
        var last: RecordedEvent?
        var applied = 0
        var skipped = 0
    }

    private var parts: [Part]
    private var skips: [ProjectionSkip] = []

    init(_ projections: [any Projection], limits: [String: UInt64]) {
        parts = projections.map { Part(projection: $0, rebuild: $0.memoryRebuild(), limit: limits[$0.name] ?? .max) }
    }

    func apply(_ events: [RecordedEvent], _ facts: [DomainFact]) {
        for index in parts.indices {
            let limit = parts[index].limit
            let rebuild = parts[index].rebuild
            var applied = 0
            var skipped = 0
            var last: RecordedEvent?
            for (event, fact) in zip(events, facts) where event.position <= limit {
                last = event
                var reason = EventScreen.problem(event)
                if reason == nil, !rebuild.apply(event, fact) { reason = ProjectionEngine.notApplied(event, fact) }
                guard let reason else {
                    applied += 1
                    continue
                }
                skipped += 1
                skips.append(
                    ProjectionSkip(
                        projection: parts[index].projection.name, position: event.position, type: event.type, reason: reason))
            }
            parts[index].applied += applied
            parts[index].skipped += skipped
            if let last { parts[index].last = last }
        }
    }

    /// Writes every projection's rows and checkpoint (in the caller's transaction). Secondary
    /// indexes are dropped first and made again after: built once from all rows, not per insert.
    func write(_ db: Database) throws {
        let tables = parts.flatMap(\.projection.tables).map { "'\($0)'" }.joined(separator: ",")
        let indexes = try Row.fetchAll(
            db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (\(tables))")
        for index in indexes { try db.execute(sql: "DROP INDEX \(index["name"] as String)") }
        for part in parts {
            guard let last = part.last else { continue }
            try part.rebuild.write(db, last: last)
            try ProjectionState.advance(db, name: part.projection.name, checkpoint: last.position, applied: part.applied, skipped: part.skipped)
        }
        for index in indexes { try db.execute(sql: index["sql"] as String) }
        for skip in skips { try skip.insert(db) }
    }
}
