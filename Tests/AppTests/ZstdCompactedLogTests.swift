import Foundation
import Testing

/// A log compacted into Zstandard batches (`log compact`'s default) is read by every command as
/// before: `log verify`, `replay`, `rebuild`, `doctor`, `backup` and `restore`, `serve`'s start-up folds;
/// `--codec` and `--level` are checked.
@Suite struct ZstdCompactedLogTests {
    @Test func everyCommandReadsALogCompactedWithZstd() async throws {
        let data = TempDataDirectory()
        let last = try await writeHistory(data, seed: 18, events: 4000)
        let before = try BackupRestoreTests.events(data.logPath)

        let compact = try CLI.run(["log", "compact", "--data-dir", data.path, "--including-last"])
        #expect(compact.status == 0, "\(compact.stderr)")
        #expect(compact.stdout.contains("codec: zstd level 9") && compact.stdout.contains("compacted "))
        #expect(try BackupRestoreTests.events(data.logPath) == before)
        let again = try CLI.run(["log", "compact", "--data-dir", data.path, "--including-last"])
        #expect(again.status == 0 && again.stdout.contains("nothing to compact"), "\(again.stdout)")

        let verify = try CLI.run(["log", "verify", "--data-dir", data.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let replay = try CLI.run(["replay", "--data-dir", data.path])
        #expect(replay.status == 0 && replay.lines.count == Int(last), "\(replay.stderr)")
        let rebuild = try CLI.run(["rebuild", "--data-dir", data.path])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        let check = try CLI.run(["rebuild", "--check", "--data-dir", data.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let doctor = try CLI.run(["doctor", "--data-dir", data.path], environment: DoctorCommandTests.environment())
        #expect(doctor.stdout.contains("✓ Event log opens and verifies [log]"), "\(doctor.stdout)")

        let backups = TempDataDirectory()
        let backup = try CLI.run(["backup", "--data-dir", data.path, "--to", backups.path])
        #expect(backup.status == 0, "\(backup.stderr)")
        let target = backups.path + "/restored"
        let restore = try CLI.run(["restore", "--from", backups.path, "--data-dir", target])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try BackupRestoreTests.events(target + "/log") == before)

        // `serve` folds the saga and loads the dedupe index from the compacted log, then is ready.
        let server = try ServeProcess(dataDirectory: data.path, secret: "zstd-compacted-secret")
        server.kill(SIGTERM)
        #expect(server.process.terminationStatus == 0)
        #expect(try BackupRestoreTests.events(data.logPath).prefix(before.count) == before[...])
    }

    @Test func aCodecOrLevelOutsideWhatItTakesIsRefusedClearly() throws {
        let data = TempDataDirectory()
        let codec = try CLI.run(["log", "compact", "--data-dir", data.path, "--codec", "gzip"])
        #expect(codec.status == 64 && codec.stderr.contains("--codec must be zstd or lz4hc, not gzip"), "\(codec)")
        let level = try CLI.run(["log", "compact", "--data-dir", data.path, "--codec", "lz4hc", "--level", "19"])
        #expect(
            level.status == 64 && level.stderr.contains("--level must be 3 to 12 for --codec lz4hc, not 19"),
            "\(level)")
        let zstd = try CLI.run(["log", "compact", "--data-dir", data.path, "--level", "23"])
        #expect(zstd.status == 64 && zstd.stderr.contains("--level must be 1 to 22 for --codec zstd"), "\(zstd)")

        let path = data.path + "/config.json"
        try Data("{\"log_compaction_codec\": \"gzip\"}".utf8).write(to: URL(fileURLWithPath: path))
        let setting = try CLI.run(["serve", "--config", path], environment: [:])
        #expect(setting.status == 78)
        #expect(
            setting.stderr.contains("(log_compaction_codec)")
                && setting.stderr.contains("it must be one of zstd, lz4hc"),
            "\(setting.stderr)")
    }
}
