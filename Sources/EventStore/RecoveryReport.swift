/// What opening a log found and did: the torn tail it cut, the indexes it rebuilt.
public struct RecoveryReport: Sendable, Equatable, CustomStringConvertible {
    /// Segment whose torn last batch was cut, if any.
    public var truncatedSegment: String?
    /// Bytes removed (or, read-only, ignored) at the end of `truncatedSegment`.
    public var truncatedBytes: Int64 = 0
    /// Positions of the cut batch, when its header was readable.
    public var truncatedPositions: ClosedRange<UInt64>?
    /// Segment files removed because their creation was cut short (no batch in them).
    public var removedSegments: [String] = []
    /// Segments whose index was missing or stale and was rebuilt by scanning.
    public var rebuiltIndexes: [String] = []
    /// Bytes read and verified while opening (the unverified tail).
    public var verifiedBytes: Int64 = 0
    /// Zeros found after the last batch (space the writer prepared ahead; a crash leaves them):
    /// cut (or, read-only, ignored), never counted as a torn batch.
    public var preallocatedBytes: Int64 = 0
    /// Read-only: damaged batches with sound batches after them (so not torn writes), read past
    /// when opening. Reads stop at each with `.corruption` unless they skip corrupt data;
    /// `clickunlock log repair` mends them. (The writer refuses to open over them.)
    public var damaged: [SkippedRange] = []
    /// Whether the log was opened read-only (nothing was changed on disk).
    public var readOnly = false

    /// Nothing found, nothing done: the report of a log that opened cleanly.
    public init() {}

    /// Whether opening removed bytes or files (a torn batch or empty segments).
    public var cutSomething: Bool { truncatedBytes > 0 || !removedSegments.isEmpty }

    /// One line for logs: what was cut, removed, found damaged and rebuilt, and the bytes verified.
    public var description: String {
        var parts: [String] = []
        if let segment = truncatedSegment, truncatedBytes > 0 {
            var text =
                readOnly
                ? "ignored an incomplete batch at the end of \(segment) (\(truncatedBytes) bytes"
                : "cut a torn batch from the end of \(segment) (\(truncatedBytes) bytes"
            if let positions = truncatedPositions {
                text += ", positions \(positions.lowerBound)-\(positions.upperBound)"
            }
            text +=
                readOnly
                ? "; it may still be being written)"
                : "). It was never acknowledged: appends are acknowledged only once synced"
            parts.append(text)
        }
        if !removedSegments.isEmpty {
            parts.append(
                "removed empty segments whose creation was cut short: \(removedSegments.joined(separator: ", "))")
        }
        if !damaged.isEmpty {
            parts.append(
                "found damaged batches followed by sound ones (run `clickunlock log verify`, "
                    + "then `clickunlock log repair`): " + damaged.map(\.description).joined(separator: "; "))
        }
        if !rebuiltIndexes.isEmpty { parts.append("rebuilt indexes: \(rebuiltIndexes.joined(separator: ", "))") }
        parts.append("verified \(verifiedBytes) bytes")
        return parts.joined(separator: "; ")
    }
}
