import BenchSupport
import Foundation
import Synchronization

/// Starts `clickunlock serve` on a data directory and times, from the spawn, the webhook port's
/// `ready` line (ingress: log opened, dedupe index loaded), the saga's "recovered from the log"
/// line (its fold done) and the first 200 from `GET /readyz` (the projections caught up with the
/// log as it was at start); then SIGKILLs it, as a crash would. The projections are current
/// before the first run (`prepare`), as they are when a service restarts.
enum Measure {
    struct Times {
        var webhook: Double
        var saga: Double
        var readyz: Double
        var ready: Double { max(webhook, saga, readyz) }
    }

    /// Brings the projections up to the log's end (`clickunlock rebuild`) when there are none, so
    /// that no run spends its start rebuilding them (what runs add, a few delivery attempts, the
    /// next start catches up).
    static func prepare(binary: String, directory: String) throws {
        guard !FileManager.default.fileExists(atPath: directory + "/projections.sqlite") else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["rebuild", "--data-dir", directory]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure(text: "clickunlock rebuild exited with \(process.terminationStatus)")
        }
    }

    static func run(binary: String, directory: String) throws -> Times {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "serve", "--data-dir", directory, "--host", "127.0.0.1", "--webhook-port", "0", "--api-port", "0",
            "--ws-port", "0",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["WHATSAPP_APP_SECRET"] = "startup-bench-secret-0123456789"
        environment["WHATSAPP_ACCESS_TOKEN"] = "startup-bench-token"
        environment["WHATSAPP_PHONE_NUMBER_ID"] = "106540352242922"
        // A closed loopback port: sends fail and are retried; the run ends before it matters.
        environment["CLICKUNLOCK_GRAPH_BASE_URL"] = "http://127.0.0.1:9"
        environment["CLICKUNLOCK_DASHBOARD_TOKEN"] = "startup-bench-dashboard-token-0123456789"
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let seen = Mutex<(webhook: Double?, saga: Double?, apiPort: Int?, stderr: String)>((nil, nil, nil, ""))
        let done = DispatchSemaphore(value: 0)
        let start = ContinuousClock.now
        func watch(_ pipe: Pipe, _ isOut: Bool) {
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                let text = String(decoding: data, as: UTF8.self)
                let now = seconds(ContinuousClock.now - start)
                let finished = seen.withLock { seen in
                    if isOut, seen.webhook == nil, text.contains("ready webhook-port=") { seen.webhook = now }
                    if isOut, seen.apiPort == nil, let range = text.range(of: "ready api-port=") {
                        seen.apiPort = Int(text[range.upperBound...].prefix { $0.isNumber })
                    }
                    if !isOut {
                        // Only the tail is kept and searched: a full fold may log a line per skipped event.
                        seen.stderr = String((seen.stderr.suffix(200) + text).suffix(4000))
                        if seen.saga == nil, seen.stderr.contains("recovered from the log up to position") {
                            seen.saga = now
                        }
                    }
                    return seen.webhook != nil && seen.saga != nil
                }
                if finished || data.isEmpty { done.signal() }
            }
        }
        watch(out, true)
        watch(err, false)
        try process.run()
        // `/readyz`, polled every 5 ms once the dashboard port is known.
        var readyz: Double?
        let deadline = ContinuousClock.now + .seconds(900)
        while readyz == nil, ContinuousClock.now < deadline, process.isRunning {
            if let port = seen.withLock({ $0.apiPort }), Readiness.isReady(port: port) {
                readyz = seconds(ContinuousClock.now - start)
            } else {
                usleep(5000)
            }
        }
        let result = done.wait(timeout: .now() + 900)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        let times = seen.withLock { $0 }
        guard result == .success, let webhook = times.webhook, let saga = times.saga, let readyz else {
            throw BenchFailure(text: "serve did not get ready; its stderr:\n" + times.stderr.suffix(2000))
        }
        return Times(webhook: webhook, saga: saga, readyz: readyz)
    }

    struct BenchFailure: Error, CustomStringConvertible {
        let text: String
        var description: String { text }
    }
}
