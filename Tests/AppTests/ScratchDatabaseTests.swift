import Foundation
import Testing

/// A `rebuild` killed with SIGKILL leaves its scratch database (as large as the projections):
/// `doctor` reports it, and the next `rebuild` or `serve` start removes it, leaving a running
/// process's scratch database alone (unless written before the machine booted) and anything that
/// is not a regular file.
@Suite struct ScratchDatabaseTests {
    @Test func aKilledRebuildsScratchDatabaseIsReportedThenRemoved() async throws {
        let data = TempDataDirectory()
        _ = try await writeHistory(data, seed: 31, events: 100_000)

        let rebuild = Process()
        rebuild.executableURL = URL(fileURLWithPath: CLI.executable)
        rebuild.arguments = ["rebuild", "--data-dir", data.path]
        rebuild.standardOutput = FileHandle.nullDevice
        rebuild.standardError = FileHandle.nullDevice
        try rebuild.run()
        let scratch = data.path + "/projections.rebuild-\(rebuild.processIdentifier).sqlite"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: scratch), rebuild.isRunning, Date() < deadline {
            usleep(1_000)
        }
        kill(rebuild.processIdentifier, SIGKILL)
        rebuild.waitUntilExit()
        try #require(rebuild.terminationReason == .uncaughtSignal, "the rebuild finished before it could be killed")
        try #require(FileManager.default.fileExists(atPath: scratch))
        // A scratch database of a process that still runs (this one) is never touched...
        let running = data.path + "/projections.check-\(getpid()).sqlite"
        #expect(FileManager.default.createFile(atPath: running, contents: Data("in use".utf8)))
        // ...unless it was last written before the machine booted: that PID is another process's now.
        let beforeBoot = data.path + "/projections.rebuild-\(getpid()).sqlite"
        #expect(FileManager.default.createFile(atPath: beforeBoot, contents: Data("old".utf8)))
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 946_684_800)], ofItemAtPath: beforeBoot)
        // A directory is never one, whatever its name.
        let directory = data.path + "/projections.rebuild-\(Int32.max - 1).sqlite"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)

        let doctor = try DoctorCommandTests.doctor(data, DoctorCommandTests.environment())
        #expect(doctor.status("data_directory") == "warning", "\(doctor.result.stdout)")
        #expect(doctor.detail("data_directory").contains("2 scratch database(s) left by a killed rebuild"))
        #expect(doctor.detail("data_directory").contains(scratch))
        #expect(doctor.detail("data_directory").contains(beforeBoot))
        #expect(doctor.remedies("data_directory").contains("the next `clickunlock rebuild` or `serve` start"))

        let again = try CLI.run(["rebuild", "--data-dir", data.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("removed 2 scratch database(s) left by a killed rebuild"), "\(again.stderr)")
        #expect(again.stderr.contains("process \(rebuild.processIdentifier)"))
        #expect(!FileManager.default.fileExists(atPath: scratch))
        #expect(!FileManager.default.fileExists(atPath: beforeBoot))
        #expect(FileManager.default.fileExists(atPath: running))
        #expect(FileManager.default.fileExists(atPath: directory))
        let healthy = try DoctorCommandTests.doctor(data, DoctorCommandTests.environment())
        #expect(healthy.status("data_directory") == "ok", "\(healthy.result.stdout)")

        // `serve` removes one at start too (a process id above any pid_max: no process has it).
        let planted = data.path + "/projections.rebuild-\(Int32.max).sqlite"
        #expect(FileManager.default.createFile(atPath: planted, contents: Data(count: 4096)))
        #expect(FileManager.default.createFile(atPath: planted + "-wal", contents: Data(count: 4096)))
        let server = try ServeProcess(dataDirectory: data.path, secret: "scratch-test-secret")
        server.kill(SIGTERM)
        #expect(!FileManager.default.fileExists(atPath: planted))
        #expect(!FileManager.default.fileExists(atPath: planted + "-wal"))
        #expect(FileManager.default.fileExists(atPath: running))
    }
}
