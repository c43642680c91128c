import Adapters
import AsyncHTTPClient
import Delivery
import Domain
import EventStore
import Foundation
import Logging
import NIOPosix

/// The Graph API simulator running in the test process, over real HTTP, posting signed webhooks
/// to a `serve` child on `webhookPort`.
final class LocalSimulator: @unchecked Sendable {
    static let token = "sim-test-token"
    static let number = "100000000000001"
    let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
    let simulator: GraphSimulator
    let server: RunningServer

    init(webhookPort: Int, secret: String, configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws {
        var configuration = SimulatorConfiguration(
            accessToken: Self.token, webhookURL: "http://127.0.0.1:\(webhookPort)/webhook", appSecret: secret)
        configuration.sentAfterMs = 5
        configuration.deliveredAfterMs = 15
        configure(&configuration)
        var logger = Logger(label: "sim")
        logger.logLevel = .critical
        simulator = GraphSimulator(configuration: configuration, http: http, logger: logger)
        server = try await RunningServer.start(router: simulator.router(), logger: logger)
    }

    /// `serve` flags and environment that deliver through this simulator.
    var serveArguments: [String] { ["--graph-base-url", server.baseURL, "--messages-per-second", "0"] }
    var serveEnvironment: [String: String] { ["WHATSAPP_ACCESS_TOKEN": Self.token, "WHATSAPP_PHONE_NUMBER_ID": Self.number] }

    func stop() async {
        await server.stop()
        try? await http.shutdown()
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

/// A template quick-reply tap as Meta posts it.
func clickBody(wamid: String, from contact: String, context: String, payload: String = "unlock:2026-11-24") -> [UInt8] {
    Array(
        """
        {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",\
        "metadata":{"display_phone_number":"15550001234","phone_number_id":"\(LocalSimulator.number)"},\
        "contacts":[{"profile":{"name":"Advisor"},"wa_id":"\(contact)"}],\
        "messages":[{"context":{"from":"15550001234","id":"\(context)"},"from":"\(contact)","id":"\(wamid)",\
        "timestamp":"\(Int64(Date().timeIntervalSince1970))","type":"button","button":{"payload":"\(payload)","text":"Unlock"}}]}}]}]}
        """.utf8)
}
