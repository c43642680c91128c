#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Moves the oldest sealed segments out of a live log into an archive directory: each is copied
/// (with its index), synced, read back and compared by CRC32C with the original; only when every
/// copy verified are the originals removed, oldest first, so the live log stays a gapless suffix.
/// Runs only while no writer holds the log (`MaintenanceLock`).
public enum LogArchiver {
    /// Which sealed segments may be archived: those wholly before both limits.
    public struct Limits: Sendable {
        /// Only segments whose every event is older than this (ms) move.
        public var before: Int64
        /// Only segments whose every position is at or below this move (what snapshots cover).
        public var throughPosition: UInt64

        /// Segments whose events are all older than `before` (milliseconds since 1970) and that end at
        /// or before `throughPosition`.
        public init(before: Int64, throughPosition: UInt64) {
            self.before = before
            self.throughPosition = throughPosition
        }
    }

    /// What an archive run moved.
    public struct Report: Sendable {
        /// Segment names moved, oldest first.
        public var moved: [String] = []
        /// Positions moved (nil when nothing moved).
        public var positions: ClosedRange<UInt64>?
        /// Bytes moved.
        public var bytes: Int64 = 0
        /// Why the next segment stayed (the first limit it failed), when one did.
        public var stoppedAt: String?
    }

    /// Archives into `archive` the segments of `directory` that the limits allow.
    ///
    /// - Parameters:
    ///   - directory: The live log's directory.
    ///   - archive: The archive directory (created when missing).
    ///   - limits: What may move.
    ///   - beforeVerify: For tests: called with each copy's path before it is verified.
    /// - Returns: What moved, and why the next segment stayed.
    /// - Throws: ``EventLogError``: `.locked` while a writer holds the log, `.io` when a copy fails
    ///   or does not verify (nothing is removed then).
    public static func archive(
        directory: String, to archive: String, limits: Limits, beforeVerify: ((String) -> Void)? = nil
    ) throws(EventLogError) -> Report {
        guard let lock = try MaintenanceLock.acquire(directory: directory) else {
            throw EventLogError(
                .locked,
                "the log in \(directory) is open for writing (serve is running?): stop serve, then archive; "
                    + "nothing was moved")
        }
        defer { withExtendedLifetime(lock) {} }
        let reader = try LogReader.open(directory: directory)
        let segments = reader.catalog.snapshot()
        var report = Report()
        var chosen: [SegmentState] = []
        // Sealed segments only (never the last one), oldest first, while every limit holds.
        for segment in segments.dropLast() {
            let index = segment.index
            let stop: String? =
                index.batchCount == 0
                ? "\(segment.name) holds no batch"
                : index.lastTimestamp >= limits.before
                    ? "\(segment.name) holds events at or after the time limit"
                    : index.lastPosition > limits.throughPosition
                        ? "\(segment.name) ends at position \(index.lastPosition), past \(limits.throughPosition)"
                        : nil
            if let stop {
                report.stoppedAt = stop
                break
            }
            chosen.append(segment)
        }
        if chosen.count == segments.count - 1, segments.count > 0, report.stoppedAt == nil {
            report.stoppedAt = "\(segments[segments.count - 1].name) is the active segment"
        }
        guard !chosen.isEmpty else { return report }
        try LogFS.makeDirectories(archive)
        for segment in chosen {
            try copyVerified(segment.path, to: archive + "/" + segment.name, beforeVerify: beforeVerify)
            let index = directory + "/" + SegmentName.index(segment.firstPosition)
            if LogFS.exists(index) {
                try copyVerified(index, to: archive + "/" + SegmentName.index(segment.firstPosition), beforeVerify: nil)
            }
        }
        // Every copy is durable and verified: only now do the originals go, oldest first.
        for segment in chosen {
            LogFS.remove(segment.path)
            LogFS.remove(directory + "/" + SegmentName.index(segment.firstPosition))
            report.moved.append(segment.name)
            report.bytes += segment.committedLength
        }
        try LogFS.syncDirectory(directory)
        report.positions = chosen[0].firstPosition...chosen[chosen.count - 1].index.lastPosition
        return report
    }

    /// Copies `source` to `target` (temp file, sync, rename, directory sync), then reads the copy
    /// back and compares its CRC32C with the source's. A copy already there with the same bytes is
    /// kept; one with other bytes is an error (nothing is overwritten).
    static func copyVerified(
        _ source: String, to target: String, beforeVerify: ((String) -> Void)?
    ) throws(EventLogError) {
        let bytes = try readAll(source)
        let expected = CRC32C.checksum(bytes)
        if LogFS.exists(target) {
            guard CRC32C.checksum(try readAll(target)) == expected else {
                throw EventLogError(
                    .io,
                    "\(target) exists with other contents than \(source): archive into another directory, or "
                        + "remove it if it is not needed; nothing was moved")
            }
            return
        }
        let temp = target + ".tmp"
        do {
            let file = try LogFile(path: temp, create: true)
            try file.truncate(to: 0)
            try file.write(bytes, at: 0)
            try file.sync()
        }
        beforeVerify?(temp)
        guard CRC32C.checksum(try readAll(temp)) == expected else {
            LogFS.remove(temp)
            throw EventLogError(
                .io, "the copy of \(source) in the archive does not match it (checksum); nothing was moved")
        }
        try LogFS.move(temp, target)
        try LogFS.syncDirectory(directoryName(of: target))
    }

    private static func readAll(_ path: String) throws(EventLogError) -> [UInt8] {
        let file = try LogFile(path: path, create: false, readOnly: true)
        return try file.read(count: Int(try file.size()), at: 0)
    }

    private static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
