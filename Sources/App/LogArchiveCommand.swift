import Adapters
import ArgumentParser
import Delivery
import EventStore
import Foundation
import Projections

/// `clickunlock log archive --before TIME --to DIR`: moves the oldest sealed segments out of the
/// live log, never one that a start still needs: each moved segment is wholly older than TIME,
/// covered by the newest saga and dedupe snapshots, applied by every projection, and older than the
/// dedupe window.
struct LogArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Move sealed segments older than a time out of the live log, into an archive directory.",
        discussion: """
            A segment moves only when all its events are older than --before, than the dedupe window \
            (--dedupe-window-days, as serve's) and than the newest snapshots (DATA/snapshots/), and every \
            projection (DATA/projections.sqlite) has applied them. Each is copied with \
            its index, synced and verified (CRC32C) before the originals are removed. serve must be stopped. \
            `replay --archive DIR` and `rebuild --archive DIR` read archived segments again.
            Exit codes: 0 done (or nothing to move); 66 no log, no snapshots or no projections; 75 serve holds \
            the log; \
            74 a copy failed (nothing removed).
            """)

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Move only segments whose events are all older than this RFC 3339 time.") var before: String
    @Option(help: "The archive directory (created when missing).") var to: String
    @Option(name: .customLong("dedupe-window-days"), help: "The dedupe window serve runs with, in days.")
    var dedupeWindowDays: Int = Int(IngressConfiguration.defaultDedupeWindow.components.seconds / 86_400)

    func validate() throws {
        if TimeFormat.parse(before) == nil {
            throw ValidationError("--before '\(before)' is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)")
        }
        if dedupeWindowDays < 1 { throw ValidationError("--dedupe-window-days must be at least 1") }
    }

    func run() async throws {
        guard LogFS.isLog(data.logDirectory) else {
            printError("no event log at \(data.logDirectory)")
            throw ExitCodes.noInput
        }
        let store = SnapshotStore(
            directory: data.dataDirectory + "/" + SnapshotConfiguration.directoryName)
        // Positions a start folds from: what the newest valid snapshots cover (none: nothing moves).
        var covered = min(
            store.newestPosition(kind: SagaState.snapshotKind), store.newestPosition(kind: DedupeIndex.snapshotKind))
        guard covered > 0 else {
            printError(
                "no valid saga and dedupe snapshots in \(store.directory): a start would need the whole log, so "
                    + "nothing can be archived yet; run serve until it has written them (snapshot_every_events)")
            throw ExitCodes.noInput
        }
        // And what every projection has applied: a projection behind would have to read them again.
        let applied = try projectionsPosition()
        if applied < covered {
            print("kept: positions after \(applied), which the projections have not all applied yet")
        }
        covered = min(covered, applied)
        let window = Int64(dedupeWindowDays) * 86_400_000
        let limit = min(TimeFormat.parse(before) ?? 0, WallClock.system.now() - window)
        do {
            let report = try LogArchiver.archive(
                directory: data.logDirectory, to: to,
                limits: LogArchiver.Limits(before: limit, throughPosition: covered))
            if let positions = report.positions {
                print(
                    "archived \(report.moved.count) segments (positions "
                        + "\(positions.lowerBound)-\(positions.upperBound), "
                        + "\(report.bytes) bytes) to \(to); the live log starts at position \(positions.upperBound + 1)"
                )
            } else {
                print("nothing to archive")
            }
            if let stopped = report.stoppedAt { print("kept: \(stopped)") }
        } catch {
            throw reportFailure(error)
        }
    }

    /// The position every projection has applied (the lowest checkpoint in the projections file).
    private func projectionsPosition() throws -> UInt64 {
        let path = data.dataDirectory + "/projections.sqlite"
        let fix = "run serve (it creates and fills them) or `clickunlock rebuild` first"
        guard FileManager.default.fileExists(atPath: path) else {
            printError(
                "no projections at \(path): a start would rebuild them from the whole log, so nothing can be "
                    + "archived yet; " + fix)
            throw ExitCodes.noInput
        }
        do {
            return try ProjectionDatabase.openReadOnly(path: path).read { db in
                try Dashboard.projectionsHealth(db, now: 0, sagaEnabled: false).projector.position
            }
        } catch {
            printError("cannot read \(path) as the projections' database; " + fix)
            throw ExitCodes.noInput
        }
    }
}
