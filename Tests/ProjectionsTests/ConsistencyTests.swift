import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import GRDB
import Projections
import Testing

@Suite struct ConsistencyTests {
    /// Appends `count` events of a random history; returns the appends.
    private func history(seed: UInt64, events count: Int) -> [[NewEvent]] {
        var history = RandomHistory(seed: seed)
        var appends: [[NewEvent]] = []
        var total = 0
        while total < count {
            let next = history.next()
            total += next.count
            appends.append(next)
        }
        return appends
    }

    static let background = BackgroundExecutor(name: "test-projector")

    /// The projector applies a live log (concurrent appends, several runs with restarts at random
    /// points, on the default executor and on a background thread, raised to normal priority when
    /// behind, in small chunks that make transactions span many of them); the result equals one
    /// rebuild from scratch.
    @Test func incrementalProjectionEqualsARebuild() async throws {
        let data = TempData()
        let appends = history(seed: 7, events: 100_000)
        let live = try ProjectionDatabase.openPool(path: data.file("projections.sqlite"))
        var random = SplitMix64(seed: 99)
        let log = try EventLog.open(directory: data.log, configuration: .init { $0.durability = .unsafeNone })
        var next = 0
        for run in 0..<6 {
            var configuration = Projector.Configuration()
            if run % 2 == 1 { configuration.executor = Self.background }
            if run == 3 { configuration.maxBackgroundLag = .zero }  // always "behind": switches every batch
            if run == 2 || run == 3 { configuration.maxBatchEvents = 64 }  // a backlog: many chunks per transaction
            let projector = try Projector(log: log, database: live, engine: engine, configuration: configuration)
            if run > 0 { #expect(projector.resets.isEmpty) }
            let following = Following(projector)
            // Appends arrive while the projector runs, in bursts.
            let end =
                run == 5 ? appends.count : min(appends.count, next + Int(random.next() % UInt64(appends.count / 4)))
            while next < end {
                let burst = min(end, next + 1 + Int(random.next() % 200))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in next..<burst { group.addTask { try await log.append(appends[index]) } }
                    try await group.waitForAll()
                }
                next = burst
            }
            if run == 5 {
                await following.waitUntil { projector.status().lag == 0 }
            } else {
                // Stopped at a random point of its work.
                let status = projector.status()
                let target = status.appliedPosition + random.next() % (status.lag + 1)
                await following.waitUntil { projector.status().appliedPosition >= target }
            }
            await following.stop()
        }
        await log.close()
        let rebuilt = try ProjectionDatabase.openScratch(path: data.file("rebuilt.sqlite"))
        try Rebuilder(logDirectory: data.log, engine: engine).build(into: rebuilt)
        let found = try differences(live, rebuilt)
        #expect(found.isEmpty, "\(found.prefix(3))")
        try expectSameAnswers(live, rebuilt)
        let states = try read(live) { try ProjectionState.all($0) }
        #expect(states.values.allSatisfy { $0.checkpoint == log.lastPosition })
        #expect(try read(live) { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM deliveries") } ?? 0 > 100)
    }

    @Test func aPointInTimeRebuildEqualsTheLiveProjectionStoppedThere() async throws {
        let appends = history(seed: 11, events: 20_000)
        let data = TempData()
        let log = try EventLog.open(directory: data.log, configuration: .init { $0.durability = .unsafeNone })
        for events in appends { try await log.append(events) }
        await log.close()
        for stop in [UInt64(1), 777, 9_999, 15_001] {
            // "Live": applied in uneven batches, stopped at `stop`.
            let live = try ProjectionDatabase.openScratch(path: data.file("live-\(stop).sqlite"))
            try write(live) { _ = try engine.prepare($0) }
            let reader = try LogReader.open(directory: data.log)
            var iterator = reader.events(from: 1).makeAsyncIterator()
            var pending: [RecordedEvent] = []
            while let event = try iterator.nextEvent(), event.position <= stop {
                pending.append(event)
                if pending.count == 333 {
                    let batch = pending
                    try write(live) { try engine.apply(batch, $0) }
                    pending = []
                }
            }
            let rest = pending
            try write(live) { try engine.apply(rest, $0) }

            let pointInTime = try ProjectionDatabase.openScratch(path: data.file("pit-\(stop).sqlite"))
            let last = try Rebuilder(logDirectory: data.log, engine: engine).build(
                into: pointInTime, limit: .position(stop))
            #expect(last == stop)
            let found = try differences(live, pointInTime)
            #expect(found.isEmpty, "at \(stop): \(found.prefix(2))")
            try expectSameAnswers(live, pointInTime)
        }
    }

    @Test func aNewProjectionVersionIsRebuiltFromTheLogAtStart() async throws {
        let data = TempData()
        let log = try EventLog.open(directory: data.log)
        for events in history(seed: 3, events: 2_000) { try await log.append(events) }
        let live = try ProjectionDatabase.openPool(path: data.file("projections.sqlite"))
        let first = try Projector(log: log, database: live, engine: engine)
        let following = Following(first)
        await following.waitUntil { first.status().lag == 0 }
        await following.stop()
        let before = try read(live) { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM deliveries") }
        let metricsBefore = try read(live) { try Int.fetchOne($0, sql: "SELECT SUM(value) FROM metrics_daily") }
        let conversationsBefore = try read(live) {
            try Int.fetchOne($0, sql: "SELECT SUM(inbound_count + outbound_count) FROM conversations")
        }

        // Pretend the stored schema is older, and damage its rows: the projector must notice and rebuild.
        try write(live) { db in
            try db.execute(sql: "UPDATE projection_state SET version = 0 WHERE name = 'deliveries'")
            try db.execute(sql: "DELETE FROM deliveries")
        }
        let second = try Projector(log: log, database: live, engine: engine)
        #expect(second.resets == ["deliveries: schema version 0 → 2"])
        let again = Following(second)
        func deliveriesCheckpoint() throws -> UInt64? {
            try read(live) { try ProjectionState.all($0)["deliveries"]?.checkpoint }
        }
        try await again.waitUntil { try second.status().lag == 0 && deliveriesCheckpoint() == log.lastPosition }
        await again.stop()
        #expect(try read(live) { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM deliveries") } == before)
        // The other projections, already at the end, took nothing twice while it caught up.
        #expect(try read(live) { try Int.fetchOne($0, sql: "SELECT SUM(value) FROM metrics_daily") } == metricsBefore)
        #expect(
            try read(live) {
                try Int.fetchOne($0, sql: "SELECT SUM(inbound_count + outbound_count) FROM conversations")
            } == conversationsBefore)
        await log.close()
    }

    @Test func theProjectorReportsItsLag() async throws {
        let data = TempData()
        let log = try EventLog.open(directory: data.log)
        for events in history(seed: 5, events: 500) { try await log.append(events) }
        let live = try ProjectionDatabase.openPool(path: data.file("projections.sqlite"))
        let projector = try Projector(log: log, database: live, engine: engine)
        let before = projector.status()
        #expect(before.appliedPosition == 0)
        #expect(before.lag == log.lastPosition)
        #expect(before.oldestUnappliedTimestamp != nil)
        let following = Following(projector)
        await following.waitUntil { projector.status().lag == 0 }
        let after = projector.status()
        #expect(after.oldestUnappliedTimestamp == nil)
        #expect(after.appliedPosition == log.lastPosition)
        // A new event shows up within milliseconds of its commit.
        try await log.append(NewEvent(type: "future.ping", stream: "s", data: Array("{}".utf8)))
        let clock = ContinuousClock()
        let start = clock.now
        await following.waitUntil { projector.status().lag == 0 }
        #expect(clock.now - start < .seconds(5))
        #expect(projector.status().lag == 0)
        await following.stop()
        await log.close()
    }

    /// Every dashboard answer of the two databases is the same (at the latest event's time and day).
    private func expectSameAnswers(_ first: some DatabaseReader, _ second: some DatabaseReader) throws {
        let now = try read(second) { try Int64.fetchOne($0, sql: "SELECT MAX(time) FROM recent_events") } ?? 0
        let day = String(LogTime.rfc3339(milliseconds: now).prefix(10))
        let left = try read(first) { try dashboardAnswers($0, now: now, day: day) }
        let right = try read(second) { try dashboardAnswers($0, now: now, day: day) }
        #expect(left.count >= 8)
        for (key, value) in left { #expect(right[key] == value, "\(key)") }
    }
}
