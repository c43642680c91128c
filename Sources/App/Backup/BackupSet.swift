import Foundation

/// The backups kept in a backup directory: one sub-directory each, `backup-YYYYMMDDTHHMMSSZ`,
/// complete when it holds a `MANIFEST.json`.
struct BackupSet {
    static let prefix = "backup-"

    let directory: String

    /// Backup sub-directory names, oldest first (names sort by time).
    func names() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { $0.hasPrefix(Self.prefix) && !$0.contains(".") }.sorted()
    }

    /// Complete backups, oldest first, with their manifests.
    func complete() -> [(name: String, manifest: BackupManifest)] {
        names().compactMap { name in BackupManifest.load(directory: path(name)).map { (name, $0) } }
    }

    /// Backups that did not finish (no manifest): left by a killed or failed run.
    func incomplete() -> [String] {
        names().filter { BackupManifest.load(directory: path($0)) == nil }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// A new, unused sub-directory name for a backup started at `date`.
    func newName(at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let base = Self.prefix + formatter.string(from: date)
        var name = base
        var suffix = 2
        while FileManager.default.fileExists(atPath: path(name)) {
            name = base + "-\(suffix)"
            suffix += 1
        }
        return name
    }
}
