/// What `LogRepair.repair(directory:)` found and did.
public struct RepairReport: Sendable, Equatable, CustomStringConvertible {
    /// One damaged stretch of a segment and what became of it.
    public struct Action: Sendable, Equatable, CustomStringConvertible {
        /// What the repair did with the damage.
        public enum Kind: Sendable, Equatable {
            /// Damaged bytes with sound batches after them (or at the end of a sealed segment):
            /// moved into quarantine; the positions they held now hold placeholder events.
            case quarantined
            /// Unsound bytes at the end of the last segment with no sound batch after them: a torn
            /// write, never acknowledged. Cut, as opening the log would; a copy is kept in quarantine.
            case cutTornTail
            /// Positions missing between sound batches, with no bytes in their place: filled with
            /// placeholder events.
            case filledGap
            /// A last segment whose header is cut short (a crash while it was being created, so it
            /// holds no batch): removed, as opening the log would; its bytes are kept in quarantine.
            case removedIncompleteSegment
        }

        /// What the repair did.
        public var kind: Kind
        /// File name of the segment concerned.
        public var segment: String
        /// Byte offset in the segment as it was before the repair.
        public var offset: Int64
        /// Bytes moved out of the segment (0 for `filledGap`).
        public var bytes: Int64
        /// Positions that now hold placeholder events (`nil`: none were lost, or a torn tail).
        public var positions: ClosedRange<UInt64>?
        /// Path of the quarantine file holding the removed bytes, exactly as they were.
        public var quarantineFile: String?
        /// Why the bytes were unsound, e.g. `checksum mismatch`.
        public var reason: String

        /// One line for the CLI: what was done where, and where the removed bytes are kept.
        public var description: String {
            var text: String
            switch kind {
            case .quarantined:
                text = "moved \(bytes) damaged bytes at byte offset \(offset) of \(segment) (\(reason)) into quarantine"
            case .cutTornTail:
                text =
                    "cut a torn tail of \(bytes) bytes at byte offset \(offset) of \(segment) (\(reason); "
                    + "never acknowledged), as opening the log would"
            case .filledGap:
                text = "filled missing positions at byte offset \(offset) of \(segment) (\(reason))"
            case .removedIncompleteSegment:
                text =
                    "removed \(segment) (\(bytes) bytes, \(reason): a segment whose creation was cut short), "
                    + "as opening the log would"
            }
            if let quarantineFile { text += "; the bytes are kept in \(quarantineFile)" }
            if let positions {
                text +=
                    "; positions \(positions.lowerBound)-\(positions.upperBound) now hold "
                    + "\(LogRepair.placeholderType) placeholder events"
            }
            return text
        }
    }

    /// Segments read (all of them, from their data; indexes are not trusted).
    public var segments = 0
    /// What was done, one action per damaged stretch, in log order; empty when nothing was damaged.
    public var actions: [Action] = []
    /// Segments rewritten (every sound batch copied byte for byte, in place of the damage
    /// placeholder batches). Their index caches were removed; opening the log rebuilds them.
    public var rewrittenSegments: [String] = []
    /// Index caches of segments left as they were that did not describe their batches: removed
    /// (opening the log rebuilds them).
    public var removedIndexes: [String] = []

    /// Nothing found, nothing done.
    public init() {}

    /// Whether the log needed nothing.
    public var foundNothing: Bool { actions.isEmpty && removedIndexes.isEmpty }

    /// The actions, one per line, or a line saying that every batch is sound.
    public var description: String {
        if foundNothing { return "nothing to repair in \(segments) segment(s): every batch is sound" }
        var lines = actions.map(\.description)
        if !rewrittenSegments.isEmpty { lines.append("rewrote \(rewrittenSegments.joined(separator: ", "))") }
        if !removedIndexes.isEmpty {
            lines.append(
                "removed index caches that did not match their segment: \(removedIndexes.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}
