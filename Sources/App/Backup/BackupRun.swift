import EventStore
import Foundation

/// One backup of a data directory into a new sub-directory of the backup directory: projections
/// first (their checkpoints are then at or before the log cut), the log cut and synced, sealed
/// segments linked from the previous backup when identical (same name and checksum), the manifest
/// written to a temporary name, every file verified, and only then the manifest renamed into place.
struct BackupRun {
    struct Outcome {
        var name: String
        var manifest: BackupManifest
        var copiedBytes: Int64
        var linkedBytes: Int64
        var seconds: Double
    }

    let dataDirectory: String
    let backupSet: BackupSet
    let previous: BackupManifest?
    let previousName: String?

    var logDirectory: String { dataDirectory + "/log" }

    func run() throws -> Outcome {
        let started = Date()
        let clock = ContinuousClock.now
        let name = backupSet.newName(at: started)
        let target = backupSet.path(name)
        try FileCopy.makeDirectories(target + "/log")
        var files: [BackupManifest.File] = []
        var copied: Int64 = 0

        // Projections before the log: their checkpoints can then only be at or before the cut.
        var projections: BackupManifest.Projections?
        let liveProjections = dataDirectory + "/projections.sqlite"
        if FileManager.default.fileExists(atPath: liveProjections) {
            let checkpoints = try ProjectionsCopy.copy(from: liveProjections, to: target + "/projections.sqlite")
            let summary = try FileDigest.of(target + "/projections.sqlite")
            files.append(summary.entry("projections.sqlite"))
            copied += summary.bytes
            projections = .init(file: "projections.sqlite", checkpoints: checkpoints)
        }

        let cut = try LogReader.open(directory: logDirectory).cut()
        if let projections, let ahead = projections.checkpoints.first(where: { $0.value > cut.lastPosition }) {
            throw BackupError(
                "the projection \(ahead.key) is at position \(ahead.value), after the log's end (\(cut.lastPosition)): "
                    + "the projections do not belong to this log; rebuild them (`clickunlock rebuild`) and retry")
        }
        var segments: [BackupManifest.Segment] = []
        var linked: Int64 = 0
        for segment in cut.segments {
            let result = try copySegment(segment, into: target + "/log")
            files += result.files
            if result.copied {
                copied += result.files.reduce(0) { $0 + $1.bytes }
            } else {
                linked += result.files.reduce(0) { $0 + $1.bytes }
            }
            segments.append(
                .init(
                    name: segment.name, firstPosition: segment.firstPosition, lastPosition: result.lastPosition,
                    sealed: segment.isSealed, copied: result.copied))
        }
        try FileCopy.syncDirectory(target + "/log")
        // The content manifest, when it lives in the data directory (the default).
        if FileManager.default.fileExists(atPath: dataDirectory + "/content.yaml") {
            let summary = try FileDigest.copy(from: dataDirectory + "/content.yaml", to: target + "/content.yaml")
            files.append(summary.entry("content.yaml"))
            copied += summary.bytes
        }
        // The saga's and the dedupe index's snapshots within the cut: a log whose first segments were
        // archived cannot start without them, and the rest start faster with them.
        let snapshots = try Self.snapshots(in: dataDirectory + "/snapshots", upTo: cut.lastPosition)
        if !snapshots.isEmpty { try FileCopy.makeDirectories(target + "/snapshots") }
        for snapshot in snapshots {
            let path = "snapshots/" + snapshot
            if let summary = try Self.copySnapshot(dataDirectory + "/" + path, to: target + "/" + path) {
                files.append(summary.entry(path))
                copied += summary.bytes
            }
        }

        let manifest = BackupManifest(
            format: BackupManifest.currentFormat, complete: true,
            createdAt: ISO8601DateFormatter().string(from: started),
            dataDirectory: dataDirectory, firstPosition: cut.firstPosition,
            lastPosition: segments.last?.lastPosition ?? 0, segments: segments, projections: projections,
            files: files, durationSeconds: (ContinuousClock.now - clock).seconds)
        let temporary = target + "/" + BackupManifest.fileName + ".tmp"
        try manifest.encoded().write(to: URL(fileURLWithPath: temporary))
        try FileCopy.syncFile(temporary)
        try BackupVerifier.verify(directory: target, manifest: manifest)
        try FileCopy.syncDirectory(target)
        guard rename(temporary, target + "/" + BackupManifest.fileName) == 0 else {
            throw BackupError("could not rename the manifest into place: \(String(cString: strerror(errno)))")
        }
        try FileCopy.syncDirectory(target)
        try FileCopy.syncDirectory(backupSet.directory)
        return Outcome(
            name: name, manifest: manifest, copiedBytes: copied, linkedBytes: linked,
            seconds: (ContinuousClock.now - clock).seconds)
    }

    /// Snapshot files (`KIND-POSITION.snap`) whose position is at or before `position`.
    static func snapshots(in directory: String, upTo position: UInt64) throws -> [String] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { name in
            guard name.hasSuffix(".snap"), let dash = name.lastIndex(of: "-"),
                let at = UInt64(name[name.index(after: dash)...].dropLast(".snap".count))
            else { return false }
            return at <= position
        }.sorted()
    }

    /// Copies one snapshot; `nil` when the service replaced it with a newer one meanwhile (the
    /// others cover the cut).
    private static func copySnapshot(_ source: String, to destination: String) throws -> FileDigest? {
        guard FileManager.default.fileExists(atPath: source) else { return nil }
        do {
            return try FileDigest.copy(from: source, to: destination)
        } catch {
            if FileManager.default.fileExists(atPath: source) { throw error }
            try? FileManager.default.removeItem(atPath: destination)
            return nil
        }
    }

    private struct SegmentResult {
        var files: [BackupManifest.File]
        var copied: Bool
        var lastPosition: UInt64
    }

    /// Links a sealed segment (and its index) from the previous backup when that holds the same
    /// bytes; otherwise copies it (the active one up to the cut) and indexes the copy.
    private func copySegment(_ segment: LogCut.Segment, into directory: String) throws -> SegmentResult {
        let source = logDirectory + "/" + segment.name
        if segment.isSealed, let previous, let previousName,
            let earlier = previous.segments.first(where: { $0.name == segment.name && $0.sealed }),
            let earlierFile = previous.files.first(where: { $0.path == "log/" + segment.name }),
            let earlierIndex = previous.files.first(where: { $0.path == "log/" + segment.indexName })
        {
            if try FileDigest.of(source).matches(earlierFile) {
                let from = backupSet.path(previousName) + "/log/"
                try FileCopy.hardLink(from: from + segment.name, to: directory + "/" + segment.name)
                try FileCopy.hardLink(from: from + segment.indexName, to: directory + "/" + segment.indexName)
                return SegmentResult(
                    files: [earlierFile, earlierIndex], copied: false, lastPosition: earlier.lastPosition)
            }
        }
        let summary = try FileDigest.copy(
            from: source, to: directory + "/" + segment.name, length: segment.isSealed ? nil : segment.length)
        let indexed = try SegmentIndexer.indexSegment(directory: directory, name: segment.name)
        let index = try FileDigest.of(directory + "/" + segment.indexName)
        return SegmentResult(
            files: [summary.entry("log/" + segment.name), index.entry("log/" + segment.indexName)], copied: true,
            lastPosition: indexed.lastPosition)
    }
}

/// A backup or restore failure with a message for people (what is wrong, what to do).
struct BackupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
