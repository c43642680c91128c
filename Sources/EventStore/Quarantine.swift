/// Where `LogRepair` keeps the bytes it takes out of segments: `quarantine/` in the log
/// directory, one file per damaged stretch, `<segment's first position>-<byte offset>.bin`,
/// holding the bytes exactly as they were. Never deleted by the log.
struct Quarantine {
    static let directoryName = "quarantine"

    let logDirectory: String
    var directory: String { logDirectory + "/" + Self.directoryName }

    /// Copies `count` bytes at `offset` of `source` (segment `segment`) into a new quarantine file,
    /// synced with its directory; returns its path. When a file of that name already holds the same
    /// bytes (a repair interrupted before it replaced the segment), that one is kept.
    func store(
        _ source: borrowing LogFile, segment: String, offset: Int64, count: Int64
    ) throws(EventLogError) -> String {
        let created = !LogFS.isDirectory(directory)
        try LogFS.makeDirectories(directory)
        let bytes = try source.read(count: Int(count), at: offset)
        guard bytes.count == Int(count) else {
            throw EventLogError(.io, "\(source.path) is shorter than expected (was it changed during the repair?)")
        }
        let stem = String(segment.dropLast(SegmentName.segmentSuffix.count)) + "-\(offset)"
        var attempt = 1
        while true {
            let path = directory + "/" + stem + (attempt == 1 ? "" : "-\(attempt)") + ".bin"
            guard LogFS.exists(path) else {
                let file = try LogFile(path: path, create: true)
                try file.write(bytes, at: 0)
                try file.sync()
                try LogFS.syncDirectory(directory)
                if created { try LogFS.syncDirectory(logDirectory) }
                return path
            }
            let existing = try LogFile(path: path, create: false, readOnly: true)
            if try existing.size() == count, try existing.read(count: Int(count), at: 0) == bytes { return path }
            attempt += 1
        }
    }

    /// `path` relative to the log directory (what placeholder events name).
    func relative(_ path: String) -> String {
        path.hasPrefix(logDirectory + "/") ? String(path.dropFirst(logDirectory.count + 1)) : path
    }
}
