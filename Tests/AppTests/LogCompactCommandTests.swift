import EventStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `clickunlock log compact`: killed with SIGKILL in the middle of a segment it leaves the old
/// segment byte for byte, and the log reads the same; run again, it finishes the job.
@Suite struct LogCompactCommandTests {
    /// 1,500 webhook-like events appended one at a time into 256 KiB segments (the first sealed).
    private func makeLog() async throws -> TempDataDirectory {
        let data = TempDataDirectory()
        let log = try EventLog.open(
            directory: data.logPath,
            configuration: .init {
                $0.segmentSize = 256 << 10
                $0.durability = .unsafeNone
            })
        for tag in 0..<1500 {
            let body =
                "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"10654\",\"changes\":[{\"value\":"
                + "{\"messages\":[{\"from\":\"1555\(tag % 89)\",\"id\":\"wamid.\(tag * 7919)\","
                + "\"type\":\"button\"}]}}]}]}"
            try await log.append(
                NewEvent(
                    type: "webhook.received", stream: "1555\(tag % 89)", data: Array("{\"n\":\(tag)}".utf8),
                    attachment: Array(body.utf8)))
        }
        await log.close()
        return data
    }

    private func readAll(_ directory: String) throws -> [RecordedEvent] {
        let reader = try LogReader.open(directory: directory)
        var iterator = reader.events(from: 1).makeAsyncIterator()
        var events: [RecordedEvent] = []
        while let event = try iterator.nextEvent() { events.append(event) }
        return events
    }

    private func segmentBytes(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".seg") {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return files
    }

    @Test func aKillMidSegmentLeavesTheOldSegmentAndTheNextRunFinishes() async throws {
        let data = try await makeLog()
        let before = try readAll(data.logPath)
        let original = try segmentBytes(data.logPath)
        let first = try #require(original.keys.sorted().first)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = [
            "log", "compact", "--data-dir", data.path, "--batch-bytes", "65536", "--pause-milliseconds", "5000",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first batch of the first segment is written (announced before its pause): kill.
        let line = out.fileHandleForReading.readLine()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(line == "batch")
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(FileManager.default.fileExists(atPath: data.logPath + "/" + first + ".compact"))
        #expect(try segmentBytes(data.logPath) == original)
        #expect(try readAll(data.logPath) == before)
        let verify = try CLI.run(["log", "verify", "--data-dir", data.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        let again = try CLI.run(["log", "compact", "--data-dir", data.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("compacted \(first)") && again.stdout.contains("codec: zstd"))
        let names = try FileManager.default.contentsOfDirectory(atPath: data.logPath)
        #expect(!names.contains { $0.hasSuffix(".compact") })
        let after = try segmentBytes(data.logPath)
        #expect(after.keys.sorted() == original.keys.sorted())
        #expect(after.values.reduce(0) { $0 + $1.count } < original.values.reduce(0) { $0 + $1.count })
        #expect(try readAll(data.logPath) == before)
        let replay = try CLI.run(["replay", "--data-dir", data.path])
        #expect(replay.status == 0 && replay.lines.count == before.count, "\(replay.stderr)")
    }

    @Test func refusesWhileTheLogIsOpenForWriting() async throws {
        let data = try await makeLog()
        let log = try EventLog.open(directory: data.logPath)
        let result = try CLI.run(["log", "compact", "--data-dir", data.path])
        await log.close()
        #expect(result.status == 75)
        #expect(result.stderr.contains("open for writing") && result.stderr.contains("log_compaction"))
    }
}

extension FileHandle {
    /// One line (without its newline), read byte by byte; `nil` at the end.
    fileprivate func readLine() -> String? {
        var bytes: [UInt8] = []
        while let byte = try? read(upToCount: 1), let first = byte.first {
            if first == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(first)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
