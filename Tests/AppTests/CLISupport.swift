import Foundation
import Testing

/// The `clickunlock` executable built beside this test bundle (`swift build --build-tests`).
enum CLI {
    static var executable: String {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidate = directory
        // The bundle may sit one level deeper (e.g. `.xctest/Contents/MacOS` on macOS).
        for _ in 0..<4 {
            let path = candidate.appendingPathComponent("clickunlock").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
            candidate = candidate.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("clickunlock").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    }

    /// Runs `clickunlock` with `arguments` to completion (with exactly `environment`, when given).
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let collected = Collector(out.fileHandleForReading)
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: collected.wait(), as: UTF8.self),
            stderr: String(decoding: errors, as: UTF8.self))
    }

    /// Reads a pipe to its end on a background thread; what arrived so far can be read meanwhile.
    final class Collector: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var data = Data()

        init(_ handle: FileHandle) {
            DispatchQueue.global().async {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    self.lock.withLock { self.data.append(chunk) }
                }
                self.done.signal()
            }
        }

        /// Everything, once the pipe is closed.
        func wait() -> Data {
            done.wait()
            done.signal()
            return lock.withLock { data }
        }

        /// What arrived so far.
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

        /// Waits (blocking this thread) until what arrived so far satisfies `condition`, or `seconds`
        /// pass; whether it did.
        func waitUntil(seconds: Double, _ condition: (String) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while !condition(text) {
                if Date() > deadline { return false }
                usleep(5_000)
            }
            return true
        }

        /// `waitUntil` without holding a thread.
        func wait(seconds: Double, until condition: (String) -> Bool) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while !condition(text) {
                if Date() > deadline { return false }
                try await Task.sleep(for: .milliseconds(20))
            }
            return true
        }
    }
}

/// A temporary data directory removed when the test ends.
final class TempDataDirectory {
    let path: String

    init() {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("clickunlock-app-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var logPath: String { path + "/log" }
}

func jsonObject(_ line: String) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
}

/// The bytes of a fixture shipped with the tests.
func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/webhooks/" + name, withExtension: nil))
    return [UInt8](try Data(contentsOf: url))
}
