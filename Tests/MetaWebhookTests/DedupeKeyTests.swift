import Domain
import EventStore
import Foundation
import MetaWebhook
import Testing

/// The duplicate key the parser gives a fact is the one the dedupe index finds for that fact when
/// it reloads it from the log: one definition (`DedupeKey`), both ways.
@Suite struct DedupeKeyTests {
    static func recorded(_ event: NewEvent) -> RecordedEvent {
        RecordedEvent(
            position: 1, timestamp: 0, type: event.type, version: event.version, stream: event.stream, data: event.data,
            attachment: [])
    }

    @Test func parsedKeysAreTheKeysOfTheStoredFacts() throws {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures/webhooks", withExtension: nil))
        var keyed = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".json") {
            for item in WebhookParser.parse(try fixture(name)).items {
                #expect(item.key == DedupeKey.of(DomainFact(Self.recorded(item.event))), "\(name): \(item.event.type)")
                // The reload's shortcut (only keyed types decoded) gives the same key.
                #expect(item.key == DedupeKey.of(Self.recorded(item.event)), "\(name): \(item.event.type)")
                if item.key != nil { keyed += 1 }
            }
        }
        #expect(keyed >= 10)
    }

    @Test func aMessageIsKeyedByItsWamidAndAStatusByWamidAndStatus() {
        let sender = Sender(waId: "1")
        let tap = ButtonClicked(
            wamid: "w", sender: sender, kind: .templateQuickReply, payload: "p", text: nil, contextId: nil,
            timestamp: 0)
        let message = MessageReceived(wamid: "w", sender: sender, messageType: "text", timestamp: 0)
        let sent = StatusUpdated(wamid: "w", status: "sent", timestamp: 0, recipientId: "1")
        let read = StatusUpdated(wamid: "w", status: "read", timestamp: 0, recipientId: "1")
        #expect(DedupeKey.of(.buttonClicked(tap)) == DedupeKey.of(.messageReceived(message)))
        #expect(DedupeKey.of(.statusUpdated(sent)) != DedupeKey.of(.statusUpdated(read)))
        #expect(DedupeKey.of(.statusUpdated(sent)) != DedupeKey.of(.messageReceived(message)))
        #expect(DedupeKey.of(.webhookError(WebhookError(error: MetaError(code: 1), phoneNumberId: nil))) == nil)
    }
}
