/// What the log knows about one segment: its header, and the index of its verified bytes.
struct SegmentState: Sendable {
    var name: String
    var path: String
    var header: SegmentHeader
    var index: SegmentIndex
    /// The file the index describes (`nil`: not recorded); compaction may rename another over it.
    var identity: FileIdentity?

    var firstPosition: UInt64 { header.firstPosition }
    var dataStart: Int64 { Int64(header.encodedSize) }
    /// Bytes verified (when opened) or committed (since) — readers never read past them.
    var committedLength: Int64 { index.coveredLength }
}
