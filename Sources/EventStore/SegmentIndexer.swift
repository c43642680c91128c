/// Verifies a copied segment file and writes its index beside it: for backups and restores,
/// whose copies are read by other processes later and must not need a scan to open.
public enum SegmentIndexer {
    /// What a verified segment file holds.
    public struct Summary: Sendable, Equatable {
        /// Position of the segment's first event.
        public var firstPosition: UInt64
        /// Position of the segment's last event.
        public var lastPosition: UInt64
        /// Bytes of the segment file indexed.
        public var bytes: Int64
    }

    /// Scans every batch of `directory/name` (framing, checksums, positions), then writes and
    /// syncs its index (`NNNNNNNNNNNNNNNNNNNN.idx`) beside it.
    ///
    /// - Parameters:
    ///   - directory: The directory holding the segment copy.
    ///   - name: The segment file name.
    /// - Returns: The positions and bytes the segment holds.
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/corruption`` when a batch is
    ///   damaged, cut short or out of place, or the file ends with anything but a whole batch;
    ///   ``EventLogError/Code/io`` when it cannot be read or the index cannot be written.
    public static func indexSegment(directory: String, name: String) throws(EventLogError) -> Summary {
        guard let firstPosition = SegmentName.firstPosition(ofSegment: name) else {
            throw EventLogError(.corruption, "\(name) is not a segment file name (NNNNNNNNNNNNNNNNNNNN.seg)")
        }
        let indexPath = directory + "/" + SegmentName.index(firstPosition)
        LogFS.remove(indexPath)
        var loader = SegmentLoader(directory: directory, mode: .read)
        // Not the last segment: a torn or damaged tail is corruption here, not a batch being written.
        guard let state = try loader.load(name: name, firstPosition: firstPosition, isLast: false) else {
            throw .corruption(segment: name, offset: 0, "segment header cut short")
        }
        let size = try LogFile(path: state.path, create: false, readOnly: true).size()
        if let damage = loader.report.damaged.first {
            throw .corruption(segment: name, offset: damage.offset, damage.reason)
        }
        guard state.committedLength == size else {
            throw .corruption(
                segment: name, offset: state.committedLength,
                "\(size - state.committedLength) bytes after the last batch")
        }
        let file = try LogFile(path: indexPath, create: true)
        try file.truncate(to: 0)
        try file.write(state.index.encode(), at: 0)
        try file.sync()
        return Summary(firstPosition: firstPosition, lastPosition: state.index.lastPosition, bytes: size)
    }
}
