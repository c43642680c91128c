import Domain
import EventStore
import Foundation
import GRDB
import MetaWebhook
import Projections
import Testing

/// A temporary data directory (log in `log/`) removed when the test ends.
final class TempData {
    let path: String

    init() {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("clickunlock-proj-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var log: String { path + "/log" }
    func file(_ name: String) -> String { path + "/" + name }
}

func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/webhooks/" + name, withExtension: nil))
    return [UInt8](try Data(contentsOf: url))
}

/// What ingestion will append for a webhook body: the raw hit, then its facts.
func webhookEvents(_ body: [UInt8]) -> [NewEvent] {
    let parsed = WebhookParser.parse(body)
    let hit = WebhookReceived(
        receivedAt: 0, remoteAddress: nil, signature: .valid, parse: parsed.understood ? .parsed : .unparsed,
        bodyBytes: body.count)
    return [hit.newEvent(attachment: body)] + parsed.facts
}

let allProjections = ProjectionSettings().projections()
let engine = ProjectionEngine(projections: allProjections)

/// Appends `appends` to a fresh log and rebuilds the projections from it into a new database.
func project(_ appends: [[NewEvent]], in data: TempData = TempData()) async throws -> (TempData, DatabaseQueue) {
    let log = try EventLog.open(directory: data.log, configuration: .init { $0.durability = .unsafeNone })
    for events in appends { try await log.append(events) }
    await log.close()
    let queue = try ProjectionDatabase.openScratch(path: data.file("rebuilt-\(UUID().uuidString).sqlite"))
    try Rebuilder(logDirectory: data.log, engine: engine).build(into: queue)
    return (data, queue)
}

func metric(_ db: DatabaseQueue, _ name: String, dimension: String = "", zone: String = "UTC") throws -> Int {
    try db.read {
        try Int.fetchOne(
            $0, sql: "SELECT SUM(value) FROM metrics_daily WHERE metric = ? AND dimension = ? AND zone = ?",
            arguments: [name, dimension, zone])
    } ?? 0
}

/// Every table of every projection, compared row by row.
func differences(_ first: some DatabaseReader, _ second: some DatabaseReader) throws -> [ProjectionComparison
    .Difference]
{
    try first.read { a in
        try second.read { b in
            try ProjectionComparison.compare(a, b, tables: allProjections.flatMap(\.tables) + ["projection_state"])
        }
    }
}

/// A synchronous read (inside async tests GRDB would pick its async overload).
func read<T>(_ db: some DatabaseReader, _ body: (Database) throws -> T) throws -> T {
    try db.read(body)
}

/// A synchronous write (inside async tests GRDB would pick its async overload).
func write<T>(_ db: some DatabaseWriter, _ body: (Database) throws -> T) throws -> T {
    try db.write(body)
}

/// Waits (yielding, never sleeping) until `condition` holds, running `meanwhile` between checks,
/// for at most `timeout` of real time. Returns whether it held.
@discardableResult
func waitUntil(
    timeout: Duration = .seconds(60), _ condition: () throws -> Bool, meanwhile: () async -> Void = {}
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try !condition() {
        guard clock.now < deadline else { return false }
        await meanwhile()
        await Task.yield()
    }
    return true
}

/// A projector running in a task of its own; a test waits on its committed batches.
final class Following: Sendable {
    private let task: Task<Void, any Error>
    private let batches: AsyncStream<UInt64>

    init(_ projector: Projector) {
        let (batches, continuation) = AsyncStream<UInt64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.batches = batches
        task = Task {
            defer { continuation.finish() }
            try await projector.run(onBatch: { continuation.yield($0) })
        }
    }

    /// Waits (suspended, never sleeping) until `condition` holds, checking it after each batch.
    func waitUntil(_ condition: () throws -> Bool) async rethrows {
        if try condition() { return }
        for await _ in batches where try condition() { return }
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
