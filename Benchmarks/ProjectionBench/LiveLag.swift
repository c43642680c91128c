import BenchSupport
import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import GRDB
import Histogram
import Projections
import Synchronization

struct LagResult {
    var events: Int
    var p50: Double
    var p99: Double
    var max: Double
}

/// Appends at `rate` events/s for `seconds` while a projector follows; measures each event's lag.
func liveLag(directory: String, rate: Int, seconds duration: Int) async throws -> LagResult {
    let log = try EventLog.open(directory: directory + "/log")
    let database = try ProjectionDatabase.openPool(path: directory + "/projections.sqlite")
    let projector = try Projector(
        log: log, database: database, engine: ProjectionEngine(projections: ProjectionSettings().projections()))
    let clock = ContinuousClock()
    let origin = clock.now
    let appended = Mutex<[UInt64: Duration]>([:])
    let lags = Mutex(Histogram<UInt64>(highestTrackableValue: 60_000_000))
    let applied = Mutex<UInt64>(0)
    let task = Task {
        try await projector.run { position in
            let now = clock.now - origin
            let from = applied.withLock { value in
                defer { value = position }
                return value + 1
            }
            let times = appended.withLock { map in (from...position).compactMap { map.removeValue(forKey: $0) } }
            lags.withLock { histogram in
                for time in times { _ = histogram.record(UInt64(max(1, (now - time) / .microseconds(1)))) }
            }
        }
    }
    var history = RandomHistory(seed: 77)
    var sent = 0
    let total = rate * duration
    while sent < total {
        // Paced in 2 ms ticks: the events due by now go out as separate appends.
        let due = Int(Double(rate) * Double((clock.now - origin) / .microseconds(1)) / 1e6)
        while sent < min(due, total) {
            let events = history.next()
            let range = try await log.append(events)
            let now = clock.now - origin
            appended.withLock { map in for position in range { map[position] = now } }
            sent += events.count
        }
        try await Task.sleep(for: .milliseconds(2))
    }
    while projector.status().lag > 0 { try await Task.sleep(for: .milliseconds(5)) }
    try await Task.sleep(for: .milliseconds(20))
    task.cancel()
    _ = try? await task.value
    await log.close()
    let histogram = lags.withLock { $0 }
    return LagResult(
        events: Int(histogram.totalCount), p50: Double(histogram.valueAtPercentile(50)) / 1000,
        p99: Double(histogram.valueAtPercentile(99)) / 1000, max: Double(histogram.max) / 1000)
}

/// A projector started behind the whole log in `logDirectory` (nothing applied yet): events/s
/// until it has applied the log's last event.
func catchUp(logDirectory: String, databasePath: String) async throws -> Double {
    let log = try EventLog.open(directory: logDirectory)
    let database = try ProjectionDatabase.openPool(path: databasePath)
    let engine = ProjectionEngine(projections: ProjectionSettings().projections())
    let projector = try Projector(log: log, database: database, engine: engine)
    let target = log.lastPosition
    let (done, reached) = AsyncStream<Void>.makeStream()
    let clock = ContinuousClock()
    let start = clock.now
    let task = Task {
        try await projector.run { position in
            if position >= target { reached.yield() }
        }
    }
    for await _ in done { break }
    let elapsed = clock.now - start
    task.cancel()
    _ = try? await task.value
    await log.close()
    return Double(target) / seconds(elapsed)
}
