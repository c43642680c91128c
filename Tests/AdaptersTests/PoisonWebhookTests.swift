import Adapters
import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import Testing

/// Signed webhooks the log can never take as they are: stored raw, unparsed, and acknowledged
/// (a 503 would have Meta retry them for a week); the service keeps serving.
@Suite struct PoisonWebhookTests {
    static let longId = String(repeating: "9", count: 5000)

    static func statusBody(recipient: String) -> [UInt8] {
        let text = """
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":\
            {"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},"statuses":[{"id":\
            "wamid.OUT9","status":"sent","timestamp":"1764000061","recipient_id":"\(recipient)"}]}}]}]}
            """
        return Array(text.utf8)
    }

    static func errorsBody(phoneNumberId: String) -> [UInt8] {
        let text = """
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":\
            {"messaging_product":"whatsapp","metadata":{"phone_number_id":"\(phoneNumberId)"},"errors":[{"code":\
            131000,"title":"Something went wrong","message":"Something went wrong"}]}}]}]}
            """
        return Array(text.utf8)
    }

    @Test func factsPastALogLimitAreStoredRawAndAcknowledged() async throws {
        let port = try await PortHarness.start()
        let poisons = [
            clickBody(wamid: "wamid.POISON1", from: Self.longId),  // the contact id is the fact's stream
            Self.statusBody(recipient: Self.longId),
            Self.errorsBody(phoneNumberId: Self.longId),
        ]
        for body in poisons {
            for delivery in 1...2 {  // Meta's redelivery is acknowledged too
                let before = port.log.lastPosition
                #expect(try await port.post(body, signature: sign(body)) == 200, "delivery \(delivery)")
                var events: [RecordedEvent] = []
                for try await event in port.log.events(from: before + 1) { events.append(event) }
                #expect(events.map(\.type) == ["webhook.received"])
                #expect(events.first.flatMap(WebhookReceived.init)?.parse == .unparsed)
                #expect(events.first?.attachment == body)
            }
        }
        #expect(port.ingestor.statistics.unstorableFacts == 6)
        #expect(port.ingestor.statistics.unavailable == 0)

        // A huge message id and payload are past no limit of the log: stored with their fact.
        let huge = clickBody(
            wamid: "wamid." + String(repeating: "A", count: 1 << 20), payload: String(repeating: "p", count: 1 << 20))
        #expect(try await port.post(huge, signature: sign(huge)) == 200)
        // The service keeps serving.
        let normal = clickBody(wamid: "wamid.AFTER")
        #expect(try await port.post(normal, signature: sign(normal)) == 200)
        let clicks = try await allEvents(port.log).compactMap(ButtonClicked.init).map(\.wamid)
        #expect(clicks.map(\.count) == [(1 << 20) + 6, 11])
        await port.stop()
    }

    /// A body bigger than the log's events (a body limit `serve` would refuse to start with) is
    /// answered 413, not 503 for ever, with a line that says what to change.
    @Test func aBodyTheLogCannotStoreEvenRawIs413AndSaysWhy() async throws {
        let capture = LogCapture()
        let port = try await PortHarness.start(
            logConfiguration: .init { $0.maxEventBytes = 64 * 1024 }, logger: capture.logger())
        let body = clickBody(wamid: "wamid.BIG", payload: String(repeating: "p", count: 100_000))
        #expect(try await port.post(body, signature: sign(body)) == 413)
        #expect(port.log.lastPosition == 0)
        #expect(port.ingestor.statistics.rejected["unstorable"] == 1)
        let line = try #require(capture.lines.first { $0.contains("unstorable") || $0.contains("even raw") })
        #expect(line.contains("lower the body limit to at most \(64 * 1024 - 4096) bytes"))
        #expect(!line.contains("pppp"))
        let normal = clickBody(wamid: "wamid.AFTER")
        #expect(try await port.post(normal, signature: sign(normal)) == 200)
        await port.stop()
    }

    /// `largestStorableBody` leaves room for the raw hit's own fields at their longest.
    @Test func aBodyOfTheLargestStorableSizeIsStoredRaw() async throws {
        let temp = TempLog()
        let configuration = EventLogConfiguration { $0.maxEventBytes = 64 * 1024 }
        let log = try EventLog.open(directory: temp.log, configuration: configuration)
        let ingestor = WebhookIngestor(
            log: log, signature: WebhookSignature(appSecret: fixtureSecret), dedupe: DedupeIndex(),
            logger: PortHarness.quietLogger())
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: WebhookIngestor.largestStorableBody(in: configuration))
        let result = await ingestor.ingest(
            body: body, signatureHeader: sign(body), remoteAddress: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
            requestId: String(repeating: "r", count: 64))
        #expect(result.status == 200)
        #expect(try await allEvents(log).first?.attachment == body)
        await log.close()
    }
}
