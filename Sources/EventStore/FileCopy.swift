#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies and checksums files for backups and restores (CRC-32C of the bytes, in 1 MiB reads).
public enum FileCopy {
    /// What was read (and written): its length and CRC-32C.
    public struct Summary: Sendable, Equatable {
        /// Bytes copied or read.
        public var bytes: Int64
        /// CRC-32C of those bytes.
        public var checksum: UInt32

        /// A summary of `bytes` bytes whose CRC-32C is `checksum`.
        public init(bytes: Int64, checksum: UInt32) {
            self.bytes = bytes
            self.checksum = checksum
        }
    }

    static let chunk = 1 << 20

    /// The length and CRC-32C of a file's first `length` bytes (all of it when `nil`).
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - length: How many bytes to read (the whole file when `nil`).
    ///   - visit: Sees every chunk read, in order (to compute another digest on the way).
    /// - Returns: The length and CRC-32C of what was read.
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when it cannot be read or
    ///   is shorter than `length`.
    public static func checksum(
        path: String, length: Int64? = nil, visit: (UnsafeRawBufferPointer) -> Void = { _ in }
    ) throws(EventLogError) -> Summary {
        try stream(from: path, length: length) { bytes, _ throws(EventLogError) in visit(bytes) }
    }

    /// Copies a file's first `length` bytes (all of it, as it is when opened, when `nil`) to
    /// `destination` (created or replaced), synced.
    ///
    /// - Parameters:
    ///   - source: The file to copy.
    ///   - destination: The copy.
    ///   - length: How many bytes to copy (the whole file, as it is when opened, when `nil`).
    ///   - visit: Sees every chunk copied, in order (to compute another digest on the way).
    /// - Returns: The length and CRC-32C of what was copied (read once: the bytes checked are the
    ///   bytes written).
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when reading, writing or
    ///   syncing fails, or the source is shorter than `length`.
    public static func copy(
        from source: String, to destination: String, length: Int64? = nil,
        visit: (UnsafeRawBufferPointer) -> Void = { _ in }
    ) throws(EventLogError) -> Summary {
        LogFS.remove(destination)
        let out = try LogFile(path: destination, create: true)
        let summary = try stream(from: source, length: length) { bytes, offset throws(EventLogError) in
            visit(bytes)
            try out.write(bytes, at: offset)
        }
        try out.sync()
        return summary
    }

    /// Makes `destination` another name of `source` (a hard link; no bytes copied).
    ///
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when the link fails (other
    ///   file system, or no permission).
    public static func hardLink(from source: String, to destination: String) throws(EventLogError) {
        LogFS.remove(destination)
        guard link(source, destination) == 0 else { throw .system("link", path: destination, errno: errno) }
    }

    /// Makes a directory's entries durable (after files were created or renamed in it).
    public static func syncDirectory(_ path: String) throws(EventLogError) { try LogFS.syncDirectory(path) }

    /// Creates a directory and its parents.
    public static func makeDirectories(_ path: String) throws(EventLogError) { try LogFS.makeDirectories(path) }

    private static func stream(
        from path: String, length: Int64?, _ body: (UnsafeRawBufferPointer, Int64) throws(EventLogError) -> Void
    ) throws(EventLogError) -> Summary {
        let file = try LogFile(path: path, create: false, readOnly: true)
        let total: Int64
        if let length { total = length } else { total = try file.size() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var crc: UInt32 = 0
        var offset: Int64 = 0
        while offset < total {
            let want = Int(min(Int64(chunk), total - offset))
            let got = pread(file.fd, buffer.baseAddress!, want, off_t(offset))
            if got < 0 {
                if errno == EINTR { continue }
                throw .system("read", path: path, errno: errno)
            }
            guard got > 0 else {
                throw EventLogError(.io, "\(path) ends at byte \(offset), before the \(total) bytes to copy")
            }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<got])
            crc = CRC32C.update(crc, bytes)
            try body(bytes, offset)
            offset += Int64(got)
        }
        return Summary(bytes: total, checksum: crc)
    }
}

extension FileCopy {
    /// Makes a file's bytes durable (a file another library wrote, such as a SQLite copy).
    ///
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when it cannot be opened or synced.
    public static func syncFile(_ path: String) throws(EventLogError) {
        let file = try LogFile(path: path, create: false, readOnly: true)
        try file.sync()
    }
}
