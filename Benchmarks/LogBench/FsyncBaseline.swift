import Foundation

/// The disk's own limit: a plain loop of `write` + `fdatasync` of `bytesPerSync` bytes, appending
/// to one file in the same directory the log uses.
enum FsyncBaseline {
    static func syncsPerSecond(bytesPerSync: Int, root: String, duration: Double = 1.5) -> Double {
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let path = root + "/fsync-baseline-\(UUID().uuidString)"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(path)")
        defer {
            close(fd)
            unlink(path)
        }
        let bytes = [UInt8](repeating: 0x5A, count: max(1, bytesPerSync))
        let clock = ContinuousClock()
        let started = clock.now
        var syncs = 0
        var offset: off_t = 0
        while syncs < 200_000 {
            let wrote = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, offset) }
            precondition(wrote == bytes.count)
            offset += off_t(wrote)
            fdatasync(fd)
            syncs += 1
            if syncs % 16 == 0, clock.now - started > .milliseconds(Int(duration * 1000)) { break }
        }
        return Double(syncs) / elapsedSeconds(clock.now - started)
    }

    private static func elapsedSeconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
