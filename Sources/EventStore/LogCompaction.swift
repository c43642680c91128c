#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rewrites sealed segments into large LZ4 HC batches, in the same format: the same positions,
/// the same record bytes (checked record by record), fewer and larger batches, so the log at
/// rest takes less space whatever the arrival pattern was. The active (last) segment is never
/// touched. See `SegmentCompactor` for the order of the steps that makes a crash harmless.
///
/// Readers in other processes go on during and after: a file they opened stays readable (the
/// rename leaves it in place for them), and a reader that opens a segment again after it was
/// rewritten sees the file changed and learns its new offsets.
///
/// ```swift
/// let report = try LogCompaction.compact(directory: "data/log")
/// print(report.bytesBefore, report.bytesAfter)
/// ```
public enum LogCompaction {
    /// Compacts the sealed segments of the log in `directory` while no writer has it open (it
    /// takes the directory's `LOCK`; the service compacts its own log in the background instead).
    ///
    /// - Parameters:
    ///   - directory: The log's directory.
    ///   - options: Codec, level and batch size.
    ///   - includingLast: Compact the last segment too (safe here: no writer has it open; the
    ///     next writer appends after its large batches). Left alone when it has a torn tail.
    ///   - pacer: Called after every batch written; may sleep, returns `false` to stop.
    /// - Returns: What was rewritten and what was left, and why.
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/notFound`` when there is no log,
    ///   ``EventLogError/Code/locked`` while a writer has it open, ``EventLogError/Code/corruption``
    ///   when a segment is damaged (nothing is rewritten from there on), ``EventLogError/Code/io``
    ///   when a file cannot be read, written or moved.
    public static func compact(
        directory: String, options: CompactionOptions = CompactionOptions(), includingLast: Bool = false,
        pacer: CompactionPacer = { _ in true }
    ) throws(EventLogError) -> CompactionReport {
        guard LogFS.isDirectory(directory) else {
            throw EventLogError(.notFound, "no event log at \(directory): the directory does not exist")
        }
        guard let lock = try MaintenanceLock.acquire(directory: directory) else {
            throw EventLogError(
                .locked,
                "the event log in \(directory) is open for writing by another process (the service compacts its "
                    + "own log in the background; see `log_compaction`): stop it to compact by hand",
                systemErrno: EWOULDBLOCK)
        }
        defer { withExtendedLifetime(lock) {} }
        var loader = SegmentLoader(directory: directory, mode: .read)
        let segments = try loader.loadAll()
        if let damage = loader.report.damaged.first {
            throw .corruption(
                segment: damage.segment, offset: damage.offset,
                "\(damage.reason); run `clickunlock log verify`, then `clickunlock log repair`, before compacting")
        }
        var chosen = Array(segments.dropLast())
        if includingLast, let last = segments.last {
            let size = try LogFile(path: last.path, create: false, readOnly: true).size()
            if size == last.committedLength { chosen.append(last) }
        }
        return try compact(chosen, directory: directory, options: options, pacer: pacer) { _, _ in }
    }

    /// Compacts `segments` (sealed ones) one after the other; `replaced` is told each new state and
    /// what its rewrite did.
    static func compact(
        _ segments: [SegmentState], directory: String, options: CompactionOptions, pacer: CompactionPacer,
        replaced: (SegmentState, CompactionReport.Segment) -> Void
    ) throws(EventLogError) -> CompactionReport {
        var report = CompactionReport()
        for segment in segments {
            if let reason = SegmentCompactor.skipReason(segment, options: options) {
                report.skipped.append(.init(name: segment.name, reason: reason))
                continue
            }
            switch try SegmentCompactor.compact(segment, directory: directory, options: options, pacer: pacer) {
            case .compacted(let state, let done):
                replaced(state, done)
                report.compacted.append(done)
            case .skipped(let reason):
                report.skipped.append(.init(name: segment.name, reason: reason))
            case .stopped:
                report.stopped = true
                return report
            }
        }
        return report
    }
}

extension EventLog {
    /// Compacts this log's sealed segments (those before the active one), beside the writer:
    /// appends and readers go on. Run it on a thread of its own (it blocks), at most one at a time.
    ///
    /// - Parameters:
    ///   - options: Codec, level and batch size.
    ///   - skipping: Names of segments not to try (e.g. those a rewrite would not shrink).
    ///   - pacer: Called after every batch written; may sleep, returns `false` to stop.
    /// - Returns: What was rewritten and what was left, and why.
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/corruption`` when a segment is
    ///   damaged, ``EventLogError/Code/io`` when a file cannot be read, written or moved.
    public func compactSealedSegments(
        options: CompactionOptions = CompactionOptions(), skipping: Set<String> = [],
        pacer: CompactionPacer = { _ in true }
    ) throws(EventLogError) -> CompactionReport {
        let sealed = catalog.snapshot().dropLast().filter { !skipping.contains($0.name) }
        return try LogCompaction.compact(
            Array(sealed), directory: directory, options: options, pacer: pacer
        ) { state, done in
            catalog.replace(state)
            compactions.withLock { $0.add(done) }
        }
    }

    /// What this log's compactions (``compactSealedSegments(options:skipping:pacer:)``) rewrote
    /// since it was opened, in all.
    public var compactionTotals: CompactionTotals { compactions.withLock { $0 } }
}
