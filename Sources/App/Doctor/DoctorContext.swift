import Foundation

/// What every check of `clickunlock doctor` may look at: the configuration (when it loaded), the
/// paths it names, whether to read every batch, and whether a writer holds the log now.
struct DoctorContext: Sendable {
    var dataDirectory: String
    var full: Bool
    /// Whether a process (a running `serve`) holds the log's writer lock.
    var writerRunning: Bool

    var logDirectory: String { dataDirectory + "/log" }
    var projectionsPath: String { dataDirectory + "/projections.sqlite" }

    /// `--data-dir DIR` as the commands take it (for the remedies).
    var dataFlag: String { "--data-dir \(dataDirectory)" }
}

/// Whether a process holds an exclusive `flock` on `path`, read from `/proc/locks` (Linux):
/// nothing is locked, not even for an instant, so a `serve` starting meanwhile is never refused.
/// `false` where it cannot be told.
func fileIsLocked(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else {
        return false
    }
    let inode = String(info.st_ino)
    for line in locks.split(separator: "\n") {
        // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (a waiter's line has "->" after the id).
        let fields = line.split(separator: " ", omittingEmptySubsequences: true).filter { $0 != "->" }
        guard fields.count >= 6, fields[1] == "FLOCK", fields[3] == "WRITE" else { continue }
        if fields[5].split(separator: ":").last.map(String.init) == inode { return true }
    }
    return false
}

/// `body`'s value or error, as a `Result` (so that what must follow either runs once).
func attempt<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
