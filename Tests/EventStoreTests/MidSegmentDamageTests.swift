import EventStore
import Foundation
import Testing

/// A damaged batch in the middle of the active segment, with sound batches after it: never taken
/// for a torn tail, never cut.
@Suite struct MidSegmentDamageTests {
    @Test(arguments: BatchDamage.allCases)
    func theWriterRefusesToOpenAndCutsNothing(_ damage: BatchDamage) async throws {
        let (dir, _, frames) = try await makeLogWithUnverifiedTail()
        let segment = dir.segmentFiles[0]
        let damaged = frames[frames.count / 2]
        try damage.apply(to: dir.file(segment), at: damaged)
        let before = try fileBytes(dir.file(segment))

        do {
            let log = try EventLog.open(directory: dir.path)
            Issue.record("opened for writing over a damaged batch; recovery: \(log.recovery)")
            await log.close()
        } catch {
            #expect(error.code == .corruption)
            #expect(error.segment == segment)
            #expect(error.offset == damaged.offset)
            #expect(error.message.contains(segment) && error.message.contains("offset \(damaged.offset)"))
            #expect(error.message.contains("clickunlock log verify"))
            #expect(error.message.contains("clickunlock log repair"))
        }
        #expect(try fileBytes(dir.file(segment)) == before)
    }

    @Test(arguments: BatchDamage.allCases)
    func readersReportTheDamageInsteadOfIgnoringIt(_ damage: BatchDamage) async throws {
        let (dir, all, frames) = try await makeLogWithUnverifiedTail()
        let segment = dir.segmentFiles[0]
        let damaged = frames[frames.count / 2]
        try damage.apply(to: dir.file(segment), at: damaged)
        let before = try fileBytes(dir.file(segment))

        let reader = try LogReader.open(directory: dir.path)
        #expect(reader.recovery.truncatedBytes == 0)
        #expect(reader.recovery.damaged.map(\.offset) == [damaged.offset])
        #expect(reader.recovery.damaged.first?.positions == positions(of: damaged))
        #expect(reader.lastPosition == UInt64(all.count))

        let report = try reader.verify()
        #expect(!report.isSound)
        #expect(report.problems.first?.segment == segment)
        #expect(report.problems.first?.offset == damaged.offset)

        do {
            _ = try readAll(dir.path)
            Issue.record("read past a damaged batch without an error")
        } catch let error as EventLogError {
            #expect(error.code == .corruption)
            #expect(error.segment == segment && error.offset == damaged.offset)
        }
        let (read, skipped) = try readAllSkippingCorrupt(dir.path)
        #expect(read == all.filter { !positions(of: damaged).contains($0.position) })
        #expect(skipped.contains { $0.offset == damaged.offset })
        #expect(try fileBytes(dir.file(segment)) == before)
    }

    /// The issue's reproduction: 6,000 acknowledged events, a flipped high bit in the stored length
    /// of a batch in the middle; before, opening cut ~3,000 of them as "never acknowledged".
    @Test func aDamagedLengthInTheMiddleLosesNothing() async throws {
        let (dir, all, frames) = try await makeLogWithUnverifiedTail()
        let damaged = frames[frames.count / 2]
        try BatchDamage.storedLengthHighBit.apply(to: dir.file(dir.segmentFiles[0]), at: damaged)
        #expect(throws: EventLogError.self) { try EventLog.open(directory: dir.path) }
        let (read, _) = try readAllSkippingCorrupt(dir.path)
        #expect(read.count == all.count - damaged.count)
        #expect(read.last == all.last)
    }

    /// Found by the fuzz test: with the first batch of a segment damaged, the index a reader built
    /// began after it, and a read from position 1 started there without a word.
    @Test func damageInTheFirstBatchStopsAReadFromTheStart() async throws {
        let (dir, all, frames) = try await makeLogWithUnverifiedTail()
        for index in dir.indexFiles { try FileManager.default.removeItem(atPath: dir.file(index)) }
        try BatchDamage.checksumMismatch.apply(to: dir.file(dir.segmentFiles[0]), at: frames[0])
        do {
            let read = try readAll(dir.path)
            Issue.record("read \(read.count) events from position \(read.first?.position ?? 0) past the damage")
        } catch let error as EventLogError {
            #expect(error.code == .corruption && error.offset == frames[0].offset)
        }
        let (read, skipped) = try readAllSkippingCorrupt(dir.path)
        #expect(read == Array(all.dropFirst(frames[0].count)))
        #expect(skipped.contains { $0.offset == frames[0].offset })
        #expect(try readAll(dir.path, from: 21).count == all.count - 20)
    }

    @Test func aTornTailIsStillCutExactlyAsBefore() async throws {
        let (dir, all, frames) = try await makeLogWithUnverifiedTail()
        let segment = dir.segmentFiles[0]
        let last = frames[frames.count - 1]
        // The last batch's stored length damaged: it runs past the end, and nothing sound follows.
        try BatchDamage.storedLengthHighBit.apply(to: dir.file(segment), at: last)
        let reader = try LogReader.open(directory: dir.path)
        #expect(reader.recovery.truncatedBytes == last.length)
        #expect(reader.recovery.damaged.isEmpty)
        let log = try EventLog.open(directory: dir.path)
        #expect(log.recovery.truncatedSegment == segment)
        #expect(log.recovery.truncatedBytes == last.length)
        #expect(dir.size(of: segment) == last.offset)
        #expect(try await readAll(log) == Array(all.dropLast(last.count)))
        await log.close()
    }
}
