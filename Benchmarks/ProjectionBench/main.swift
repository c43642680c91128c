// ProjectionBench: rebuild speed next to this machine's raw SQLite upsert rate, and live
// projection lag under a steady append rate. Release mode: `make bench-projections`.
import BenchSupport
import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import GRDB
import Histogram
import Projections

let quick = CommandLine.arguments.contains("--quick")
// `--database PATH`: only the dashboard's query times, over a database a `--queries --keep PATH` run left.
if let index = CommandLine.arguments.firstIndex(of: "--database") {
    try queryTimes(logDirectory: nil, databasePath: CommandLine.arguments[index + 1], calls: 2000)
    exit(0)
}
let repeats = quick ? 1 : 3
let logEvents = quick ? 200_000 : 1_000_000
let root = FileManager.default.temporaryDirectory.appendingPathComponent("clickunlock-pbench-\(getpid())").path
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: root) }

print(
    "# ProjectionBench — \(Date.now.formatted(.iso8601)) — "
        + "\(ProcessInfo.processInfo.activeProcessorCount) cores, repeats \(repeats) (medians)"
)
print("")

// A log of realistic history (RandomHistory: taps with redeliveries, messages, templates,
// deliveries with retries, statuses out of order, unknown events).
let logDirectory = root + "/log"
let appendClock = ContinuousClock()
let writeStart = appendClock.now
let written = try blocking {
    let log = try EventLog.open(directory: logDirectory, configuration: .init { $0.durability = .unsafeNone })
    var history = RandomHistory(seed: 2026, contacts: 5_000)
    while log.lastPosition < UInt64(logEvents) { try await log.append(history.next()) }
    let last = log.lastPosition
    await log.close()
    return last
}
print("log: \(written) events written in \(seconds(appendClock.now - writeStart), digits: 1) s")
print("")

// `--queries`: the dashboard's queries over a rebuild of the log, then stop.
if CommandLine.arguments.contains("--queries") {
    // `--keep PATH` keeps the database there (for EXPLAIN QUERY PLAN and friends).
    let keep = CommandLine.arguments.firstIndex(of: "--keep").map { CommandLine.arguments[$0 + 1] }
    try queryTimes(
        logDirectory: logDirectory, databasePath: keep ?? root + "/queries.sqlite", calls: quick ? 500 : 2000)
    try? FileManager.default.removeItem(atPath: root)
    exit(0)
}

// Baseline: prepared upserts in batched transactions, with the rebuild's settings (no journal,
// no sync), into a table keyed like the projections' counters.
var upsertRates: [Double] = []
for run in 0..<repeats {
    let queue = try ProjectionDatabase.openScratch(path: root + "/upserts-\(run).sqlite")
    try queue.write {
        try $0.execute(sql: "CREATE TABLE counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID")
    }
    let count = logEvents
    let clock = ContinuousClock()
    let start = clock.now
    var done = 0
    while done < count {
        let end = min(count, done + 5000)
        let from = done
        try queue.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO counters (key, value) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET value = value + 1"
            )
            for index in from..<end { try statement.execute(arguments: ["key-\(index % 50_000)"]) }
        }
        done = end
    }
    upsertRates.append(Double(count) / seconds(clock.now - start))
}

// Rebuild: every projection, from position 1, into a fresh file.
var rebuildRates: [Double] = []
for run in 0..<repeats {
    let queue = try ProjectionDatabase.openScratch(path: root + "/rebuild-\(run).sqlite")
    let rebuilder = Rebuilder(
        logDirectory: logDirectory, engine: ProjectionEngine(projections: ProjectionSettings().projections()))
    let clock = ContinuousClock()
    let start = clock.now
    let last = try rebuilder.build(into: queue)
    rebuildRates.append(Double(last) / seconds(clock.now - start))
}
print("## Rebuild of all five projections vs raw SQLite upserts (same run)")
print("")
print("| events | rebuild events/s | raw upserts/s (1 prepared upsert per row, 5000 per transaction) | rebuild / raw |")
print("|---:|---:|---:|---:|")
print(
    "| \(written) | \(Int(median(rebuildRates))) | \(Int(median(upsertRates))) | "
        + "\(median(rebuildRates) / median(upsertRates), digits: 2) |"
)
print("")

// Live catch-up: the projector as `serve` runs it once a load is over, started behind the whole
// log (nothing applied): events/s until it has applied the last event.
var catchUpRates: [Double] = []
for run in 0..<repeats {
    let path = root + "/catch-up-\(run).sqlite"
    catchUpRates.append(try blocking { try await catchUp(logDirectory: logDirectory, databasePath: path) })
}
print("## Live projector catching up over the whole log")
print("")
print("| events | catch-up events/s | rebuild events/s (above) | catch-up / rebuild |")
print("|---:|---:|---:|---:|")
let catchUpRate = median(catchUpRates)
let rebuildRate = median(rebuildRates)
print("| \(written) | \(Int(catchUpRate)) | \(Int(rebuildRate)) | \(catchUpRate / rebuildRate, digits: 2) |")
print("")

// Where the time goes: reading + decoding alone, then each projection alone.
print("## Breakdown (one run each)")
print("")
print("| part | events/s |")
print("|---|---:|")
do {
    let clock = ContinuousClock()
    let start = clock.now
    let reader = try LogReader.open(directory: logDirectory)
    var iterator = reader.events().makeAsyncIterator()
    var understood = 0
    while let batch = try iterator.nextBatch() {
        for event in batch where DomainFact(event).isUnderstood { understood += 1 }
    }
    print("| read + decode payloads (no SQL) | \(Int(Double(written) / seconds(clock.now - start))) |")
    for projection in ProjectionSettings().projections() {
        let queue = try ProjectionDatabase.openScratch(path: root + "/one-\(projection.name).sqlite")
        let started = clock.now
        let last = try Rebuilder(logDirectory: logDirectory, engine: ProjectionEngine(projections: [projection])).build(
            into: queue)
        print(
            "| \(projection.name) alone (read + decode + SQL) | \(Int(Double(last) / seconds(clock.now - started))) |")
    }
}
print("")

// Live lag: durable appends at a steady 5,000 events/s, the projector following; lag = time from
// an append's return to the commit of the projection batch that holds it.
print("## Live projection lag at 5,000 events/s (fsync on)")
print("")
print("| run | events | p50 ms | p99 ms | max ms |")
print("|---:|---:|---:|---:|---:|")
var p50s: [Double] = []
var p99s: [Double] = []
for run in 0..<repeats {
    let directory = root + "/live-\(run)"
    let result = try blocking { try await liveLag(directory: directory, rate: 5_000, seconds: quick ? 4 : 10) }
    p50s.append(result.p50)
    p99s.append(result.p99)
    print(
        "| \(run + 1) | \(result.events) | \(result.p50, digits: 2) | \(result.p99, digits: 2) | "
            + "\(result.max, digits: 2) |"
    )
}
print("| median | | \(median(p50s), digits: 2) | \(median(p99s), digits: 2) | |")
