#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor with the few calls the log needs, reporting errors as `EventLogError`.
struct LogFile: ~Copyable {
    let fd: Int32
    let path: String
    private let faults: IOFaults?

    init(path: String, create: Bool, readOnly: Bool = false, faults: IOFaults? = nil) throws(EventLogError) {
        var flags = readOnly ? O_RDONLY : O_RDWR
        if create { flags |= O_CREAT }
        flags |= O_CLOEXEC
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw .system("open", path: path, errno: errno) }
        self.fd = fd
        self.path = path
        self.faults = faults
    }

    /// Another descriptor of the same open file (the same file even if its path is renamed over).
    init(duplicating other: borrowing LogFile) throws(EventLogError) {
        let fd = dup(other.fd)
        guard fd >= 0 else { throw .system("dup", path: other.path, errno: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        self.fd = fd
        self.path = other.path
        self.faults = nil
    }

    deinit { close(fd) }

    func size() throws(EventLogError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system("stat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Reads up to `count` bytes at `offset` (fewer only at the end of the file).
    func read(count: Int, at offset: Int64) throws(EventLogError) -> [UInt8] {
        guard count > 0 else { return [] }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let got = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if got == 0 { break }
                done += got
            }
            initialized = done
        }
        if failure != 0 { throw .system("read", path: path, errno: failure) }
        return bytes
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(EventLogError) {
        var limit = bytes.count
        faults?.waitWhileWritesPaused()
        if let faults, let code = faults.error(for: .write) {
            guard let partial = faults.partialWriteBytes() else { throw .system("write", path: path, errno: code) }
            limit = min(partial, bytes.count)
            if limit == bytes.count { throw .system("write", path: path, errno: code) }
            try writeAll(UnsafeRawBufferPointer(rebasing: bytes[0..<limit]), at: offset)
            throw .system("write", path: path, errno: code)
        }
        try writeAll(bytes, at: offset)
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws(EventLogError) {
        var failure: EventLogError?
        bytes.withUnsafeBytes { raw in
            do throws(EventLogError) { try write(raw, at: offset) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// 1 MiB of zeros: what the writer writes ahead of its batches, what readers compare a tail with.
    static let zeros = [UInt8](repeating: 0, count: 1 << 20)

    /// Writes `count` zero bytes at `offset` (space ahead of the data; never fault-injected: it
    /// holds no data, and a failure only means the space is not there yet).
    func writeZeros(count: Int, at offset: Int64) throws(EventLogError) {
        var done = 0
        while done < count {
            let size = min(Self.zeros.count, count - done)
            var failure: EventLogError?
            Self.zeros.withUnsafeBytes { raw in
                do throws(EventLogError) {
                    try writeAll(UnsafeRawBufferPointer(rebasing: raw[0..<size]), at: offset + Int64(done))
                } catch { failure = error }
            }
            if let failure { throw failure }
            done += size
        }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(EventLogError) {
        var done = 0
        while done < bytes.count {
            let wrote = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if wrote < 0 {
                if errno == EINTR { continue }
                throw .system("write", path: path, errno: errno)
            }
            done += wrote
        }
    }

    /// Makes written data durable (fdatasync: the size change is metadata it covers).
    func sync() throws(EventLogError) {
        if let code = faults?.error(for: .sync) { throw .system("sync", path: path, errno: code) }
        #if canImport(Glibc)
        let result = fdatasync(fd)
        #else
        let result = fsync(fd)
        #endif
        guard result == 0 else { throw .system("sync", path: path, errno: errno) }
    }

    func truncate(to length: Int64) throws(EventLogError) {
        if let code = faults?.error(for: .truncate) { throw .system("truncate", path: path, errno: code) }
        guard ftruncate(fd, off_t(length)) == 0 else { throw .system("truncate", path: path, errno: errno) }
    }
}

/// Filesystem helpers for the log directory.
public enum LogFS {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func makeDirectories(_ path: String) throws(EventLogError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .system("create directory", path: prefix, errno: errno)
            }
            prefix += "/"
        }
    }

    /// Names of the entries in `path` (not `.` or `..`).
    static func list(_ path: String) throws(EventLogError) -> [String] {
        guard let dir = opendir(path) else { throw .system("list", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Makes a directory's entries (created or renamed files) durable.
    static func syncDirectory(_ path: String) throws(EventLogError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .system("sync", path: path, errno: errno) }
    }

    static func remove(_ path: String) { unlink(path) }

    static func move(_ from: String, _ to: String) throws(EventLogError) {
        guard rename(from, to) == 0 else { throw .system("rename", path: from, errno: errno) }
    }

    /// Writes a small file atomically (temp file + rename); no sync: used for caches only.
    static func writeCacheFile(_ path: String, _ bytes: [UInt8]) throws(EventLogError) {
        let temp = path + ".tmp"
        do {
            let file = try LogFile(path: temp, create: true)
            try file.truncate(to: 0)
            try file.write(bytes, at: 0)
        }
        try move(temp, path)
    }

    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

extension LogFS {
    /// Whether `directory` exists and holds at least one segment file.
    public static func isLog(_ directory: String) -> Bool {
        guard isDirectory(directory), let names = try? list(directory) else { return false }
        return names.contains { SegmentName.firstPosition(ofSegment: $0) != nil }
    }
}
