#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mends a log that will not open because of damaged batches, without renumbering anything.
///
/// Reads every batch of every segment (indexes are not trusted). Each damaged stretch with sound
/// batches after it is moved into a quarantine file (`quarantine/` in the log directory, the bytes
/// exactly as they were, never deleted), and the positions it held — from the last sound batch
/// before it to the first sound one after it — are filled with placeholder events of type
/// `log.quarantined` naming that file. Every sound batch is kept byte for byte at its position. A
/// torn tail of the last segment (nothing sound after it) is cut, as opening the log would.
///
/// Takes the directory's `LOCK`: it refuses (`.locked`) while a writer has the log open.
///
/// ```swift
/// let report = try LogRepair.repair(directory: "data/log")
/// print(report)
/// ```
public enum LogRepair {
    /// Type of the events that stand in for lost ones.
    public static let placeholderType = PlaceholderEvents.type

    /// Repairs the log in `directory`; see the type's documentation.
    ///
    /// - Parameter directory: The log's directory.
    /// - Returns: What was found and done (``RepairReport/foundNothing`` when every batch is sound).
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/notFound`` when the directory
    ///   does not exist, ``EventLogError/Code/locked`` while a writer has the log open,
    ///   ``EventLogError/Code/io`` when a file cannot be read, written or moved.
    public static func repair(directory: String) throws(EventLogError) -> RepairReport {
        guard LogFS.isDirectory(directory) else {
            throw EventLogError(.notFound, "no event log at \(directory): the directory does not exist")
        }
        guard let lock = try MaintenanceLock.acquire(directory: directory) else {
            throw EventLogError(
                .locked,
                "the event log in \(directory) is open for writing by another process; stop it (the service) "
                    + "before repairing the log",
                systemErrno: EWOULDBLOCK)
        }
        defer { withExtendedLifetime(lock) {} }
        let names = try SegmentLoader(directory: directory, mode: .read).segmentNames()
        let quarantine = Quarantine(logDirectory: directory)
        var report = RepairReport()
        var timestamp: Int64?
        for (ordinal, entry) in names.enumerated() {
            let isLast = ordinal == names.count - 1
            let path = directory + "/" + entry.name
            let indexPath = directory + "/" + SegmentName.index(entry.firstPosition)
            guard
                let header = try header(of: path, name: entry.name, firstPosition: entry.firstPosition, isLast: isLast)
            else {
                report.actions.append(try removeIncomplete(entry.name, path: path, index: indexPath, quarantine))
                continue
            }
            let next = isLast ? nil : names[ordinal + 1].firstPosition
            report.segments += 1
            let cached = cachedIndex(indexPath)
            let plan = try SegmentRepairPlan.scan(
                name: entry.name, path: path, header: header, nextFirstPosition: next, previousTimestamp: &timestamp,
                cachedIndex: cached ?? nil)
            if plan.needsRewrite {
                report.actions += try SegmentRewriter.rewrite(
                    plan, header: header, nextFirstPosition: next, quarantine: quarantine)
                report.rewrittenSegments.append(entry.name)
            } else if cached != nil, !plan.indexAgrees {
                LogFS.remove(indexPath)
                report.removedIndexes.append(SegmentName.index(entry.firstPosition))
            }
        }
        if !report.removedIndexes.isEmpty { try LogFS.syncDirectory(directory) }
        return report
    }

    /// The index cache at `path`: `nil` when there is none, `.some(nil)` when it does not decode.
    private static func cachedIndex(_ path: String) -> SegmentIndex?? {
        guard LogFS.exists(path) else { return nil }
        guard let file = try? LogFile(path: path, create: false, readOnly: true), let size = try? file.size(),
            size < 64 << 20, let bytes = try? file.read(count: Int(size), at: 0)
        else { return .some(nil) }
        return .some(SegmentIndex.decode(bytes))
    }

    /// Removes a last segment whose header is cut short, as opening the log would (a crash while
    /// it was being created); its bytes, if any, go into quarantine first.
    private static func removeIncomplete(
        _ name: String, path: String, index: String, _ quarantine: Quarantine
    ) throws(EventLogError) -> RepairReport.Action {
        let file = try LogFile(path: path, create: false, readOnly: true)
        let size = try file.size()
        let stored = size > 0 ? try quarantine.store(file, segment: name, offset: 0, count: size) : nil
        LogFS.remove(index)
        LogFS.remove(path)
        try LogFS.syncDirectory(quarantine.logDirectory)
        return RepairReport.Action(
            kind: .removedIncompleteSegment, segment: name, offset: 0, bytes: size, positions: nil,
            quarantineFile: stored, reason: "segment header cut short")
    }

    /// The segment's header; `nil` for a last segment whose creation was cut short (it holds no
    /// batch; opening the log removes it). A damaged header is not repaired: it holds the
    /// dictionary the batches need.
    private static func header(
        of path: String, name: String, firstPosition: UInt64, isLast: Bool
    ) throws(EventLogError) -> SegmentHeader? {
        let file = try LogFile(path: path, create: false, readOnly: true)
        let why: String
        switch try SegmentHeader.read(from: file, size: try file.size()) {
        case .incomplete where isLast:
            return nil
        case .incomplete:
            why = "segment header cut short"
        case .invalid(let reason):
            why = reason
        case .header(let header):
            guard header.firstPosition != firstPosition else { return header }
            why = "header says first position \(header.firstPosition)"
        }
        throw EventLogError(
            .corruption,
            "the header of segment \(name) is damaged (\(why)); repair cannot rebuild it, since it holds what the "
                + "batches need to decode: restore the segment from a backup",
            segment: name, offset: 0)
    }
}
