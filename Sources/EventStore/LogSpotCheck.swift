/// What ``LogReader/spotCheck(full:)`` found: the batches of the segments it read, and the
/// index entries it followed.
public struct SpotCheckReport: Sendable, Equatable {
    /// Segments in the log.
    public var segments = 0
    /// Segments whose every batch was read (the last one, or all with `full`).
    public var segmentsRead = 0
    /// Sound batches read.
    public var batches: UInt64 = 0
    /// Index entries followed to the batch they point at.
    public var indexEntries = 0
    /// Damaged batches, and index entries that do not point at the batch they name.
    public var problems: [VerifyReport.Problem] = []
    /// Sealed segments without a usable index file (readers scan them instead; the writer writes
    /// the file again when it next opens the log).
    public var missingIndexes: [String] = []
    /// Whether no problem was found.
    public var isSound: Bool { problems.isEmpty }
}

extension LogReader {
    /// A check of the log quick enough to run often: every batch of the last segment (of every
    /// segment with `full`), and every entry of the last two segments' indexes (of all with
    /// `full`) followed to a sound batch at the position it names. Reads only.
    ///
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when a segment cannot be read.
    public func spotCheck(full: Bool) throws(EventLogError) -> SpotCheckReport {
        let segments = catalog.snapshot()
        var report = SpotCheckReport()
        report.segments = segments.count
        let read = full ? segments : Array(segments.suffix(1))
        let verified = try LogVerifier.verify(read)
        report.segmentsRead = verified.segments
        report.batches = verified.batches
        report.problems = verified.problems
        for segment in full ? segments : Array(segments.suffix(2)) {
            try Self.followIndex(of: segment, into: &report)
        }
        let lastIndex = segments.last.map { SegmentName.index($0.firstPosition) }
        report.missingIndexes = recovery.rebuiltIndexes.filter { $0 != lastIndex }
        return report
    }

    /// Each index entry must point at a sound batch starting at the entry's position.
    private static func followIndex(of segment: SegmentState, into report: inout SpotCheckReport) throws(EventLogError)
    {
        let file = try LogFile(path: segment.path, create: false, readOnly: true)
        var frames = FrameReader(file: file, offset: segment.dataStart, limit: segment.committedLength)
        for entry in segment.index.entries {
            report.indexEntries += 1
            frames.seek(to: entry.offset)
            let found: String
            switch try frames.next() {
            case .frame(let header, _, _) where header.basePosition == entry.basePosition:
                continue
            case .frame(let header, _, _):
                found = "a batch starting at position \(header.basePosition)"
            case .end, .truncated:
                found = "the end of the data"
            case .invalid(_, let reason):
                found = "no sound batch (\(reason))"
            }
            report.problems.append(
                .init(
                    segment: SegmentName.index(segment.firstPosition), offset: entry.offset,
                    reason: "the index names position \(entry.basePosition) here, but the segment has \(found)"))
        }
    }
}
