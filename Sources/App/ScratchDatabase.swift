import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scratch databases `rebuild` builds beside the live projections:
/// `projections.rebuild-PID.sqlite` (swapped in at the end) and `projections.check-PID.sqlite`
/// (compared, then removed). A rebuild killed before its end leaves its scratch database behind,
/// as large as the projections; one whose process is gone, or last written before the machine
/// booted (its PID may belong to another process since), is a leftover, which the next `rebuild`
/// and the next `serve` start remove, and `doctor` reports. Only regular files are considered.
enum ScratchDatabase {
    enum Purpose: String, CaseIterable {
        case rebuild
        case check
    }

    /// One left by a process that is gone.
    struct Leftover: Equatable {
        var path: String
        var pid: Int32
        /// The database and its `-wal`, `-shm` and `-journal` files.
        var bytes: Int64
    }

    /// This process's scratch database for `purpose` in `directory`.
    static func path(_ purpose: Purpose, in directory: String) -> String {
        directory + "/projections.\(purpose.rawValue)-\(getpid()).sqlite"
    }

    /// Removes the database at `path` with its `-wal`, `-shm` and `-journal` files.
    static func remove(_ path: String) {
        for suffix in companionSuffixes { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// The scratch databases in `directory` whose process is gone.
    static func leftovers(in directory: String) -> [Leftover] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let booted = bootTime()
        return names.sorted().compactMap { name -> Leftover? in
            guard let pid = ownerPID(of: name) else { return nil }
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
            let writtenBeforeBoot = booted.map { Int(info.st_mtim.tv_sec) < $0 } ?? false
            guard writtenBeforeBoot || !isRunning(pid) else { return nil }
            let bytes = companionSuffixes.reduce(Int64(0)) { total, suffix in
                let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size]) as? NSNumber
                return total + (size?.int64Value ?? 0)
            }
            return Leftover(path: path, pid: pid, bytes: bytes)
        }
    }

    /// Removes the leftovers in `directory`; returns what it removed.
    @discardableResult
    static func removeLeftovers(in directory: String) -> [Leftover] {
        let found = leftovers(in: directory)
        for leftover in found { remove(leftover.path) }
        return found
    }

    /// Their size in MiB, with their companion files.
    static func mebibytes(_ leftovers: [Leftover]) -> Int64 {
        leftovers.reduce(Int64(0)) { $0 + $1.bytes } >> 20
    }

    /// One line naming what `removeLeftovers` removed.
    static func describe(_ removed: [Leftover]) -> String {
        let mebibytes = mebibytes(removed)
        let paths = removed.map { "\($0.path) (process \($0.pid))" }.joined(separator: ", ")
        return "removed \(removed.count) scratch database(s) left by a killed rebuild, \(mebibytes) MiB: \(paths)"
    }

    private static let companionSuffixes = ["", "-wal", "-shm", "-journal"]

    /// The PID in `projections.PURPOSE-PID.sqlite`, or nil for any other name (a `-wal` file too).
    private static func ownerPID(of name: String) -> Int32? {
        for purpose in Purpose.allCases {
            let prefix = "projections.\(purpose.rawValue)-"
            guard name.hasPrefix(prefix), name.hasSuffix(".sqlite") else { continue }
            let digits = name.dropFirst(prefix.count).dropLast(".sqlite".count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
            return Int32(digits).flatMap { $0 > 0 ? $0 : nil }
        }
        return nil
    }

    /// Whether a process with this PID exists (one this user may not signal exists too).
    private static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// When the machine booted, in seconds since 1970 (`btime` in `/proc/stat`; nil without it).
    private static func bootTime() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Int($0.dropFirst(6)) }
    }
}
