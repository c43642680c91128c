import EventStore
import Foundation
import Testing

@Suite struct DiskFullTests {
    @Test(arguments: [IOFaults.Operation.write, .sync])
    func aFailedWriteOrSyncFailsTheAppendsAndLeavesTheLogConsistent(_ operation: IOFaults.Operation) async throws {
        let dir = TempDirectory()
        let faults = IOFaults()
        let log = try EventLog.open(directory: dir.path, configuration: .init { $0.faults = faults })
        try await log.append([sampleEvent(1), sampleEvent(2)])
        faults.fail(operation)
        for attempt in 0..<3 {
            do {
                try await log.append([sampleEvent(10 + attempt), sampleEvent(20 + attempt)])
                Issue.record("append succeeded on a full disk")
            } catch {
                #expect(error.code == .io)
                #expect(error.isDiskFull)
                #expect(error.message.contains("free space"))
            }
        }
        #expect(log.lastPosition == 2)
        #expect(try await readAll(log).map(tag) == [1, 2])
        faults.clear()
        #expect(try await log.append([sampleEvent(3), sampleEvent(4)]) == 3..<5)
        await log.close()
        let reopened = try EventLog.open(directory: dir.path)
        #expect(!reopened.recovery.cutSomething)
        #expect(try await readAll(reopened).map(tag) == [1, 2, 3, 4])
        await reopened.close()
    }

    /// With zeros written ahead (the default) and without.
    @Test(arguments: [Int64(1 << 20), 0])
    func aWriteCutShortByAFullDiskLeavesNoPartialBatch(preallocation: Int64) async throws {
        let dir = TempDirectory()
        let faults = IOFaults()
        let log = try EventLog.open(
            directory: dir.path,
            configuration: .init {
                $0.faults = faults
                $0.preallocationBytes = preallocation
            })
        try await log.append(sampleEvent(1))
        let segment = dir.segmentFiles[0]
        let sizeBefore = dir.size(of: segment)
        faults.failWritesAfterPartial(bytes: 30)
        await #expect(throws: EventLogError.self) { try await log.append([sampleEvent(2), sampleEvent(3)]) }
        // The partial batch is cut (with it, the zeros ahead, written again by the next append).
        #expect(preallocation == 0 ? dir.size(of: segment) == sizeBefore : dir.size(of: segment) < sizeBefore)
        faults.clear()
        #expect(try await log.append(sampleEvent(4)) == 2)
        await log.close()
        let reopened = try EventLog.open(directory: dir.path)
        #expect(!reopened.recovery.cutSomething)
        #expect(try await readAll(reopened).map(tag) == [1, 4])
        await reopened.close()
    }

    @Test func whenTheRollbackItselfFailsTheNextAppendRepairsFirst() async throws {
        let dir = TempDirectory()
        let faults = IOFaults()
        let log = try EventLog.open(directory: dir.path, configuration: .init { $0.faults = faults })
        try await log.append(sampleEvent(1))
        faults.failWritesAfterPartial(bytes: 40)
        faults.fail(.truncate)
        await #expect(throws: EventLogError.self) { try await log.append(sampleEvent(2)) }
        // Still cannot truncate: the append fails rather than writing after the garbage.
        faults.fail(.write)
        await #expect(throws: EventLogError.self) { try await log.append(sampleEvent(3)) }
        faults.clear()
        #expect(try await log.append(sampleEvent(4)) == 2)
        await log.close()
        #expect(try readAll(dir.path).map(tag) == [1, 4])
    }

    /// A real full filesystem: a 256 KiB tmpfs (needs root to mount; skipped otherwise).
    @Test(.enabled(if: TinyFilesystem.canMount, "mounting a tmpfs needs root"))
    func aRealFullDiskAnswersWithAClearErrorAndRecoversWhenSpaceReturns() async throws {
        let mount = try TinyFilesystem(kilobytes: 256)
        defer { mount.unmount() }
        let ballast = mount.path + "/ballast"
        try Data(count: 96 * 1024).write(to: URL(fileURLWithPath: ballast))
        let log = try EventLog.open(directory: mount.path + "/log")
        var acknowledged: [Int] = []
        var failure: EventLogError?
        for tag in 0..<10_000 {
            do {
                try await log.append(sampleEvent(tag, size: 2000))
                acknowledged.append(tag)
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure)
        #expect(error.isDiskFull)
        #expect(!acknowledged.isEmpty)
        #expect(try await readAll(log).compactMap(tag) == acknowledged)
        try FileManager.default.removeItem(atPath: ballast)
        let position = try await log.append(sampleEvent(99_999, size: 2000))
        #expect(position == UInt64(acknowledged.count + 1))
        await log.close()
        let reopened = try EventLog.open(directory: mount.path + "/log")
        #expect(try await readAll(reopened).compactMap(tag) == acknowledged + [99_999])
        await reopened.close()
    }
}

/// A tmpfs mounted for one test.
struct TinyFilesystem {
    let path: String

    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        guard let probe = try? TinyFilesystem(kilobytes: 16) else { return false }
        probe.unmount()
        return true
    }()

    init(kilobytes: Int) throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("clickunlock-tinyfs-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let status = try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path])
        guard status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    func unmount() {
        _ = try? Self.run("/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
