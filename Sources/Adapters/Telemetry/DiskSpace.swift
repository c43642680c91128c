#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Free and total bytes of the file system holding a path (`statvfs`: one system call, no I/O).
struct DiskSpace: Sendable, Equatable {
    /// Bytes that an unprivileged process can still write (`f_bavail`).
    var freeBytes: Int64
    /// The file system's size (`f_blocks`).
    var totalBytes: Int64

    /// `nil` when the path cannot be examined (it does not exist, or is not reachable).
    static func of(_ path: String) -> DiskSpace? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let unit = Int64(info.f_frsize)
        return DiskSpace(freeBytes: Int64(info.f_bavail) * unit, totalBytes: Int64(info.f_blocks) * unit)
    }
}
