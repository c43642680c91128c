import Adapters
import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running `clickunlock serve` child process on a free port.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    private(set) var port = 0
    private let output = Pipe()

    init(
        dataDirectory: String, secret: String, port: Int = 0, arguments: [String] = [],
        environment: [String: String] = [:],
        stderr: String? = nil
    ) throws {
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        // A free feed port: tests run side by side, and the default (3001) would be shared.
        let base = [
            "serve", "--data-dir", dataDirectory, "--webhook-port", String(port), "--host", "127.0.0.1",
            "--ws-port", "0",
        ]
        process.arguments = base + arguments
        process.environment = [
            "WHATSAPP_APP_SECRET": secret, "WHATSAPP_VERIFY_TOKEN": "crash-test-verify-token", "LOG_LEVEL": "error",
        ]
        .merging(environment) { _, new in new }
        process.standardOutput = output
        if let stderr, FileManager.default.createFile(atPath: stderr, contents: nil),
            let handle = FileHandle(forWritingAtPath: stderr)
        {
            process.standardError = handle
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        var seen = Data()
        let deadline = Date().addingTimeInterval(30)
        while self.port == 0 && Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
            if let line = String(decoding: seen, as: UTF8.self).split(separator: "\n").first(where: {
                $0.hasPrefix("ready webhook-port=")
            }) {
                self.port = Int(line.split(separator: "=")[1]) ?? 0
            }
        }
        guard self.port > 0 else {
            kill()
            throw CocoaError(.fileReadUnknown)
        }
    }

    /// A test that ends early (a failed `#require`) does not leave its service holding the port and
    /// the data directory.
    deinit {
        if process.isRunning { kill() }
    }

    func kill(_ signal: Int32 = SIGKILL) {
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    /// POSTs a signed body; the status, or nil when the connection failed.
    func post(_ body: [UInt8], signature: String) async -> Int? {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/webhook")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue(signature, forHTTPHeaderField: "X-Hub-Signature-256")
        request.timeoutInterval = 5
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }
}

@Suite struct ServeCrashTests {
    static let secret = "crash-test-secret"

    /// Signs like Meta: HMAC-SHA256 of the raw bytes.
    static func sign(_ body: [UInt8]) -> String { WebhookSignature(appSecret: secret).header(for: body) }

    @Test func everyAcknowledgedWebhookSurvivesSIGKILLAndNoFactIsStoredTwice() async throws {
        let data = TempDataDirectory()
        var random = SplitMix64(seed: UInt64(Date.now.timeIntervalSince1970))
        var traffic = SampleTraffic(seed: random.next())
        var acknowledged: [[UInt8]] = []
        for round in 0..<8 {
            let server = try ServeProcess(dataDirectory: data.path, secret: Self.secret)
            // Redeliveries of some already acknowledged (as Meta retries) first, so that they are
            // posted before the kill, then new webhooks.
            let bodies =
                Array(acknowledged.shuffled().prefix(40))
                + (0..<400).map { _ in traffic.next(receivedAt: Int64(Date().timeIntervalSince1970 * 1000)).body }
            // Even rounds kill at a random moment soon after the start; odd ones after a random number
            // of acknowledgements, which a loaded machine (slowing the lanes and the killer alike)
            // cannot shrink, so that the run as a whole acknowledges enough to prove something.
            let killAfterMilliseconds = 50 + Int(random.next() % 400)
            let killAfterAcks = round.isMultiple(of: 2) ? nil : 30 + Int(random.next() % 50)
            let acked = Acknowledged()
            let killer = Task {
                if let killAfterAcks {
                    let deadline = Date().addingTimeInterval(60)
                    while acked.count < killAfterAcks, Date() < deadline {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                } else {
                    try await Task.sleep(for: .milliseconds(killAfterMilliseconds))
                }
                server.kill()
            }
            await withTaskGroup(of: Void.self) { group in
                for lane in 0..<8 {
                    group.addTask {
                        for body in stride(from: lane, to: bodies.count, by: 8).map({ bodies[$0] }) {
                            guard let status = await server.post(body, signature: Self.sign(body)) else { break }
                            if status == 200 { acked.add(body) }
                        }
                    }
                }
            }
            _ = try await killer.value
            acknowledged += acked.snapshot()
        }
        #expect(acknowledged.count > 100, "too few acknowledged webhooks to prove anything")

        let reader = try LogReader.open(directory: data.logPath)
        var iterator = reader.events().makeAsyncIterator()
        var bodies = Set<[UInt8]>()
        var keys: [String: Int] = [:]
        while let event = try iterator.nextEvent() {
            if event.type == "webhook.received" { bodies.insert(event.attachment) }
            if let key = DedupeIndex.key(of: event) { keys[key, default: 0] += 1 }
        }
        let missing = acknowledged.filter { !bodies.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) acknowledged webhooks are not in the log")
        let twice = keys.filter { $0.value > 1 }
        #expect(twice.isEmpty, "facts stored twice: \(twice.prefix(3))")
    }
}
