import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import GRDB
import Projections
import Testing

/// Writes a random history to DATA/log.
func writeHistory(_ data: TempDataDirectory, seed: UInt64, events count: Int) async throws -> UInt64 {
    let log = try EventLog.open(directory: data.logPath, configuration: .init { $0.durability = .unsafeNone })
    var history = RandomHistory(seed: seed)
    var total = 0
    while total < count {
        let events = history.next()
        total += events.count
        try await log.append(events)
    }
    let last = log.lastPosition
    await log.close()
    return last
}

/// The checkpoints in DATA/projections.sqlite (empty when there is none yet).
func checkpoints(_ data: TempDataDirectory) -> [String: UInt64] {
    guard let queue = try? ProjectionDatabase.openReadOnly(path: data.path + "/projections.sqlite") else { return [:] }
    return ((try? queue.read { try ProjectionState.all($0) }) ?? [:]).mapValues(\.checkpoint)
}

/// Runs `clickunlock project` until every projection reaches `position` (or `killAfter` passes),
/// then kills it with SIGKILL. Records an issue, with the child's stderr, when the child exits by
/// itself or does not get there in time.
@discardableResult
func runProjector(
    _ data: TempDataDirectory, until position: UInt64?, killAfter milliseconds: Int? = nil
) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CLI.executable)
    process.arguments = ["project", "--data-dir", data.path]
    process.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let stderr = CLI.Collector(errors.fileHandleForReading)
    let started = Date()
    var reached = position == nil
    while true {
        usleep(20_000)
        if !process.isRunning { break }
        if let milliseconds, Date().timeIntervalSince(started) * 1000 >= Double(milliseconds) { break }
        let current = checkpoints(data)
        if let position, current.count == ProjectionSettings().projections().count,
            current.values.allSatisfy({ $0 >= position })
        {
            reached = true
            break
        }
        if Date().timeIntervalSince(started) > 300 { break }
    }
    let exitedAlone = !process.isRunning
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let output = String(decoding: stderr.wait(), as: UTF8.self)
    if exitedAlone {
        Issue.record("the projector exited by itself (status \(process.terminationStatus)): \(output.suffix(2000))")
    } else if !reached {
        let seconds = Int(Date().timeIntervalSince(started))
        let progress = "checkpoints \(checkpoints(data)); stderr: \(output.suffix(2000))"
        Issue.record("the projector did not reach position \(position ?? 0) in \(seconds) s; \(progress)")
    }
    return process
}

@Suite struct RebuildCommandTests {
    @Test func checkSaysIdenticalThenFindsATamperedRowAndRebuildRepairsIt() async throws {
        let data = TempDataDirectory()
        let last = try await writeHistory(data, seed: 21, events: 5_000)
        try runProjector(data, until: last)
        let check = try CLI.run(["rebuild", "--data-dir", data.path, "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("identical"))

        let live = try DatabaseQueue(path: data.path + "/projections.sqlite")
        try syncWrite(
            live,
            "UPDATE deliveries SET attempts = attempts + 100 "
                + "WHERE delivery_id = (SELECT MIN(delivery_id) FROM deliveries)")
        try live.close()
        let tampered = try CLI.run(["rebuild", "--data-dir", data.path, "--check"])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("deliveries: 2 row(s) differ"))
        #expect(tampered.stdout.contains("live only:") && tampered.stdout.contains("rebuilt only:"))

        let rebuild = try CLI.run(["rebuild", "--data-dir", data.path])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.stdout.contains("up to position \(last)"))
        #expect(try CLI.run(["rebuild", "--data-dir", data.path, "--check"]).status == 0)

        // One projection alone, the others kept.
        let one = try CLI.run(["rebuild", "--data-dir", data.path, "--projection", "conversations"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(try CLI.run(["rebuild", "--data-dir", data.path, "--check"]).status == 0)
    }

    @Test func pointInTimeGoesToAFileAndLeavesTheLiveOneAlone() async throws {
        let data = TempDataDirectory()
        _ = try await writeHistory(data, seed: 22, events: 3_000)
        let output = data.path + "/at-1000.sqlite"
        let result = try CLI.run(["rebuild", "--data-dir", data.path, "--until-position", "1000", "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let queue = try DatabaseQueue(path: output)
        #expect(try syncStates(queue).values.allSatisfy { $0.checkpoint == 1000 })
        #expect(!FileManager.default.fileExists(atPath: data.path + "/projections.sqlite"))
        let again = try CLI.run(["rebuild", "--data-dir", data.path, "--until-position", "10", "--output", output])
        #expect(again.status == 74)
        #expect(again.stderr.contains("exists"))
    }

    @Test func refusesToSwapUnderARunningServiceButChecksBesideIt() async throws {
        let data = TempDataDirectory()
        let last = try await writeHistory(data, seed: 23, events: 2_000)
        try runProjector(data, until: last)
        let log = try EventLog.open(directory: data.logPath)  // as the service would hold it
        let swap = try CLI.run(["rebuild", "--data-dir", data.path])
        #expect(swap.status == 75)
        #expect(swap.stderr.contains("service is running"))
        let check = try CLI.run(["rebuild", "--data-dir", data.path, "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        await log.close()
    }

    @Test func badArgumentsAndMissingLogs() throws {
        let data = TempDataDirectory()
        let missing = try CLI.run(["rebuild", "--data-dir", data.path])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no event log"))
        let name = try CLI.run(["rebuild", "--data-dir", data.path, "--projection", "nope"])
        #expect(name.status == 64)
        #expect(name.stderr.contains("metrics, conversations, realtime, recent_events, deliveries, templates"))
        let noOutput = try CLI.run(["rebuild", "--data-dir", data.path, "--until-position", "5"])
        #expect(noOutput.status == 64)
        #expect(noOutput.stderr.contains("--output"))
        let badTime = try CLI.run(["rebuild", "--data-dir", data.path, "--until-time", "noon", "--output", "/tmp/x"])
        #expect(badTime.status == 64)
    }
}

/// The projector is killed with SIGKILL at random moments (mid-batch, as it catches up on tens of
/// thousands of events) while the log grows; in the end the projections equal a rebuild.
@Suite struct ProjectorCrashTests {
    @Test func killedProjectorsLeaveProjectionsEqualToARebuild() async throws {
        let data = TempDataDirectory()
        var random = SplitMix64(seed: UInt64(Date.now.timeIntervalSince1970))
        var history = RandomHistory(seed: random.next())
        var last: UInt64 = 0
        var kills = 0
        for chunk in 0..<3 {
            // The log grows between projector runs (the child holds the log while it runs).
            let log = try EventLog.open(directory: data.logPath, configuration: .init { $0.durability = .unsafeNone })
            var added = 0
            while added < 34_000 {
                let events = history.next()
                added += events.count
                try await log.append(events)
            }
            last = log.lastPosition
            await log.close()
            for _ in 0..<3 {
                let process = try runProjector(data, until: nil, killAfter: 100 + Int(random.next() % 700))
                if process.terminationReason == .uncaughtSignal { kills += 1 }
            }
            if chunk == 2 { try runProjector(data, until: last) }
        }
        #expect(kills == 9)
        #expect(last >= 100_000)
        #expect(checkpoints(data).values.allSatisfy { $0 == last })
        let check = try CLI.run(["rebuild", "--data-dir", data.path, "--check"])
        #expect(check.status == 0, "\(check.stdout.prefix(2000))")
    }
}

/// Synchronous GRDB access from async tests (where GRDB would pick its async overloads).
func syncWrite(_ queue: DatabaseQueue, _ sql: String) throws {
    try queue.write { try $0.execute(sql: sql) }
}

func syncStates(_ queue: DatabaseQueue) throws -> [String: ProjectionState] {
    try queue.read { try ProjectionState.all($0) }
}
