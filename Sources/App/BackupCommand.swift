import ArgumentParser
import EventStore
import Foundation
import GRDB

/// `clickunlock backup --to DIR`: a consistent, verified copy of the log and projections, taken
/// while the service runs (it only reads the data directory).
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the log and projections into a directory, safely while the service runs.",
        discussion: """
            Each run writes DIR/backup-YYYYMMDDTHHMMSSZ/ (log/, projections.sqlite, MANIFEST.json). The log is cut \
            at its last synced batch; the projections are copied with SQLite's online backup API (one read \
            snapshot) at the checkpoints recorded in the manifest. MANIFEST.json is renamed into place only after \
            every file verified: a backup directory \
            without one did not finish, and the next run removes it. Sealed segments identical (same name and \
            checksum) to the previous backup's are hard-linked, not copied. Restore with `clickunlock restore`.
            Exit codes: 0 done; 64 bad arguments; 65 the log is corrupt; 66 no log; 74 a read, write or \
            verification failed; 75 another backup into DIR is running.
            """)

    @OptionGroup var data: DataDirectoryOptions
    @Option(name: .customLong("to"), help: "The backup directory (created when missing).")
    var target: String
    @Option(help: "Complete backups to keep in the directory, the newest (older ones are removed after a success).")
    var keep = 3

    func validate() throws {
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1 (the backup just made)") }
        let resolvedTarget = URL(fileURLWithPath: target).standardizedFileURL.path
        let resolvedData = URL(fileURLWithPath: data.dataDirectory).standardizedFileURL.path
        guard resolvedTarget != resolvedData, !resolvedTarget.hasPrefix(resolvedData + "/") else {
            throw ValidationError("--to must be outside the data directory \(data.dataDirectory)")
        }
    }

    func run() throws {
        guard LogFS.isLog(data.logDirectory) else {
            printError("no event log at \(data.logDirectory): check --data-dir")
            throw ExitCodes.noInput
        }
        let lock: DirectoryLock
        do {
            try FileCopy.makeDirectories(target)
            guard let held = try DirectoryLock.acquire(target + "/.backup-lock") else {
                printError("another backup into \(target) is running; wait for it to finish")
                throw ExitCodes.busy
            }
            lock = held
        } catch let error as EventLogError {
            throw reportFailure(error)
        } catch let error as BackupError {
            printError(error.description)
            throw ExitCodes.ioError
        }
        let set = BackupSet(directory: target)
        for name in set.incomplete() {
            try? FileManager.default.removeItem(atPath: set.path(name))
            printError("removed \(set.path(name)): a backup that did not finish")
        }
        let previous = set.complete().last
        let outcome: BackupRun.Outcome
        do {
            outcome = try BackupRun(
                dataDirectory: data.dataDirectory, backupSet: set, previous: previous?.manifest,
                previousName: previous?.name
            ).run()
        } catch let error as EventLogError {
            throw reportFailure(error)
        } catch let error as BackupError {
            printError("backup failed: \(error); the incomplete backup is removed by the next run")
            throw ExitCodes.ioError
        } catch let error as DatabaseError {
            printError(
                "backup failed copying the projections: \(error.message ?? "SQLite code \(error.resultCode)")")
            throw ExitCodes.ioError
        }
        for old in set.complete().dropLast(keep) { try? FileManager.default.removeItem(atPath: set.path(old.name)) }
        withExtendedLifetime(lock) {}
        print(Self.summary(outcome, in: set))
    }

    static func summary(_ outcome: BackupRun.Outcome, in set: BackupSet) -> String {
        let manifest = outcome.manifest
        let copiedSegments = manifest.segments.filter(\.copied).count
        let megabytes = Double(outcome.copiedBytes) / 1_000_000
        let rate = outcome.seconds > 0 ? megabytes / outcome.seconds : 0
        let projections =
            manifest.projections.map { "projections at position \($0.checkpoints.values.min() ?? 0)" }
            ?? "no projections"
        return "backup complete: \(set.path(outcome.name)) holds positions \(manifest.firstPosition)-"
            + "\(manifest.lastPosition) in \(manifest.segments.count) segment(s) (\(copiedSegments) copied, "
            + "\(manifest.segments.count - copiedSegments) unchanged since the previous backup), \(projections); "
            + String(format: "%.1f MB copied in %.2f s (%.1f MB/s)", megabytes, outcome.seconds, rate)
    }
}
