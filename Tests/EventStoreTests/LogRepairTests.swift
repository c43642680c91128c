import EventStore
import Foundation
import Testing

@Suite struct LogRepairTests {
    /// Checks a repaired log against `all`: every event outside `lost` as it was, at its position;
    /// those in `lost` placeholders naming `quarantine`; time never going back; verify sound.
    private func expectRepaired(
        _ dir: TempDirectory, _ all: [RecordedEvent], lost: [ClosedRange<UInt64>], quarantine: [String]
    ) throws {
        let read = try readAll(dir.path)
        #expect(read.count == all.count)
        #expect(read.map(\.position) == Array(1...UInt64(all.count)))
        for (event, original) in zip(read, all) {
            if let range = lost.firstIndex(where: { $0.contains(event.position) }) {
                #expect(event.type == LogRepair.placeholderType)
                #expect(String(decoding: event.data, as: UTF8.self).contains("\"quarantine\":\"\(quarantine[range])\""))
                let object = try #require(JSONSerialization.jsonObject(with: Data(event.data)) as? [String: Any])
                #expect(object["reason"] is String && object["offset"] is Int)
            } else if event != original {
                Issue.record("position \(event.position) changed in the repair")
                return
            }
        }
        #expect(zip(read, read.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
        let report = try LogReader.open(directory: dir.path).verify()
        #expect(report.isSound, "\(report.problems)")
        #expect(report.events == UInt64(all.count))
    }

    /// The writer opens the repaired log without cutting anything, and appends after it.
    private func expectWritable(_ dir: TempDirectory, count: Int) async throws {
        let log = try EventLog.open(directory: dir.path)
        #expect(!log.recovery.cutSomething)
        #expect(log.lastPosition == UInt64(count))
        #expect(try await log.append(sampleEvent(9999)) == UInt64(count + 1))
        await log.close()
        #expect(try readAll(dir.path).count == count + 1)
        #expect(try LogReader.open(directory: dir.path).verify().isSound)
    }

    @Test(arguments: BatchDamage.allCases)
    func repairQuarantinesTheDamagedBatchAndKeepsEveryPosition(_ damage: BatchDamage) async throws {
        let (dir, all, frames) = try await makeLogWithUnverifiedTail()
        let segment = dir.segmentFiles[0]
        let damaged = frames[frames.count / 2]
        try damage.apply(to: dir.file(segment), at: damaged)
        let range = Int(damaged.offset)..<Int(damaged.offset + damaged.length)
        let damagedBytes = Array(try fileBytes(dir.file(segment))[range])

        let report = try LogRepair.repair(directory: dir.path)
        #expect(report.rewrittenSegments == [segment])
        #expect(report.actions.count == 1)
        let action = try #require(report.actions.first)
        #expect(action.kind == .quarantined)
        #expect(action.segment == segment && action.offset == damaged.offset && action.bytes == damaged.length)
        #expect(action.positions == positions(of: damaged))
        let file = "quarantine/00000000000000000001-\(damaged.offset).bin"
        #expect(action.quarantineFile == dir.file(file))
        #expect(try fileBytes(dir.file(file)) == damagedBytes)
        #expect(dir.indexFiles.isEmpty)

        try expectRepaired(dir, all, lost: [positions(of: damaged)], quarantine: [file])
        try await expectWritable(dir, count: all.count)
        // The quarantine is kept, and a second repair finds nothing to do.
        #expect(try fileBytes(dir.file(file)) == damagedBytes)
        #expect(try LogRepair.repair(directory: dir.path).foundNothing)
    }

    @Test func repairMendsSealedSegmentsAndSeveralDamagedStretches() async throws {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path, configuration: .testing(segmentSize: 24 * 1024))
        for batch in 0..<200 { try await log.append((0..<5).map { sampleEvent(batch * 5 + $0, size: 60) }) }
        await log.close()
        let all = try readAll(dir.path)
        let segments = dir.segmentFiles
        #expect(segments.count >= 4)
        let first = try FormatProbe.frames(of: dir.file(segments[0]))
        let second = try FormatProbe.frames(of: dir.file(segments[1]))
        let active = try FormatProbe.frames(of: dir.file(segments[segments.count - 1]))
        #expect(active.count > 6)
        // In the middle of a sealed segment (covered by its index, so opening does not see it),
        // at the very end of a sealed segment, and two apart in the active one.
        try BatchDamage.checksumMismatch.apply(to: dir.file(segments[0]), at: first[3])
        try BatchDamage.storedLengthHighBit.apply(to: dir.file(segments[1]), at: second[second.count - 1])
        try BatchDamage.badMagic.apply(to: dir.file(segments[segments.count - 1]), at: active[1])
        try BatchDamage.impossibleLength.apply(to: dir.file(segments[segments.count - 1]), at: active[4])
        #expect(try !LogReader.open(directory: dir.path).verify().isSound)

        let report = try LogRepair.repair(directory: dir.path)
        #expect(report.segments == segments.count)
        #expect(report.rewrittenSegments == [segments[0], segments[1], segments[segments.count - 1]])
        let damaged = [first[3], second[second.count - 1], active[1], active[4]]
        #expect(report.actions.map(\.offset) == damaged.map(\.offset))
        #expect(report.actions.allSatisfy { $0.kind == .quarantined })
        let lost = damaged.map(positions(of:))
        #expect(report.actions.map(\.positions) == lost)
        let files = report.actions.map { String($0.quarantineFile!.dropFirst(dir.path.count + 1)) }
        try expectRepaired(dir, all, lost: lost, quarantine: files)
        try await expectWritable(dir, count: all.count)
    }

    @Test func aTrueTornTailIsCutAsOpeningWouldCutIt() async throws {
        let (dir, all, frames) = try await makeLogWithUnverifiedTail()
        let segment = dir.segmentFiles[0]
        let last = frames[frames.count - 1]
        truncateFile(dir.file(segment), to: last.offset + last.length / 2)
        let torn = try fileBytes(dir.file(segment))
        let copy = TempDirectory()
        for name in dir.segmentFiles + dir.indexFiles {
            try FileManager.default.copyItem(atPath: dir.file(name), toPath: copy.file(name))
        }

        let report = try LogRepair.repair(directory: dir.path)
        let action = try #require(report.actions.first)
        #expect(report.actions.count == 1 && action.kind == .cutTornTail)
        #expect(action.offset == last.offset && action.bytes == last.length / 2 && action.positions == nil)
        #expect(try fileBytes(try #require(action.quarantineFile)) == Array(torn[Int(last.offset)...]))
        #expect(dir.size(of: segment) == last.offset)
        #expect(try readAll(dir.path) == Array(all.dropLast(last.count)))

        // Exactly what opening the log does.
        let opened = try EventLog.open(directory: copy.path)
        #expect(opened.recovery.truncatedBytes == last.length / 2)
        await opened.close()
        #expect(try fileBytes(copy.file(segment)) == fileBytes(dir.file(segment)))
        try await expectWritable(dir, count: all.count - last.count)
    }

    /// Several segments of 5-event batches; their frames.
    private func makeSegmentedLog() async throws -> (TempDirectory, [RecordedEvent], [[FormatProbe.Frame]]) {
        let dir = TempDirectory()
        let log = try EventLog.open(directory: dir.path, configuration: .testing(segmentSize: 8 * 1024))
        for batch in 0..<60 { try await log.append((0..<5).map { sampleEvent(batch * 5 + $0, size: 60) }) }
        await log.close()
        return (dir, try readAll(dir.path), try dir.segmentFiles.map { try FormatProbe.frames(of: dir.file($0)) })
    }

    @Test func aLastSegmentWhoseHeaderIsCutShortIsRemovedAsOpeningWould() async throws {
        let (dir, all, frames) = try await makeSegmentedLog()
        let last = dir.segmentFiles[dir.segmentFiles.count - 1]
        truncateFile(dir.file(last), to: 20)
        let head = try fileBytes(dir.file(last))
        let report = try LogRepair.repair(directory: dir.path)
        let action = try #require(report.actions.first)
        #expect(report.actions.count == 1 && action.kind == .removedIncompleteSegment && action.segment == last)
        #expect(try fileBytes(try #require(action.quarantineFile)) == head)
        #expect(!dir.segmentFiles.contains(last))
        let kept = all.count - frames[frames.count - 1].reduce(0) { $0 + $1.count }
        #expect(try readAll(dir.path) == Array(all.prefix(kept)))
        try await expectWritable(dir, count: kept)
    }

    @Test func anIndexThatDisagreesWithItsSegmentIsRemoved() async throws {
        let (dir, all, _) = try await makeSegmentedLog()
        // The first segment's index, with its last position (offset 24) one too far, checksum valid.
        let index = dir.file(dir.indexFiles[0])
        var bytes = try fileBytes(index)
        bytes.store(UInt64(bytes.u32(at: 24)) + 1, at: 24)
        bytes.store(TestCRC32C.checksum(bytes[0..<(bytes.count - 4)]), at: bytes.count - 4)
        try Data(bytes).write(to: URL(fileURLWithPath: index))
        #expect(throws: EventLogError.self) { try LogReader.open(directory: dir.path) }

        let report = try LogRepair.repair(directory: dir.path)
        #expect(report.actions.isEmpty && report.rewrittenSegments.isEmpty)
        #expect(report.removedIndexes == ["00000000000000000001.idx"])
        #expect(!report.foundNothing && report.description.contains("00000000000000000001.idx"))
        #expect(try readAll(dir.path) == all)
        try await expectWritable(dir, count: all.count)
    }

    @Test func aBatchWhoseRecordsDoNotDecodeIsQuarantinedToo() async throws {
        let (dir, all, frames) = try await makeSegmentedLog()
        let segment = dir.segmentFiles[1]
        let damaged = frames[1][2]
        // A stored byte changed and the checksum made valid again: only decoding finds it.
        var bytes = try fileBytes(dir.file(segment))
        bytes[Int(damaged.offset) + 48] ^= 0xFF
        bytes.resealBatch(at: Int(damaged.offset), storedLength: Int(damaged.length) - 48)
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file(segment)))
        #expect(try !LogReader.open(directory: dir.path).verify().isSound)

        let report = try LogRepair.repair(directory: dir.path)
        let action = try #require(report.actions.first)
        #expect(report.actions.count == 1 && action.offset == damaged.offset && action.bytes == damaged.length)
        #expect(action.reason == "records do not decode" && action.positions == positions(of: damaged))
        let file = try #require(action.quarantineFile)
        let relative = String(file.dropFirst(dir.path.count + 1))
        try expectRepaired(dir, all, lost: [positions(of: damaged)], quarantine: [relative])
        try await expectWritable(dir, count: all.count)
    }

    @Test func aSoundLogIsLeftAlone() async throws {
        let (dir, _, _) = try await makeLogWithUnverifiedTail()
        let segment = dir.segmentFiles[0]
        let before = try fileBytes(dir.file(segment))
        let report = try LogRepair.repair(directory: dir.path)
        #expect(report.foundNothing && report.segments == 1)
        #expect(report.description.contains("nothing to repair"))
        #expect(try fileBytes(dir.file(segment)) == before)
        #expect(dir.indexFiles.count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.file("quarantine")))
    }

    @Test func repairRefusesWhileTheLogIsOpenForWriting() async throws {
        let (dir, _, frames) = try await makeLogWithUnverifiedTail()
        let log = try EventLog.open(directory: dir.path)
        try BatchDamage.checksumMismatch.apply(to: dir.file(dir.segmentFiles[0]), at: frames[10])
        let before = try fileBytes(dir.file(dir.segmentFiles[0]))
        #expect { try LogRepair.repair(directory: dir.path) } throws: { error in
            (error as? EventLogError)?.code == .locked
        }
        #expect(try fileBytes(dir.file(dir.segmentFiles[0])) == before)
        await log.close()
        #expect(try LogRepair.repair(directory: dir.path).actions.count == 1)
    }

    @Test func aMissingLogIsNotFound() throws {
        #expect { try LogRepair.repair(directory: "/nonexistent/clickunlock/log") } throws: { error in
            (error as? EventLogError)?.code == .notFound
        }
    }
}
