import ClickUnlockTesting
import EventStore
import Foundation
import Testing

@Suite struct BackupRestoreTests {
    static let secret = ServeCrashTests.secret

    @Test func backupDuringFullSpeedIngestionRestoresEveryEarlierAcknowledgedWebhook() async throws {
        let data = TempDataDirectory()
        let backups = TempDataDirectory()
        let restored = TempDataDirectory()
        let server = try ServeProcess(dataDirectory: data.path, secret: Self.secret)
        let acked = Acknowledged()
        let seed = UInt64(Date.now.timeIntervalSince1970)
        let lanes = (0..<16).map { lane in
            Task {
                var traffic = SampleTraffic(seed: seed &+ UInt64(lane))
                while !acked.isStopped {
                    let body = traffic.next(receivedAt: Int64(Date().timeIntervalSince1970 * 1000)).body
                    if await server.post(body, signature: ServeCrashTests.sign(body)) == 200 { acked.add(body) }
                }
            }
        }
        // However the test ends, the lanes stop and the service goes (else they post for ever).
        defer {
            acked.stop()
            server.kill(SIGKILL)
        }
        try await awaitCondition("200 acknowledged webhooks", seconds: 180) { acked.snapshot().count >= 200 }
        // Everything acknowledged before the backup starts must be in it; posts go on meanwhile.
        let before = acked.snapshot()
        let arguments = ["backup", "--data-dir", data.path, "--to", backups.path]
        let backup = try await Task.detached { try CLI.run(arguments) }.value
        let duringBackup = acked.snapshot().count - before.count
        acked.stop()
        for lane in lanes { await lane.value }
        server.kill(SIGTERM)
        #expect(backup.status == 0, "backup failed: \(backup.stderr)")
        #expect(backup.stdout.contains("backup complete"), "\(backup.stdout)")

        // Into a directory that is not empty: refused, nothing written.
        let refused = try CLI.run(["restore", "--from", backups.path, "--data-dir", data.path])
        #expect(refused.status == 73)
        #expect(refused.stderr.contains("is not empty"), "\(refused.stderr)")

        let target = restored.path + "/new"
        let restore = try CLI.run(["restore", "--from", backups.path, "--data-dir", target])
        #expect(restore.status == 0, "restore failed: \(restore.stderr)")
        #expect(try CLI.run(["log", "verify", "--data-dir", target]).status == 0)
        let check = try CLI.run(["rebuild", "--check", "--data-dir", target])
        #expect(check.status == 0, "restored projections differ from a rebuild: \(check.stdout) \(check.stderr)")

        // The restored log is the live log's prefix, and holds every webhook acknowledged before.
        let copy = try Self.events(target + "/log")
        let live = try Self.events(data.logPath)
        #expect(!copy.isEmpty && copy.count <= live.count)
        #expect(copy == Array(live.prefix(copy.count)), "the restored log is not a prefix of the live log")
        let bodies = Set(copy.filter { $0.type == "webhook.received" }.map(\.attachment))
        let missing = before.filter { !bodies.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(before.count) webhooks acknowledged before the backup are lost")
        print("backup during ingestion: \(before.count) acked before, \(duringBackup) during; cut at \(copy.count)")

        // serve continues on the restored directory, after the backup's position.
        let resumed = try ServeProcess(dataDirectory: target, secret: Self.secret)
        var traffic = SampleTraffic(seed: seed &+ 99)
        let body = traffic.next(receivedAt: Int64(Date().timeIntervalSince1970 * 1000)).body
        #expect(await resumed.post(body, signature: ServeCrashTests.sign(body)) == 200)
        resumed.kill(SIGTERM)
        let after = try Self.events(target + "/log")
        #expect(after.dropFirst(copy.count).contains { $0.type == "webhook.received" && $0.attachment == body })
        // The projector continued from the backed-up checkpoint: still equal to a rebuild.
        let again = try CLI.run(["rebuild", "--check", "--data-dir", target])
        #expect(again.status == 0, "after serve on the restored directory: \(again.stdout) \(again.stderr)")
    }

    @Test func aKilledBackupNeverLooksCompleteAndTheNextOneSucceedsIncrementally() async throws {
        let data = TempDataDirectory()
        let backups = TempDataDirectory()
        try Self.writeLog(data.path, segments: 10)

        var killedMidway = false
        for _ in 0..<20 where !killedMidway {
            let process = try Self.start(["backup", "--data-dir", data.path, "--to", backups.path])
            // Kill it once it has begun copying segments (and before it could have verified them).
            try await awaitCondition("the backup to start copying") {
                !process.isRunning || Self.partialSegments(backups.path) > 0
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            killedMidway = process.terminationReason == .uncaughtSignal
            if !killedMidway {
                // It finished (0.2 s on an idle machine) before the kill landed: clear it and try again.
                try FileManager.default.removeItem(atPath: backups.path)
                try FileManager.default.createDirectory(atPath: backups.path, withIntermediateDirectories: true)
            }
        }
        try #require(killedMidway, "the backup always finished before it could be killed")
        #expect(Self.manifests(backups.path).isEmpty, "a killed backup left a MANIFEST.json")
        let none = try CLI.run(["restore", "--from", backups.path, "--data-dir", backups.path + "/r0"])
        #expect(none.status == 66)
        #expect(none.stderr.contains("no complete backup"), "\(none.stderr)")

        let first = try CLI.run(["backup", "--data-dir", data.path, "--to", backups.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("did not finish"), "the incomplete backup was not removed: \(first.stderr)")
        let second = try CLI.run(["backup", "--data-dir", data.path, "--to", backups.path])
        #expect(second.status == 0, "\(second.stderr)")
        let manifests = Self.manifests(backups.path)
        try #require(manifests.count == 2)
        // The second links every sealed segment from the first: same name, same checksum.
        let segments = try #require(manifests[1]["segments"] as? [[String: Any]])
        let sealed = segments.filter { $0["sealed"] as? Bool == true }
        #expect(sealed.count >= 9 && sealed.allSatisfy { $0["copied"] as? Bool == false })

        let target = backups.path + "/restored"
        #expect(try CLI.run(["restore", "--from", backups.path, "--data-dir", target]).status == 0)
        #expect(try CLI.run(["log", "verify", "--data-dir", target]).status == 0)
        #expect(try Self.events(target + "/log") == Self.events(data.logPath))
    }

    /// Snapshots at or before the log cut go into the backup and come back with the restore (a log
    /// whose first segments were archived cannot start without them); a later one is left out.
    @Test func snapshotsWithinTheCutAreBackedUpAndRestored() async throws {
        let data = TempDataDirectory()
        let backups = TempDataDirectory()
        try Self.writeLog(data.path, segments: 1)
        let last = try #require(try Self.events(data.logPath).last?.position)
        try FileManager.default.createDirectory(atPath: data.path + "/snapshots", withIntermediateDirectories: true)
        let within = "saga-" + String(format: "%020llu", last) + ".snap"
        let beyond = "saga-" + String(format: "%020llu", last + 1000) + ".snap"
        let bytes = Data((0..<300).map { UInt8($0 % 251) })
        try bytes.write(to: URL(fileURLWithPath: data.path + "/snapshots/" + within))
        try bytes.write(to: URL(fileURLWithPath: data.path + "/snapshots/" + beyond))

        let backup = try CLI.run(["backup", "--data-dir", data.path, "--to", backups.path])
        #expect(backup.status == 0, "\(backup.stderr)")
        let files = try #require(Self.manifests(backups.path).first?["files"] as? [[String: Any]])
        let paths = Set(files.compactMap { $0["path"] as? String })
        #expect(paths.contains("snapshots/" + within))
        #expect(!paths.contains("snapshots/" + beyond), "a snapshot past the cut was backed up")

        let target = backups.path + "/restored"
        let restore = try CLI.run(["restore", "--from", backups.path, "--data-dir", target])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(FileManager.default.contents(atPath: target + "/snapshots/" + within) == bytes)
    }

    // MARK: Helpers

    struct Recorded: Equatable {
        var position: UInt64
        var type: String
        var data: [UInt8]
        var attachment: [UInt8]
    }

    static func events(_ directory: String) throws -> [Recorded] {
        var iterator = try LogReader.open(directory: directory).events().makeAsyncIterator()
        var out: [Recorded] = []
        while let event = try iterator.nextEvent() {
            out.append(
                Recorded(position: event.position, type: event.type, data: event.data, attachment: event.attachment))
        }
        return out
    }

    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A log of `segments` sealed segments (and an active one), written by `log crash-writer`.
    static func writeLog(_ dataDirectory: String, segments: Int) throws {
        let writer = try start(["log", "crash-writer", "--data-dir", dataDirectory, "--segment-size", "200000"])
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && writer.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory + "/log")) ?? []
            if names.filter({ $0.hasSuffix(".seg") }).count > segments { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
    }

    /// Segment files in backups that have no manifest yet.
    static func partialSegments(_ directory: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter {
            $0.hasPrefix("backup-") && !FileManager.default.fileExists(atPath: "\(directory)/\($0)/MANIFEST.json")
        }
        .map { ((try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/\($0)/log")) ?? []).count }
        .reduce(0, +)
    }

    /// The manifests of the complete backups, oldest first.
    static func manifests(_ directory: String) -> [[String: Any]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        return names.compactMap { name in
            FileManager.default.contents(atPath: "\(directory)/\(name)/MANIFEST.json")
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
    }
}

/// Polls `condition` until it holds, failing after `seconds`.
private func awaitCondition(_ what: String, seconds: Double = 60, _ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else {
            Issue.record("timed out waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}
