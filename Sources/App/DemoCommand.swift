import ArgumentParser
import Domain
import EventStore
import Foundation
import GRDB
import Projections

/// `clickunlock demo`. At this stage of the product it exercises the event log and the projections
/// end to end: it appends a burst of realistic webhook traffic from concurrent appenders (durably,
/// with group commit) while the projector follows the log, then prints what the projections and a
/// replay show. The HTTP service and the delivery saga join it as they are built.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the system locally on embedded defaults (today: the event log and projections, with sample webhook traffic).")

    @Option(name: .customLong("data-dir"), help: "Directory for the demo's data.") var dataDirectory = "./data/demo"
    @Option(help: "Webhooks to simulate.") var webhooks = 5000
    @Option(help: "Concurrent appenders (webhook requests in flight).") var concurrency = 64

    func validate() throws {
        guard webhooks > 0, concurrency > 0 else { throw ValidationError("--webhooks and --concurrency must be positive") }
    }

    func run() async throws {
        let logDirectory = dataDirectory + "/log"
        let log: EventLog
        do {
            log = try EventLog.open(
                directory: logDirectory,
                configuration: .init { $0.compressionDictionary = SampleTraffic.compressionDictionary() })
        } catch {
            throw reportFailure(error)
        }
        if log.recovery.cutSomething { print("recovery: \(log.recovery)") }
        let database: DatabasePool
        let projector: Projector
        do {
            database = try ProjectionDatabase.openPool(path: dataDirectory + "/projections.sqlite")
            projector = try Projector(log: log, database: database, engine: ProjectionEngine(projections: ProjectionSettings().projections()))
        } catch {
            printError("cannot open the projections: \(error)")
            throw ExitCodes.ioError
        }
        for reset in projector.resets { print("rebuilding projection \(reset)") }
        let projecting = Task { try await projector.run() }
        let before = log.lastPosition
        print("event log: \(logDirectory) (\(before) events already there)")
        print("appending \(webhooks) sample webhooks from \(concurrency) concurrent appenders, fsync on...")

        let clock = ContinuousClock()
        let started = clock.now
        let perTask = (webhooks + concurrency - 1) / concurrency
        let seed = UInt64(truncatingIfNeeded: before) &+ 42
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<concurrency {
                group.addTask {
                    var traffic = SampleTraffic(seed: seed &+ UInt64(task))
                    var appended = 0
                    for index in 0..<perTask where task * perTask + index < webhooks {
                        let webhook = traffic.next(receivedAt: Int64(Date.now.timeIntervalSince1970 * 1000))
                        try await log.append(webhook.events)
                        appended += webhook.events.count
                    }
                    return appended
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "appended \(total) events (\(webhooks) webhooks) in \(String(format: "%.2f", seconds)) s: "
                + "\(Int(Double(total) / max(seconds, 1e-9))) durable events/s")
        while projector.status().lag > 0 { try await Task.sleep(for: .milliseconds(10)) }
        projecting.cancel()
        _ = try? await projecting.value
        await log.close()
        try printProjections(database)

        let reader = try LogReader.open(directory: logDirectory)
        let stats = try reader.stats()
        print(
            "log: \(stats.events) events in \(stats.segments) segment(s), \(stats.bytesOnDisk) bytes on disk, "
                + "\(String(format: "%.1f", stats.compressionRatio))x smaller than uncompressed")
        let verify = try reader.verify()
        print("verify: \(verify.isSound ? "every batch is sound" : "\(verify.problems.count) problem(s)")")

        print("\nthe last button taps, as `clickunlock replay --format text --type button.` shows them:")
        let printer = EventPrinter(format: .text, includeRaw: false)
        var clicks: [RecordedEvent] = []
        var iterator = reader.events(from: reader.lastPosition > 400 ? reader.lastPosition - 400 : 1).makeAsyncIterator()
        while let event = try iterator.nextEvent() {
            guard event.type == EventType.buttonClicked.rawValue else { continue }
            clicks.append(event)
            if clicks.count > 5 { clicks.removeFirst() }
        }
        for event in clicks { print("  " + printer.line(for: event)) }
        print("\nexplore it: .build/debug/clickunlock replay --data-dir \(dataDirectory) --format text | less")
        print("            .build/debug/clickunlock rebuild --data-dir \(dataDirectory) --check")
        print("            sqlite3 \(dataDirectory)/projections.sqlite 'SELECT * FROM recent_events ORDER BY position DESC LIMIT 20'")
        print("            .build/debug/clickunlock log stats --data-dir \(dataDirectory)")
    }
}

extension DemoCommand {
    /// Today's totals and the busiest contacts, as the projections hold them.
    func printProjections(_ database: DatabasePool) throws {
        try database.read { db in
            let states = try ProjectionState.all(db)
            let applied = states.values.map(\.checkpoint).min() ?? 0
            print("\nprojections (applied up to position \(applied), \(states.values.reduce(0) { $0 + $1.skipped }) skipped):")
            let rows = try Row.fetchAll(
                db, sql: "SELECT metric, SUM(value) AS total FROM metrics_daily WHERE zone = 'UTC' AND dimension = '' GROUP BY metric ORDER BY metric")
            for row in rows { print("  \((row["metric"] as String).padding(toLength: 24, withPad: " ", startingAt: 0)) \(row["total"] as Int)") }
            let contacts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversations") ?? 0
            let open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversations WHERE window_open_until > ?", arguments: [Int64(Date.now.timeIntervalSince1970 * 1000)]) ?? 0
            print("  contacts: \(contacts), with the 24-hour window open: \(open)")
        }
    }
}
