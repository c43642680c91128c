/// The result of checking every batch of a log.
///
/// Made by ``LogReader/verify()``.
public struct VerifyReport: Sendable, Equatable {
    /// One damaged place in a segment.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// File name of the segment.
        public var segment: String
        /// Byte offset in `segment` where the damage starts.
        public var offset: Int64
        /// What is wrong, e.g. `checksum mismatch` or `expected position 7, found 9`.
        public var reason: String
        /// One line: segment, offset and reason.
        public var description: String { "\(segment) at byte offset \(offset): \(reason)" }
    }

    /// Segments read.
    public var segments = 0
    /// Sound batches read.
    public var batches: UInt64 = 0
    /// Events in the sound batches.
    public var events: UInt64 = 0
    /// Every damaged place found, in log order; empty when the log is sound.
    public var problems: [Problem] = []
    /// Whether no problem was found.
    public var isSound: Bool { problems.isEmpty }
}

/// Reads every batch of every segment, from the data (indexes are not consulted).
enum LogVerifier {
    static func verify(_ segments: [SegmentState]) throws(EventLogError) -> VerifyReport {
        var report = VerifyReport()
        var expected: UInt64?
        for (ordinal, segment) in segments.enumerated() {
            report.segments += 1
            let file = try LogFile(path: segment.path, create: false, readOnly: true)
            let size = try file.size()
            // The last segment of a log being written may end in a batch still being written.
            let limit = ordinal == segments.count - 1 ? min(size, segment.committedLength) : size
            if let want = expected, segment.firstPosition != want {
                report.problems.append(
                    .init(
                        segment: segment.name, offset: 0,
                        reason: "starts at position \(segment.firstPosition), expected \(want)"))
            }
            var frames = FrameReader(file: file, offset: segment.dataStart, limit: limit)
            scan: while true {
                switch try frames.next() {
                case .end:
                    break scan
                case .frame(let header, let stored, let offset):
                    if let want = expected, header.basePosition != want {
                        report.problems.append(
                            .init(
                                segment: segment.name, offset: offset,
                                reason: "expected position \(want), found \(header.basePosition)"))
                    }
                    if FrameReader.events(of: header, stored: stored, dictionary: segment.header.dictionary) == nil {
                        report.problems.append(
                            .init(segment: segment.name, offset: offset, reason: "records do not decode"))
                    }
                    report.batches += 1
                    report.events += UInt64(header.recordCount)
                    expected = header.lastPosition + 1
                case .truncated(let offset, let header):
                    // Too long for what is left: a damaged length in the middle as well as a cut end.
                    let reason = FrameReader.cutShortReason(header)
                    report.problems.append(.init(segment: segment.name, offset: offset, reason: reason))
                    guard let next = try frames.findNextSoundFrame(after: offset) else { break scan }
                    frames.seek(to: next)
                    expected = nil
                case .invalid(let offset, let reason):
                    report.problems.append(.init(segment: segment.name, offset: offset, reason: reason))
                    guard let next = try frames.findNextSoundFrame(after: offset) else { break scan }
                    frames.seek(to: next)
                    expected = nil
                }
            }
        }
        return report
    }
}
