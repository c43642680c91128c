import EventStore
import Foundation

/// Copies a complete backup into a new data directory: every file into `NEW/.restore-partial`,
/// checked against the manifest as it is copied, the log copy read in full, then each top-level
/// entry renamed into `NEW` (the log last), synced.
struct Restorer {
    static let staging = ".restore-partial"

    let backup: String
    let manifest: BackupManifest
    let dataDirectory: String

    func run() throws {
        let stage = dataDirectory + "/" + Self.staging
        try FileCopy.makeDirectories(stage + "/log")
        for file in manifest.files {
            if let slash = file.path.lastIndex(of: "/") {
                try FileCopy.makeDirectories(stage + "/" + file.path[..<slash])
            }
            let summary = try FileDigest.copy(from: backup + "/" + file.path, to: stage + "/" + file.path)
            guard summary.matches(file) else {
                throw BackupError(
                    "\(backup)/\(file.path) does not match its manifest (SHA-256 \(summary.sha256), expected "
                        + "\(file.sha256)): this backup is damaged; restore an older one")
            }
        }
        try FileCopy.syncDirectory(stage + "/log")
        try FileCopy.syncDirectory(stage)
        if !manifest.segments.isEmpty {
            let report = try LogReader.open(directory: stage + "/log").verify()
            guard report.isSound, report.events == manifest.lastPosition + 1 - manifest.firstPosition else {
                throw BackupError(
                    "the restored log does not read back whole (\(report.events) events, problems: "
                        + "\(report.problems.prefix(3))): this backup is damaged; restore an older one")
            }
        }
        let top = Set(manifest.files.map { String($0.path.split(separator: "/")[0]) })
        // The log last: a data directory without one is plainly not restored.
        for entry in top.filter({ $0 != "log" }).sorted() + (top.contains("log") ? ["log"] : []) {
            guard rename(stage + "/" + entry, dataDirectory + "/" + entry) == 0 else {
                throw BackupError("could not move \(entry) into \(dataDirectory): \(String(cString: strerror(errno)))")
            }
        }
        try FileCopy.syncDirectory(dataDirectory)
        try? FileManager.default.removeItem(atPath: stage)
        try FileCopy.syncDirectory(dataDirectory)
    }
}
