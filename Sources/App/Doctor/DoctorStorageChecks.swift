import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `data_directory` (it exists, this user may write in it, no killed rebuild left a scratch database
/// in it) and `disk_space` (free space on its file system). Nothing is written: write access is asked
/// of the system (`access(2)`).
enum DoctorStorageChecks {
    static let directoryTitle = "Data directory exists and is writable"
    static let diskTitle = "Free disk space"

    static func directory(_ context: DoctorContext) -> DoctorResult {
        let name = "data_directory"
        let path = context.dataDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failed(
                name, directoryTitle, "\(path) does not exist",
                [
                    "create it for the service's user: `sudo install -d -o clickunlock -g clickunlock -m 0750 \(path)` "
                        + "(systemd's StateDirectory= does this for the shipped unit)",
                    "or point data_dir (CLICKUNLOCK_DATA_DIR, --data-dir) at the directory that holds the log",
                ])
        }
        guard isDirectory.boolValue else {
            return .failed(
                name, directoryTitle, "\(path) is a file, not a directory",
                ["point data_dir (--data-dir) at a directory"])
        }
        let paths = [path, context.logDirectory, context.projectionsPath, context.logDirectory + "/LOCK"]
        let readOnly = paths.filter { FileManager.default.fileExists(atPath: $0) && access($0, W_OK) != 0 }
        guard readOnly.isEmpty else {
            return .failed(
                name, directoryTitle, "this user (\(userName)) cannot write \(readOnly.joined(separator: ", "))",
                [
                    "give the service's user the data directory: `sudo chown -R \(userName) \(path)`",
                    "or run doctor as the user the service runs as (`sudo -u clickunlock clickunlock doctor ...`)",
                ])
        }
        let leftovers = ScratchDatabase.leftovers(in: path)
        guard leftovers.isEmpty else {
            return .warning(
                name, directoryTitle,
                "\(path) holds \(leftovers.count) scratch database(s) left by a killed rebuild "
                    + "(\(ScratchDatabase.mebibytes(leftovers)) MiB): "
                    + leftovers.map(\.path).joined(separator: ", "),
                [
                    "the next `clickunlock rebuild` or `serve` start removes them; or remove them by hand "
                        + "(with their -wal, -shm and -journal files): no running process uses them"
                ])
        }
        return .ok(name, directoryTitle, "\(path) (writable by \(userName))")
    }

    static func disk(_ context: DoctorContext, floorMiB: Int) -> DoctorResult {
        let name = "disk_space"
        var info = statvfs()
        guard statvfs(context.dataDirectory, &info) == 0 else {
            return .skipped(name, diskTitle, "the data directory cannot be examined")
        }
        let unit = Int64(info.f_frsize)
        let free = Int64(info.f_bavail) * unit
        let total = max(1, Int64(info.f_blocks) * unit)
        let mebibyte: Int64 = 1 << 20
        let percent = Double(free) * 100 / Double(total)
        let detail = "\(free / mebibyte) MiB free of \(total / mebibyte) MiB (\(String(format: "%.1f", percent))%)"
        let remedies = [
            "archive old log segments: `clickunlock log archive --before TIME --to DIR \(context.dataFlag)` "
                + "(replay and rebuild read them again with --archive DIR)",
            "move old backups and other files off this file system, or grow it",
        ]
        if free < Int64(floorMiB) * mebibyte {
            return .failed(
                name, diskTitle,
                "\(detail): under the floor of \(floorMiB) MiB (doctor_min_free_disk_mb); when the disk fills, the "
                    + "log refuses webhooks (Meta retries them for up to 7 days)",
                remedies)
        }
        if percent < 10 { return .warning(name, diskTitle, detail + ": under 10%", remedies) }
        return .ok(name, diskTitle, detail)
    }

    private static var userName: String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "uid \(geteuid())" }
        return String(cString: name)
    }
}
