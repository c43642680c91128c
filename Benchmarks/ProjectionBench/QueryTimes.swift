import BenchSupport
import Domain
import Foundation
import GRDB
import Projections

/// The dashboard's queries over a database built from `logDirectory`: per query, the time of one
/// call inside a read transaction (p50, p99) and calls per second on one thread.
/// Without `logDirectory`, over the database already at `databasePath`.
func queryTimes(logDirectory: String?, databasePath: String, calls: Int) throws {
    if let logDirectory {
        let scratch = try ProjectionDatabase.openScratch(path: databasePath)
        try Rebuilder(
            logDirectory: logDirectory, engine: ProjectionEngine(projections: ProjectionSettings().projections())
        ).build(into: scratch)
        try ProjectionDatabase.seal(scratch)
        try scratch.close()
    }
    let pool = try ProjectionDatabase.openPool(path: databasePath)
    let (now, day, contact, delivery) = try pool.read { db in
        let now = try Int64.fetchOne(db, sql: "SELECT MAX(time) FROM recent_events") ?? 0
        let contact = try String.fetchOne(db, sql: "SELECT contact FROM conversations ORDER BY inbound_count DESC")
        let delivery = try String.fetchOne(db, sql: "SELECT delivery_id FROM deliveries WHERE state = 'completed'")
        return (now, String(LogTime.rfc3339(milliseconds: now).prefix(10)), contact ?? "", delivery ?? "")
    }
    let last = try pool.read { db in try Dashboard.position(db) }
    let samples = try pool.read { db in
        try Int.fetchOne(
            db,
            sql: "SELECT SUM(count) FROM metrics_latency WHERE day = ? AND zone = 'UTC'"
                + " AND dimension = '' AND level = 0", arguments: [day]) ?? 0
    }
    print("## Dashboard queries over \(last) events (day \(day): \(samples) latency samples)")
    print("")
    print("| query | p50 µs | p99 µs | calls/s (one thread) |")
    print("|---|---:|---:|---:|")
    let queries: [(String, (Database) throws -> Void)] = [
        ("metrics (one day)", { db in _ = try Dashboard.metrics(db, from: day, to: day, zone: "UTC") }),
        (
            "metrics (a day without events)",
            { db in
                _ = try Dashboard.metrics(db, from: "2020-01-01", to: "2020-01-01", zone: "UTC")
            }
        ),
        (
            "metrics (one day) as jsonMembers",
            { db in
                _ = try Dashboard.metrics(db, from: day, to: day, zone: "UTC").jsonMembers
            }
        ),
        ("stats/realtime as jsonMembers", { db in _ = try Dashboard.realtime(db, now: now).jsonMembers }),
        (
            "health as jsonMembers",
            { db in
                _ = try Dashboard.projectionsHealth(db, now: now, sagaEnabled: true).jsonMembers
            }
        ),
        (
            "metrics (one day) as JSONEncoder",
            { db in
                _ = try JSONEncoder().encode(Dashboard.metrics(db, from: day, to: day, zone: "UTC"))
            }
        ),
        ("health (projections' part)", { db in _ = try Dashboard.projectionsHealth(db, now: now, sagaEnabled: true) }),
        ("stats/realtime", { db in _ = try Dashboard.realtime(db, now: now) }),
        ("position", { db in _ = try Dashboard.position(db) }),
        ("conversations (50)", { db in _ = try Dashboard.conversations(db, limit: 50) }),
        ("conversations q= (50)", { db in _ = try Dashboard.conversations(db, limit: 50, query: "9000012") }),
        ("conversation detail", { db in _ = try Dashboard.conversation(db, contact: contact, limit: 200) }),
        ("deliveries (50)", { db in _ = try Dashboard.deliveries(db, filter: DeliveryFilter(), limit: 50) }),
        (
            "deliveries state=sending (50)",
            { db in
                _ = try Dashboard.deliveries(db, filter: DeliveryFilter(state: "sending", day: day), limit: 50)
            }
        ),
        ("delivery detail", { db in _ = try Dashboard.delivery(db, id: delivery) }),
        ("events/recent (100)", { db in _ = try Dashboard.recentEvents(db, limit: 100) }),
        ("templates (one day)", { db in _ = try Dashboard.templates(db, from: day, to: day, zone: "UTC") }),
        (
            "metrics (7 days)",
            { db in
                let first = String(LogTime.rfc3339(milliseconds: now - 6 * 86_400_000).prefix(10))
                _ = try Dashboard.metrics(db, from: first, to: day, zone: "UTC")
            }
        ),
    ]
    let clock = ContinuousClock()
    for (name, query) in queries {
        var times: [Double] = []
        times.reserveCapacity(calls)
        let started = clock.now
        for _ in 0..<calls {
            let start = clock.now
            try pool.read { db in try query(db) }
            times.append(seconds(clock.now - start) * 1e6)
        }
        let total = seconds(clock.now - started)
        times.sort()
        print(
            "| \(name) | \(Int(times[times.count / 2])) | \(Int(times[times.count * 99 / 100])) | "
                + "\(Int(Double(calls) / total)) |")
    }
    print("")
}
