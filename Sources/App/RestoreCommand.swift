import ArgumentParser
import EventStore
import Foundation

/// `clickunlock restore --from DIR --data-dir NEW`: a complete backup into an empty data directory.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into a new, empty data directory.",
        discussion: """
            --from is a backup directory (the newest complete backup in it is restored) or one backup \
            (DIR/backup-YYYYMMDDTHHMMSSZ). Every file is checked against the manifest and the log copy is read \
            in full before anything is moved into NEW. The projections keep the checkpoint they were backed up \
            at: `serve` on NEW continues projecting from there, and the deliveries in flight at the backup's \
            position resume (the saga folds the log at start).
            Exit codes: 0 done; 64 bad arguments; 65 the backup is damaged; 66 no complete backup in --from; \
            73 --data-dir is not empty; 74 a read or write failed.
            """)

    /// sysexits' EX_CANTCREAT: the output would overwrite something.
    static let notEmpty = ExitCode(73)

    @Option(name: .customLong("from"), help: "The backup directory, or one backup in it.")
    var source: String
    @Option(name: .customLong("data-dir"), help: "The new data directory: missing or empty.")
    var dataDirectory: String

    func run() throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory)) ?? []
        if !entries.isEmpty {
            printError(
                "\(dataDirectory) is not empty (it holds \(entries.sorted().prefix(3).joined(separator: ", "))"
                    + "\(entries.count > 3 ? ", …" : "")): restore writes only into a new or empty directory, so that "
                    + "nothing is overwritten; give another --data-dir or empty this one")
            throw Self.notEmpty
        }
        guard let (backup, manifest) = Self.resolve(source) else {
            printError(
                "no complete backup in \(source): a backup is a directory with a MANIFEST.json "
                    + "(one without it did not finish); run `clickunlock backup --to \(source)` first")
            throw ExitCodes.noInput
        }
        do {
            try Restorer(backup: backup, manifest: manifest, dataDirectory: dataDirectory).run()
        } catch let error as EventLogError {
            throw reportFailure(error)
        } catch let error as BackupError {
            printError("restore failed: \(error); remove \(dataDirectory) before trying again")
            throw ExitCodes.corrupt
        }
        let projections =
            manifest.projections.map {
                "; the projections are at position \($0.checkpoints.values.min() ?? 0) and catch up when serve starts"
            } ?? "; no projections were backed up: serve builds them from the log"
        print(
            "restored \(backup) into \(dataDirectory): log positions \(manifest.firstPosition)-\(manifest.lastPosition)"
                + projections)
    }

    /// The backup to restore: `path` itself when it holds a manifest, else the newest complete one in it.
    static func resolve(_ path: String) -> (String, BackupManifest)? {
        if let manifest = BackupManifest.load(directory: path) { return (path, manifest) }
        let set = BackupSet(directory: path)
        return set.complete().last.map { (set.path($0.name), $0.manifest) }
    }
}
