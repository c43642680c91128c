/// Creates a new, empty segment file durably (header written and synced, directory synced).
enum SegmentCreator {
    struct Created: ~Copyable {
        var file: LogFile
        var state: SegmentState
    }

    static func create(
        directory: String, firstPosition: UInt64, dictionary: [UInt8], faults: IOFaults?
    ) throws(EventLogError) -> Created {
        let name = SegmentName.segment(firstPosition)
        let path = directory + "/" + name
        let header = SegmentHeader(
            firstPosition: firstPosition, createdAt: LogFS.now(),
            dictionary: Array(dictionary.prefix(SegmentHeader.maxDictionary)))
        do throws(EventLogError) {
            let file = try LogFile(path: path, create: true, faults: faults)
            try file.truncate(to: 0)
            try file.write(header.encode(), at: 0)
            try file.sync()
            try LogFS.syncDirectory(directory)
            let state = SegmentState(
                name: name, path: path, header: header,
                index: SegmentIndex(firstPosition: firstPosition, dataStart: Int64(header.encodedSize)),
                identity: try? FileIdentity(of: file))
            return Created(file: file, state: state)
        } catch {
            LogFS.remove(path)
            throw error
        }
    }
}
