import EventStore
import Foundation
import Testing

/// `clickunlock log verify` and `clickunlock log repair` on a log with a damaged batch in the middle
/// of its active segment.
@Suite struct LogRepairCommandTests {
    /// 600 events in 60 batches; the stored length of the 31st batch gets a flipped high bit, and
    /// the index is gone (as after a crash before it was saved). Returns the damaged batch's offset.
    private func makeDamagedLog() async throws -> (TempDataDirectory, offset: Int) {
        let data = TempDataDirectory()
        let log = try EventLog.open(directory: data.logPath)
        for batch in 0..<60 {
            try await log.append(
                (0..<10).map { index in
                    NewEvent(
                        type: "test.item", stream: "s", data: Array("{\"index\":\(batch * 10 + index)}".utf8),
                        attachment: Array(repeating: UInt8(batch), count: 100))
                })
        }
        await log.close()
        try FileManager.default.removeItem(atPath: data.logPath + "/00000000000000000001.idx")
        let segment = data.logPath + "/00000000000000000001.seg"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        // 36-byte segment header (no dictionary), then batches: 48-byte header, stored length at 44.
        var offset = 36
        for _ in 0..<30 {
            offset += 48 + bytes[(offset + 44)..<(offset + 48)].reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        bytes[offset + 47] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        return (data, offset)
    }

    @Test func verifyNamesTheDamageAndRepairMendsItKeepingEveryPosition() async throws {
        let (data, offset) = try await makeDamagedLog()
        let verify = try CLI.run(["log", "verify", "--data-dir", data.path])
        #expect(verify.status == 2, "\(verify.stderr)")
        #expect(verify.stdout.contains("00000000000000000001.seg at byte offset \(offset)"))
        #expect(verify.stdout.contains("clickunlock log repair"))
        #expect(throws: EventLogError.self) { try EventLog.open(directory: data.logPath) }

        let repair = try CLI.run(["log", "repair", "--data-dir", data.path])
        #expect(repair.status == 0, "\(repair.stderr)")
        let quarantine = data.logPath + "/quarantine/00000000000000000001-\(offset).bin"
        #expect(repair.stdout.contains("00000000000000000001.seg at byte offset \(offset)"))
        #expect(repair.stdout.contains(quarantine))
        #expect(repair.stdout.contains("positions 301-310 now hold log.quarantined placeholder events"))
        #expect(FileManager.default.fileExists(atPath: quarantine))

        let after = try CLI.run(["log", "verify", "--data-dir", data.path])
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        #expect(after.stdout.contains("events: 600") && after.stdout.contains("log is sound"))
        let replay = try CLI.run(["replay", "--data-dir", data.path])
        #expect(replay.status == 0, "\(replay.stderr)")
        let objects = replay.lines.compactMap(jsonObject)
        #expect(objects.map { $0["position"] as? Int } == Array(1...600))
        let placeholders = objects.filter { $0["type"] as? String == "log.quarantined" }
        #expect(placeholders.map { $0["position"] as? Int } == Array(301...310))
        #expect(objects.filter { $0["type"] as? String == "test.item" }.count == 590)

        let again = try CLI.run(["log", "repair", "--data-dir", data.path])
        #expect(again.status == 0 && again.stdout.contains("nothing to repair"))
    }

    @Test func repairRefusesWhileTheLogIsHeldAndNamesAMissingLog() async throws {
        let (data, _) = try await makeDamagedLog()
        // The service cannot open this log; anything holding its LOCK stands in for it.
        let lock = try #require(try MaintenanceLock.acquire(directory: data.logPath))
        let busy = try CLI.run(["log", "repair", "--data-dir", data.path])
        #expect(busy.status == 75)
        #expect(busy.stderr.contains("open for writing"))
        withExtendedLifetime(lock) {}

        let missing = try CLI.run(["log", "repair", "--data-dir", "/nonexistent/clickunlock"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent/clickunlock/log"))
    }
}
