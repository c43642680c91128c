#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which file a path named when it was opened (device and inode): compaction renames a new file
/// over a sealed segment, so a reader that learned a segment's offsets from one file checks,
/// when it opens the path again, that it still finds that file.
struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64

    /// The identity of an open file.
    init(of file: borrowing LogFile) throws(EventLogError) {
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { throw .system("stat", path: file.path, errno: errno) }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// The identity of the file at `path` now; `nil` when there is none.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
