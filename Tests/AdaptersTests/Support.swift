import Adapters
import Domain
import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

let fixtureSecret = "fixture-app-secret"

final class TempLog {
    let path: String
    init() {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("clickunlock-ingress-\(UUID().uuidString)")
            .path
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    var log: String { path + "/log" }
}

func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/webhooks/" + name, withExtension: nil))
    return [UInt8](try Data(contentsOf: url))
}

/// `SIGNATURES.txt`: file name → the `X-Hub-Signature-256` Meta would send.
func fixtureSignatures() throws -> [String: String] {
    let text = String(decoding: try fixture("SIGNATURES.txt"), as: UTF8.self)
    var signatures: [String: String] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        let parts = line.split(separator: " ")
        if parts.count == 2 { signatures[String(parts[0])] = String(parts[1]) }
    }
    return signatures
}

func makeApp(
    log: EventLog, secret: String? = fixtureSecret, verifyToken: String? = "verify-me", authorized: Set<String> = [],
    bodyLimit: Int = 3 * 1024 * 1024, dedupe: DedupeIndex = DedupeIndex()
) -> some ApplicationProtocol {
    let ingestor = WebhookIngestor(
        log: log, signature: secret.map(WebhookSignature.init(appSecret:)), dedupe: dedupe,
        authorizedContacts: authorized,
        logger: Logger(label: "test"))
    var configuration = WebhookRoutes.Configuration(verifyToken: verifyToken)
    configuration.bodyLimit = bodyLimit
    return WebhookServer.application(
        router: WebhookRoutes.router(ingestor: ingestor, configuration: configuration),
        address: .hostname("127.0.0.1", port: 0), logger: Logger(label: "test"))
}

let signatureHeader = HTTPField.Name("X-Hub-Signature-256")!

func post(_ client: some TestClientProtocol, _ body: [UInt8], signature: String?) async throws -> TestResponse {
    var headers: HTTPFields = [:]
    if let signature { headers[signatureHeader] = signature }
    return try await client.execute(uri: "/webhook", method: .post, headers: headers, body: ByteBuffer(bytes: body))
}

func sign(_ body: [UInt8], secret: String = fixtureSecret) -> String {
    WebhookSignature(appSecret: secret).header(for: body)
}

func allEvents(_ log: EventLog) async throws -> [RecordedEvent] {
    var events: [RecordedEvent] = []
    for try await event in log.events(from: 1) { events.append(event) }
    return events
}
