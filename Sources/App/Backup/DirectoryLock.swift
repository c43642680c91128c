import EventStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a file, held until released (deinitialized): one backup at a time
/// into a directory. The kernel releases it when the process dies, even by SIGKILL.
final class DirectoryLock {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// The held lock, or `nil` when another process holds it.
    static func acquire(_ path: String) throws -> DirectoryLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BackupError(
                "cannot open \(path): \(String(cString: strerror(errno))); check the directory's permissions")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return DirectoryLock(fd: fd)
    }

    deinit { close(fd) }
}
