/// What `LogRepair.repair(directory:)` found and did.
public struct RepairReport: Sendable, Equatable, CustomStringConvertible {
    /// One damaged stretch of a segment and what became of it.
    public struct Action: Sendable, Equatable, CustomStringConvertible {
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
        }

        public var kind: Kind
        public var segment: String
        /// Byte offset in the segment as it was before the repair.
        public var offset: Int64
        /// Bytes moved out of the segment (0 for `filledGap`).
        public var bytes: Int64
        /// Positions that now hold placeholder events (`nil`: none were lost, or a torn tail).
        public var positions: ClosedRange<UInt64>?
        /// Path of the quarantine file holding the removed bytes, exactly as they were.
        public var quarantineFile: String?
        public var reason: String

        public var description: String {
            var text: String
            switch kind {
            case .quarantined:
                text = "moved \(bytes) damaged bytes at byte offset \(offset) of \(segment) (\(reason)) into quarantine"
            case .cutTornTail:
                text = "cut a torn tail of \(bytes) bytes at byte offset \(offset) of \(segment) (\(reason); "
                    + "never acknowledged), as opening the log would"
            case .filledGap:
                text = "filled missing positions at byte offset \(offset) of \(segment) (\(reason))"
            }
            if let quarantineFile { text += "; the bytes are kept in \(quarantineFile)" }
            if let positions {
                text += "; positions \(positions.lowerBound)-\(positions.upperBound) now hold "
                    + "\(LogRepair.placeholderType) placeholder events"
            }
            return text
        }
    }

    /// Segments read (all of them, from their data; indexes are not trusted).
    public var segments = 0
    public var actions: [Action] = []
    /// Segments rewritten (every sound batch copied byte for byte, in place of the damage
    /// placeholder batches). Their index caches were removed; opening the log rebuilds them.
    public var rewrittenSegments: [String] = []

    public init() {}

    /// Whether the log needed nothing.
    public var foundNothing: Bool { actions.isEmpty }

    public var description: String {
        if foundNothing { return "nothing to repair in \(segments) segment(s): every batch is sound" }
        return (actions.map(\.description) + ["rewrote \(rewrittenSegments.joined(separator: ", "))"])
            .joined(separator: "\n")
    }
}
