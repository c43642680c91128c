import Adapters
import Delivery
import EventStore
import Foundation
import Testing

/// `log archive` keeps every segment a start still needs: none without projections (a start would
/// rebuild them from the whole log), and none past what every projection has applied.
@Suite struct LogArchiveCommandTests {
    @Test func archivingStopsWhereTheProjectionsAreAndWaitsForThem() async throws {
        let data = TempDataDirectory()
        let archive = TempDataDirectory()
        // 3,000 events written ten days ago, in small segments, and snapshots covering all of them.
        let old = WallClock.system.now() - 10 * 86_400_000
        let log = try EventLog.open(
            directory: data.logPath,
            configuration: EventLogConfiguration {
                $0.segmentSize = 32 << 10
                $0.durability = .unsafeNone
                $0.wall = WallClock { old }
            })
        for start in stride(from: 0, to: 3000, by: 50) {
            _ = try await log.append(
                (start..<(start + 50)).map {
                    NewEvent(
                        type: "test.filler", stream: "s",
                        data: Array("\($0)".utf8) + (0..<100).map { _ in UInt8.random(in: 0...255) })
                })
        }
        await log.close()
        let store = SnapshotStore(directory: data.path + "/snapshots")
        for kind in [SagaState.snapshotKind, DedupeIndex.snapshotKind] {
            try store.write(kind: kind, position: 3000, takenAt: old, payloadVersion: 1, payload: [1, 2, 3])
        }
        let arguments = [
            "log", "archive", "--data-dir", data.path, "--before", "2100-01-01T00:00:00Z", "--to", archive.path,
            "--dedupe-window-days", "1",
        ]

        let refused = try CLI.run(arguments)
        #expect(refused.status == 66)
        #expect(refused.stderr.contains("no projections at \(data.path)/projections.sqlite"), "\(refused.stderr)")
        #expect(try Self.segments(archive.path) == 0)

        // Projections as far as position 1000 (a past state, then put where serve keeps them).
        let rebuilt = try CLI.run([
            "rebuild", "--data-dir", data.path, "--until-position", "1000", "--output", archive.path + "/p.sqlite",
        ])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        try FileManager.default.moveItem(atPath: archive.path + "/p.sqlite", toPath: data.path + "/projections.sqlite")
        let moved = try CLI.run(arguments)
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("kept: positions after 1000, which the projections have not all applied yet"))
        let live = try #require(
            moved.stdout.components(separatedBy: "the live log starts at position ").last.flatMap {
                UInt64($0.prefix { $0.isNumber })
            }, "\(moved.stdout)")
        #expect(live > 1 && live <= 1001, "\(moved.stdout)")
        #expect(try Self.segments(archive.path) > 0)
    }

    static func segments(_ directory: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory).count { $0.hasSuffix(".seg") }
    }
}
