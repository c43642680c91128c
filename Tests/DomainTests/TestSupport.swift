import Foundation

/// A temporary data directory removed when the test ends.
final class TempDataDirectory {
    let path: String

    init() {
        let name = "clickunlock-domain-\(UUID().uuidString)"
        path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var logPath: String { path + "/log" }
}
