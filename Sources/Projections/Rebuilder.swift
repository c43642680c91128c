import EventStore
import Foundation
public import GRDB

/// Builds projections from the log into a separate database file, read-only on the log: safe
/// while the service runs.
public struct Rebuilder: Sendable {
    public enum Limit: Sendable, Equatable {
        case end
        case position(UInt64)
        /// Events recorded at or before this time (ms).
        case time(Int64)
    }

    public struct Progress: Sendable {
        public var position: UInt64
        public var lastPosition: UInt64
        public var eventsPerSecond: Double
    }

    public let logDirectory: String
    public let engine: ProjectionEngine
    public var batchEvents = 5000
    /// Segments moved out of the live log by `log archive`, read before it (`rebuild --archive`).
    public var archiveDirectory: String?

    public init(logDirectory: String, engine: ProjectionEngine) {
        self.logDirectory = logDirectory
        self.engine = engine
    }

    /// Applies the log to the database at `path` (created when missing) up to `limit`, each
    /// projection only up to `checkpoints[name]` when given. Returns the last position applied.
    @discardableResult
    public func build(
        into queue: DatabaseQueue, limit: Limit = .end, checkpoints: [String: UInt64] = [:],
        progress: (Progress) -> Void = { _ in }
    ) throws -> UInt64 {
        let reader = try LogReader.open(directory: logDirectory, archive: archiveDirectory)
        let start = try queue.write { db in
            _ = try engine.prepare(db)
            return try engine.resumePosition(db)
        }
        let lastPosition: UInt64
        switch limit {
        case .end, .time: lastPosition = reader.lastPosition
        case .position(let position): lastPosition = min(position, reader.lastPosition)
        }
        let fresh = try queue.read { db in try ProjectionState.all(db).values.allSatisfy { $0.checkpoint == 0 } }
        let chunks = DecodedChunks(reader.events(from: start + 1), size: batchEvents) { event in
            if event.position > lastPosition { return false }
            if case .time(let time) = limit, event.timestamp > time { return false }
            return true
        }
        defer { chunks.cancel() }
        var applied = start
        let clock = ContinuousClock()
        let began = clock.now
        var reported = began
        // From position 1 every projection is built in memory and written once at the end.
        let memory = fresh ? FreshBuild(engine.projections, limits: checkpoints) : nil
        while let chunk = try chunks.next() {
            if let memory {
                memory.apply(chunk.events, chunk.facts)
            } else {
                try queue.write { db in try engine.apply(chunk.events, facts: chunk.facts, db, limits: checkpoints) }
            }
            applied = chunk.events[chunk.events.count - 1].position
            if clock.now - reported > .milliseconds(500) {
                reported = clock.now
                let elapsed = clock.now - began
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                progress(
                    Progress(
                        position: applied, lastPosition: lastPosition,
                        eventsPerSecond: Double(applied - start) / max(seconds, 1e-9)))
            }
        }
        if let memory { try queue.write { db in try memory.write(db) } }
        return applied
    }
}
