/// Reads a log directory without writing to it: safe while another process writes the log.
///
/// It sees what was on disk when opened (or last refreshed); an incomplete batch at the very end
/// (one being written) is left out until it is complete.
public final class LogReader: Sendable {
    public let directory: String
    /// What opening found (nothing is ever changed on disk by a reader).
    public let recovery: RecoveryReport
    let catalog: LogCatalog

    private init(directory: String, recovery: RecoveryReport, catalog: LogCatalog) {
        self.directory = directory
        self.recovery = recovery
        self.catalog = catalog
    }

    public static func open(directory: String) throws(EventLogError) -> LogReader {
        guard LogFS.isDirectory(directory) else {
            throw EventLogError(.notFound, "no event log at \(directory): the directory does not exist")
        }
        var loader = SegmentLoader(directory: directory, mode: .read)
        let segments = try loader.loadAll()
        return LogReader(
            directory: directory, recovery: loader.report, catalog: LogCatalog(directory: directory, segments: segments))
    }

    /// Whether the directory holds no segment at all.
    public var isEmpty: Bool { catalog.snapshot().isEmpty }

    public var lastPosition: UInt64 { catalog.lastPosition }

    /// Events from `position` on.
    public func events(from position: UInt64 = 1, skipCorrupt: Bool = false) -> LogEvents {
        LogEvents(catalog: catalog, start: .position(position), skipCorrupt: skipCorrupt)
    }

    /// Events recorded at or after `time` (ms since the epoch), found through the index.
    public func events(since time: Int64, skipCorrupt: Bool = false) -> LogEvents {
        LogEvents(catalog: catalog, start: .time(time), skipCorrupt: skipCorrupt)
    }

    /// Picks up what was committed since opening: new batches and new segments.
    public func refresh() throws(EventLogError) {
        var loader = SegmentLoader(directory: directory, mode: .read)
        var segments = catalog.snapshot()
        let known = segments.last?.firstPosition ?? 0
        let names = try loader.segmentNames().filter { $0.firstPosition > known }
        if var last = segments.popLast() {
            // Still the last segment: a batch being written is incomplete, not corrupt.
            let file = try LogFile(path: last.path, create: false, readOnly: true)
            try loader.verifyTail(of: &last, file: file, size: try file.size(), isLast: names.isEmpty)
            segments.append(last)
        }
        for (ordinal, entry) in names.enumerated() {
            guard let segment = try loader.load(name: entry.name, firstPosition: entry.firstPosition, isLast: ordinal == names.count - 1) else { continue }
            segments.append(segment)
        }
        let updated = segments
        catalog.update { $0 = updated }
    }

    /// Totals of the log, from the indexes (no data is read).
    public func stats() throws(EventLogError) -> LogStats {
        var stats = LogStats()
        for segment in catalog.snapshot() {
            let file = try LogFile(path: segment.path, create: false, readOnly: true)
            stats.segments += 1
            stats.bytesOnDisk += try file.size()
            stats.events += segment.index.eventCount
            stats.batches += segment.index.batchCount
            stats.uncompressedBytes += segment.index.uncompressedBytes
            if segment.index.batchCount > 0 {
                if stats.firstTimestamp == nil { stats.firstTimestamp = segment.index.firstTimestamp }
                stats.lastTimestamp = segment.index.lastTimestamp
                if stats.firstPosition == nil { stats.firstPosition = segment.firstPosition }
                stats.lastPosition = segment.index.lastPosition
            }
        }
        return stats
    }

    /// Reads and checks every batch of every segment (checksums, decoding, positions).
    public func verify() throws(EventLogError) -> VerifyReport {
        try LogVerifier.verify(catalog.snapshot())
    }
}
