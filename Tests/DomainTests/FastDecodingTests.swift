import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import Testing

/// The projector's fast payload decoding gives what `JSONDecoder` gives, for every event of
/// generated histories and for damaged payloads.
@Suite struct FastDecodingTests {
    /// The payload re-encoded (or what went wrong), to compare two decodings.
    static func describe(_ fact: DomainFact) -> String {
        switch fact {
        case .webhookReceived(let value): return "w " + String(decoding: DomainCoding.encode(value), as: UTF8.self)
        case .messageReceived(let value): return "m " + String(decoding: DomainCoding.encode(value), as: UTF8.self)
        case .buttonClicked(let value): return "b " + String(decoding: DomainCoding.encode(value), as: UTF8.self)
        case .statusUpdated(let value): return "s " + String(decoding: DomainCoding.encode(value), as: UTF8.self)
        case .webhookError(let value): return "e " + String(decoding: DomainCoding.encode(value), as: UTF8.self)
        case .unknownType: return "unknown type"
        case .undecodable: return "undecodable"
        default: return "other"
        }
    }

    static func recorded(_ event: NewEvent, data: [UInt8]? = nil) -> RecordedEvent {
        RecordedEvent(
            position: 1, timestamp: 0, type: event.type, version: event.version, stream: event.stream,
            data: data ?? event.data,
            attachment: [])
    }

    @Test func generatedHistoriesDecodeAlike() {
        var history = RandomHistory(seed: 5, contacts: 300)
        var compared = 0
        for _ in 0..<3000 {
            for event in history.next() {
                let recorded = Self.recorded(event)
                #expect(
                    Self.describe(DomainFact(recorded)) == Self.describe(DomainFact.decodedSlowly(recorded)),
                    "\(event.type)")
                compared += 1
            }
        }
        var traffic = SampleTraffic(seed: 8)
        for _ in 0..<1000 {
            for event in traffic.next(receivedAt: 1_795_000_000_000).events {
                let recorded = Self.recorded(event)
                #expect(Self.describe(DomainFact(recorded)) == Self.describe(DomainFact.decodedSlowly(recorded)))
            }
        }
        #expect(compared > 3000)
    }

    @Test(arguments: [
        // Damaged payloads: a required key missing, a wrong type, null optionals, extra keys, not JSON.
        #"{"wamid":"w","status":"sent","timestamp":1,"recipient_id":"r"}"#,
        #"{"wamid":"w","status":"sent","timestamp":"1","recipient_id":"r","errors":[]}"#,
        #"{"wamid":"w","status":"sent","timestamp":1,"recipient_id":"r","errors":[],"pricing_category":null,"#
            + #""extra":[1]}"#,
        #"{"wamid":"w","status":"sent","timestamp":1,"recipient_id":"r","errors":[{"code":"x"}]}"#,
        #"{"wamid":"w","status":"sent","timestamp":1.5,"recipient_id":"r","errors":[]}"#,
        #"{"wamid":"w","status":"sent","timestamp":1,"recipient_id":"r","errors":[],"biz_opaque_callback_data":7}"#,
        #"[]"#, "not json",
    ])
    func damagedStatusesDecodeAlike(data: String) {
        let event = Self.recorded(
            StatusUpdated(wamid: "w", status: "sent", timestamp: 1, recipientId: "r").newEvent(), data: Array(data.utf8)
        )
        #expect(Self.describe(DomainFact(event)) == Self.describe(DomainFact.decodedSlowly(event)), "\(data)")
    }

    @Test(arguments: [
        #"{"wamid":"w","sender":{"wa_id":"1"},"kind":"template_quick_reply","payload":"p","timestamp":1,"#
            + #""authorized":true}"#,
        #"{"wamid":"w","sender":{"wa_id":"1"},"kind":"nope","payload":"p","timestamp":1,"authorized":true}"#,
        #"{"wamid":"w","sender":{},"kind":"template_quick_reply","payload":"p","timestamp":1,"authorized":1}"#,
        #"{"wamid":"w","sender":"1","kind":"template_quick_reply","payload":"p","timestamp":1,"authorized":false}"#,
    ])
    func damagedClicksDecodeAlike(data: String) {
        let click = ButtonClicked(
            wamid: "w", sender: Sender(waId: "1"), kind: .templateQuickReply, payload: "p", text: nil, contextId: nil,
            timestamp: 1)
        let event = Self.recorded(click.newEvent(), data: Array(data.utf8))
        #expect(Self.describe(DomainFact(event)) == Self.describe(DomainFact.decodedSlowly(event)), "\(data)")
    }
}

/// The hand-written encodings write exactly `JSONEncoder`'s bytes.
@Suite struct FastEncodingTests {
    static func same(_ value: some DomainEvent) throws -> Bool {
        try DomainCoding.encode(value) == DomainCoding.encodedSlowly(value)
    }

    @Test func generatedTrafficEncodesByteForByte() throws {
        var traffic = SampleTraffic(seed: 12)
        var checked = 0
        for _ in 0..<2000 {
            for event in traffic.next(receivedAt: 1_795_000_000_000).events {
                let recorded = FastDecodingTests.recorded(event)
                switch DomainFact.decodedSlowly(recorded) {
                case .webhookReceived(let value): #expect(try Self.same(value))
                case .messageReceived(let value): #expect(try Self.same(value))
                case .buttonClicked(let value): #expect(try Self.same(value))
                case .statusUpdated(let value): #expect(try Self.same(value))
                case .webhookError(let value): #expect(try Self.same(value))
                default: continue
                }
                checked += 1
            }
        }
        #expect(checked > 2000)
    }

    @Test(arguments: [
        "plain", "", "quote \" backslash \\ slash / url https://x.y/z",
        "line\nfeed\rtab\tbell\u{07}nul\u{00}esc\u{1B}del\u{7F}",
        "é ü 漢字 😀 \u{2028}\u{2029} \u{FEFF}", "\u{08}\u{0C}\u{1F}",
    ])
    func everyKindOfTextEncodesByteForByte(text: String) throws {
        let sender = Sender(waId: text, userId: nil, profileName: text, phoneNumberId: "1")
        #expect(
            try Self.same(
                ButtonClicked(
                    wamid: text, sender: sender, kind: .interactiveListReply, payload: text, text: text, contextId: nil,
                    timestamp: -5, authorized: false)))
        #expect(
            try Self.same(
                StatusUpdated(
                    wamid: text, status: "failed", timestamp: Int64.max, recipientId: text,
                    errors: [MetaError(code: 131047, title: text, message: nil, details: text), MetaError(code: -1)],
                    pricingCategory: text, conversationId: nil, bizOpaqueCallbackData: text, phoneNumberId: nil)))
        #expect(
            try Self.same(
                MessageReceived(
                    wamid: text, sender: Sender(waId: nil), messageType: text, timestamp: 0, textPreview: text,
                    contextId: text)))
        #expect(
            try Self.same(
                WebhookReceived(
                    receivedAt: 1, remoteAddress: text, signature: .unchecked, parse: .unparsed, bodyBytes: 0,
                    duplicates: 3, requestId: text)))
        #expect(try Self.same(WebhookError(error: MetaError(code: 0, title: text), phoneNumberId: text)))
    }
}
