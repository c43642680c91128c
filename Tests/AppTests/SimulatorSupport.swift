import Adapters
import AsyncHTTPClient
import Delivery
import Domain
import EventStore
import Foundation
import NIOCore
import NIOPosix

/// The Graph API simulator as a `graph-sim` child process (so that tests blocking the test
/// process's threads on other child processes cannot stall it), posting signed webhooks to a
/// `serve` child on `webhookPort`. What it accepted is read over HTTP (`GET /_sim/messages`).
final class LocalSimulator: @unchecked Sendable {
    static let token = "sim-test-token"
    static let number = "100000000000001"
    let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
    let process = Process()
    private(set) var port = 0

    init(webhookPort: Int, secret: String, arguments: [String] = []) async throws {
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments =
            [
                "graph-sim", "--port", "0", "--webhook-url", "http://127.0.0.1:\(webhookPort)/webhook",
                "--sent-after-ms", "5",
                "--delivered-after-ms", "15",
            ] + arguments
        process.environment = ["GRAPH_SIM_ACCESS_TOKEN": Self.token, "WHATSAPP_APP_SECRET": secret]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let handle = output.fileHandleForReading
        let line: String = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var seen = ""
                while !seen.contains("\n") {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    seen += String(decoding: chunk, as: UTF8.self)
                }
                continuation.resume(returning: seen)
            }
        }
        port = Int(line.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        guard port > 0 else { throw CocoaError(.fileReadUnknown) }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `serve` flags and environment that deliver through this simulator.
    var serveArguments: [String] { ["--graph-base-url", baseURL, "--messages-per-second", "0"] }
    var serveEnvironment: [String: String] {
        ["WHATSAPP_ACCESS_TOKEN": Self.token, "WHATSAPP_PHONE_NUMBER_ID": Self.number]
    }

    /// What it accepted, in order.
    func messages() async throws -> [SimulatedMessage] {
        let response = try await http.execute(HTTPClientRequest(url: baseURL + "/_sim/messages"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 << 20)
        return try JSONDecoder().decode([SimulatedMessage].self, from: Data(buffer: body))
    }

    private var stopped = false

    func stop() async {
        stopped = true
        process.terminate()
        process.waitUntilExit()
        try? await http.shutdown()
    }

    /// A test that failed before `stop()` must not crash the whole test process with it (the HTTP
    /// client traps when dropped running, and the child would outlive the tests).
    deinit {
        guard !stopped else { return }
        if process.isRunning { process.terminate() }
        try? http.syncShutdown()
    }
}

/// Writes the default content manifest into a data directory.
func writeDefaultManifest(_ directory: String) {
    _ = FileManager.default.createFile(atPath: directory + "/content.yaml", contents: Data(DefaultManifest.yaml.utf8))
}

/// Every event of the log at `directory` (read-only: works beside a running `serve`).
func logEvents(_ directory: String) throws -> [RecordedEvent] {
    guard FileManager.default.fileExists(atPath: directory) else { return [] }
    let reader = try LogReader.open(directory: directory)
    var events: [RecordedEvent] = []
    var iterator = reader.events().makeAsyncIterator()
    while let event = try iterator.nextEvent() { events.append(event) }
    return events
}

/// Reads the log at `directory` until `finished` holds or `seconds` pass; the events then.
func waitForLog(
    _ directory: String, seconds: Double, until finished: ([RecordedEvent]) -> Bool
) async throws -> [RecordedEvent] {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        let events = try logEvents(directory)
        if finished(events) || Date() > deadline { return events }
        try await Task.sleep(for: .milliseconds(100))
    }
}

/// How many events of `type` there are.
func count(_ events: [RecordedEvent], _ types: EventType...) -> Int {
    events.count { event in types.contains { $0.rawValue == event.type } }
}

/// A template quick-reply tap as Meta posts it.
func clickBody(wamid: String, from contact: String, context: String, payload: String = "unlock:2026-11-24") -> [UInt8] {
    MetaWebhooks.buttonTap(
        .init(phoneNumberId: LocalSimulator.number), wamid: wamid, from: contact, context: context, payload: payload)
}
