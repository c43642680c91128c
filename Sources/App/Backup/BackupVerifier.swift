import EventStore

/// The verification pass over a backup: every file's length and checksum against the manifest,
/// every batch of the log copy read and checked, the projections copy checked by SQLite.
enum BackupVerifier {
    static func verify(directory: String, manifest: BackupManifest) throws {
        for file in manifest.files {
            let summary: FileDigest
            do {
                summary = try FileDigest.of(directory + "/" + file.path)
            } catch {
                throw BackupError("\(directory)/\(file.path) cannot be read: \(error)")
            }
            guard summary.matches(file) else {
                throw BackupError(
                    "\(directory)/\(file.path) does not match the manifest (\(summary.bytes) bytes, SHA-256 "
                        + "\(summary.sha256); expected \(file.bytes) bytes, \(file.sha256)): the copy is damaged")
            }
        }
        guard !manifest.segments.isEmpty else { return try checkProjections(directory, manifest) }
        let report = try LogReader.open(directory: directory + "/log").verify()
        guard report.isSound else {
            throw BackupError("the log copy in \(directory)/log is damaged: \(report.problems.prefix(3))")
        }
        let expected = manifest.lastPosition + 1 - manifest.firstPosition
        guard report.events == expected else {
            throw BackupError(
                "the log copy in \(directory)/log holds \(report.events) events; the cut holds \(expected)")
        }
        try checkProjections(directory, manifest)
    }

    private static func checkProjections(_ directory: String, _ manifest: BackupManifest) throws {
        guard let projections = manifest.projections else { return }
        if let problem = try ProjectionsCopy.check(directory + "/" + projections.file) {
            throw BackupError("the projections copy \(directory)/\(projections.file) is damaged: \(problem)")
        }
    }
}
