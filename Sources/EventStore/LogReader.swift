/// Reads a log directory without writing to it: safe while another process writes the log.
///
/// It sees what was on disk when opened (or last refreshed); an incomplete batch at the very end
/// (one being written) is left out until it is complete.
///
/// Thread safety: `Sendable`; reads and ``refresh()`` may run from any thread at the same time.
public final class LogReader: Sendable {
    /// The log's directory, as given to ``open(directory:archive:)``.
    public let directory: String
    /// What opening found (nothing is ever changed on disk by a reader).
    public let recovery: RecoveryReport
    let catalog: LogCatalog

    private init(directory: String, recovery: RecoveryReport, catalog: LogCatalog) {
        self.directory = directory
        self.recovery = recovery
        self.catalog = catalog
    }

    /// Opens the log in `directory` for reading; nothing on disk is changed (not even a torn tail
    /// is cut: it is left out, see ``recovery``).
    ///
    /// - Parameters:
    ///   - directory: The log's directory.
    ///   - archive: A directory of segments moved out by `log archive`, read before the live ones.
    /// - Returns: A reader of what the directory holds now; ``refresh()`` picks up later commits.
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/notFound`` when the directory
    ///   does not exist, ``EventLogError/Code/corruption`` when a segment cannot be made sense of,
    ///   ``EventLogError/Code/io`` when the files cannot be read.
    public static func open(directory: String, archive: String? = nil) throws(EventLogError) -> LogReader {
        guard LogFS.isDirectory(directory) else {
            throw EventLogError(.notFound, "no event log at \(directory): the directory does not exist")
        }
        if let archive, !LogFS.isDirectory(archive) {
            throw EventLogError(.notFound, "no archive at \(archive): the directory does not exist")
        }
        var loader = SegmentLoader(directory: directory, mode: .read, archive: archive)
        let segments = try loader.loadAll()
        let catalog = LogCatalog(directory: directory, segments: segments)
        return LogReader(directory: directory, recovery: loader.report, catalog: catalog)
    }

    /// Whether the directory holds no segment at all.
    public var isEmpty: Bool { catalog.snapshot().isEmpty }

    /// The position of the last complete event seen (0 when the log is empty); ``refresh()`` moves it.
    public var lastPosition: UInt64 { catalog.lastPosition }

    /// Events from `position` on.
    ///
    /// - Parameters:
    ///   - position: The first position to read (1 when not given).
    ///   - skipCorrupt: Read past damaged batches instead of throwing
    ///     ``EventLogError/Code/corruption``; the iterator's `skipped` lists what was skipped.
    /// - Returns: A finite sequence of the events, in position order, up to what the reader has seen.
    public func events(from position: UInt64 = 1, skipCorrupt: Bool = false) -> LogEvents {
        LogEvents(catalog: catalog, start: .position(position), skipCorrupt: skipCorrupt)
    }

    /// Events recorded at or after `time` (ms since the epoch), found through the index.
    ///
    /// - Parameters:
    ///   - time: Milliseconds since the Unix epoch.
    ///   - skipCorrupt: Read past damaged batches instead of throwing
    ///     ``EventLogError/Code/corruption``.
    /// - Returns: A finite sequence of the events, in position order, up to what the reader has seen.
    public func events(since time: Int64, skipCorrupt: Bool = false) -> LogEvents {
        LogEvents(catalog: catalog, start: .time(time), skipCorrupt: skipCorrupt)
    }

    /// Picks up what was committed since opening: new batches and new segments.
    ///
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when the directory or a
    ///   segment cannot be read, ``EventLogError/Code/corruption`` when a new segment is damaged.
    public func refresh() throws(EventLogError) {
        var loader = SegmentLoader(directory: directory, mode: .read)
        var segments = catalog.snapshot()
        let known = segments.last?.firstPosition ?? 0
        let names = try loader.segmentNames().filter { $0.firstPosition > known }
        if var last = segments.popLast() {
            // Still the last segment: a batch being written is incomplete, not corrupt.
            let file = try LogFile(path: last.path, create: false, readOnly: true)
            if let known = last.identity, try FileIdentity(of: file) != known {
                // Sealed since, and compacted: another file, whose offsets are learned afresh.
                if let reloaded = try loader.load(
                    opened: file, name: last.name, firstPosition: last.firstPosition, isLast: names.isEmpty)
                {
                    segments.append(reloaded)
                }
            } else {
                try loader.verifyTail(of: &last, file: file, size: try file.size(), isLast: names.isEmpty)
                segments.append(last)
            }
        }
        for (ordinal, entry) in names.enumerated() {
            guard
                let segment = try loader.load(
                    name: entry.name, firstPosition: entry.firstPosition, isLast: ordinal == names.count - 1)
            else { continue }
            segments.append(segment)
        }
        let updated = segments
        catalog.update { $0 = updated }
    }

    /// Totals of the log, from the indexes (no data is read).
    ///
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when a segment's size
    ///   cannot be read.
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
    ///
    /// Damage is reported in the ``VerifyReport``, not thrown.
    ///
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when a segment cannot be read.
    public func verify() throws(EventLogError) -> VerifyReport {
        try LogVerifier.verify(catalog.snapshot())
    }
}
