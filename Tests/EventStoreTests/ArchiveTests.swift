import EventStore
import Foundation
import Testing

/// `LogArchiver`: archived + live reads equal the original log; the live log opens and says
/// clearly what it no longer holds; nothing is removed when a copy does not verify or a writer holds
/// the log.
@Suite struct ArchiveTests {
    /// A closed log of 3,000 events in small segments; its events.
    static func log(_ directory: TempDirectory) async throws -> [RecordedEvent] {
        let log = try EventLog.open(
            directory: directory.path,
            configuration: EventLogConfiguration {
                $0.segmentSize = 32 << 10
                $0.durability = .unsafeNone
            })
        for start in stride(from: 0, to: 3000, by: 50) {
            _ = try await log.append((start..<(start + 50)).map { sampleEvent($0, size: 100) })
        }
        await log.close()
        return try readAll(directory.path)
    }

    static func same(_ left: [RecordedEvent], _ right: [RecordedEvent]) -> Bool {
        left.count == right.count
            && zip(left, right).allSatisfy {
                $0.position == $1.position && $0.type == $1.type && $0.data == $1.data && $0.attachment == $1.attachment
                    && $0.timestamp == $1.timestamp
            }
    }

    @Test func archivedAndLiveReadTogetherEqualTheOriginal() async throws {
        let live = TempDirectory()
        let archive = TempDirectory("archive")
        let original = try await Self.log(live)
        let segments = live.segmentFiles
        #expect(segments.count > 2)
        let report = try LogArchiver.archive(
            directory: live.path, to: archive.path, limits: .init(before: .max, throughPosition: 2000))
        let moved = try #require(report.positions)
        #expect(moved.lowerBound == 1 && moved.upperBound <= 2000 && moved.upperBound > 500)
        #expect(archive.segmentFiles == report.moved)
        #expect(live.segmentFiles == Array(segments.dropFirst(report.moved.count)))
        #expect(report.stoppedAt?.contains("past 2000") == true)

        // Archive + live: the original, event for event; the live log alone starts later.
        let reader = try LogReader.open(directory: live.path, archive: archive.path)
        var iterator = reader.events(from: 1).makeAsyncIterator()
        var both: [RecordedEvent] = []
        while let event = try iterator.nextEvent() { both.append(event) }
        #expect(Self.same(both, original))
        #expect(
            Self.same(try readAll(live.path, from: moved.upperBound + 1), Array(original[Int(moved.upperBound)...])))
        #expect {
            _ = try readAll(live.path)
        } throws: { error in
            let error = error as? EventLogError
            return error?.code == .archived && error!.message.contains("positions 1-\(moved.upperBound)")
                && error!.message.contains("--archive")
        }

        // The writer opens a log whose first segment does not start at 1, and appends after it.
        let log = try EventLog.open(directory: live.path)
        #expect(log.lastPosition == 3000)
        #expect(try await log.append(sampleEvent(3000)) == 3001)
        await log.close()

        // Archiving again moves nothing new and keeps what is there.
        let again = try LogArchiver.archive(
            directory: live.path, to: archive.path, limits: .init(before: .max, throughPosition: 2000))
        #expect(again.moved.isEmpty)
    }

    @Test func nothingIsRemovedWhenACopyDoesNotVerify() async throws {
        let live = TempDirectory()
        let archive = TempDirectory("archive")
        _ = try await Self.log(live)
        let segments = live.segmentFiles
        #expect {
            try LogArchiver.archive(
                directory: live.path, to: archive.path, limits: .init(before: .max, throughPosition: 3000),
                beforeVerify: { copy in
                    // The second copy is damaged on its way to the disk.
                    guard copy.contains(segments[1]), let handle = FileHandle(forUpdatingAtPath: copy) else { return }
                    handle.seek(toFileOffset: 200)
                    handle.write(Data([0xff, 0x00, 0xff]))
                    handle.closeFile()
                })
        } throws: { error in
            (error as? EventLogError)?.message.contains("does not match") == true
        }
        #expect(live.segmentFiles == segments)
        #expect(archive.segmentFiles == [segments[0]])  // verified, and harmless: the original stays too
        #expect(try readAll(live.path).count == 3000)
    }

    @Test func aWriterHoldingTheLogIsRefused() async throws {
        let live = TempDirectory()
        let archive = TempDirectory("archive")
        _ = try await Self.log(live)
        let log = try EventLog.open(directory: live.path)
        #expect {
            try LogArchiver.archive(
                directory: live.path, to: archive.path, limits: .init(before: .max, throughPosition: 3000))
        } throws: { error in
            (error as? EventLogError)?.code == .locked
        }
        await log.close()
        #expect(archive.segmentFiles.isEmpty)
    }
}
