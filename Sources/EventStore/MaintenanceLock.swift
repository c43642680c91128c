#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exclusive hold of a log directory's `LOCK` without opening the log: maintenance that must not
/// run beside a writer (swapping rebuilt projections in) takes it. `nil` when a writer holds it.
public final class MaintenanceLock: Sendable {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes the directory's `LOCK` if no one holds it; it is held until the lock is released
    /// (deinitialized), so keep the returned value alive while the maintenance runs.
    ///
    /// - Parameter directory: The log's directory; created when missing.
    /// - Returns: The held lock, or `nil` when a writer (or other maintenance) holds it now.
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/io`` when the directory or the
    ///   `LOCK` file cannot be created or opened.
    public static func acquire(directory: String) throws(EventLogError) -> MaintenanceLock? {
        try LogFS.makeDirectories(directory)
        let path = directory + "/LOCK"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("open", path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return MaintenanceLock(fd: fd)
    }

    deinit { close(fd) }
}
