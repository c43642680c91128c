import EventStore
import Foundation
import Testing

@testable import Domain

/// Every event type of the catalogue, with every field set, is written and read back by the fast
/// paths exactly as `JSONEncoder` and `JSONDecoder` do. The samples come from a switch over
/// `EventType` (a new type does not compile until it has one) and are checked to leave no
/// optional empty, so a field added to a payload but not to its hand-written writer or reader fails here.
@Suite struct CatalogueCodingTests {
    static let sender = Sender(
        waId: "16505551234", userId: "US.1349", profileName: "Ana \"A\" /", phoneNumberId: "1065")
    static let error = MetaError(code: 131047, title: "Re-engagement", message: "more than 24 hours", details: "d\n")

    /// A payload of `type` with every optional field set and every list non-empty.
    static func fullySet(_ type: EventType) -> any DomainEvent {
        switch type {
        case .webhookReceived:
            return WebhookReceived(
                receivedAt: 5, remoteAddress: "10.0.0.1", signature: .unchecked, parse: .unparsed, bodyBytes: 3,
                duplicates: 2, requestId: "req-1")
        case .messageReceived:
            return MessageReceived(
                wamid: "w1", sender: sender, messageType: "image", timestamp: 9, textPreview: "hé 😀",
                contextId: "c1", timestampRaw: "99999999999")
        case .buttonClicked:
            return ButtonClicked(
                wamid: "w2", sender: sender, kind: .interactiveListReply, payload: "row", text: "Row",
                contextId: "c2", timestamp: 1, authorized: false, timestampRaw: "x")
        case .statusUpdated:
            return StatusUpdated(
                wamid: "w3", status: "failed", timestamp: 2, recipientId: "1",
                errors: [error, MetaError(code: 1, title: "t", message: "m", details: "x")],
                pricingCategory: "service", conversationId: "conv", bizOpaqueCallbackData: "job=1;item=2",
                phoneNumberId: "1065", timestampRaw: "-1")
        case .webhookError:
            return WebhookError(error: error, phoneNumberId: "1065")
        case .templateSendRequested:
            return TemplateSendRequested(
                recipient: "1", template: "daily_content_ready_v1", language: "pt_BR",
                buttonPayload: "unlock:2026-11-24", day: "2026-11-24")
        case .templateSent:
            return TemplateSent(recipient: "1", template: "daily_content_ready_v1", wamid: "w4", day: "2026-11-24")
        case .templateFailed:
            return TemplateFailed(recipient: "1", template: "t", error: error, day: "2026-11-24")
        case .deliveryStarted:
            return DeliveryStarted(
                deliveryId: "d", contact: "1", pack: "p", steps: 3, clickWamid: "w2",
                items: [
                    .image(.link("https://x/1.jpg"), caption: "c"), .image(.mediaId("9"), caption: "m"), .text("t"),
                ],
                phoneNumberId: "5", contextId: "t")
        case .deliveryAttemptStarted:
            return DeliveryAttemptStarted(deliveryId: "d", step: 2, attempt: 3, callbackData: "d:2")
        case .deliveryStepSent:
            return DeliveryStepSent(deliveryId: "d", step: 2, wamid: "w5", reconciled: true)
        case .deliveryStepFailed:
            return DeliveryStepFailed(
                deliveryId: "d", step: 2, error: error, retryable: true, nextAttemptAt: 77, outcomeUnknown: true,
                fromStatus: true)
        case .deliveryCompleted:
            return DeliveryCompleted(deliveryId: "d", unconfirmedSteps: 2)
        case .deliveryFailed:
            return DeliveryFailed(deliveryId: "d", reason: "the 24-hour window is closed", error: error)
        case .deliverySkipped:
            return DeliverySkipped(clickWamid: "w", contact: "1", payload: "p", reason: .repeatedClick, detail: "again")
        case .alertRaised:
            return AlertRaised(
                name: "ClickUnlockGraphErrorSurge", severity: "warning", summary: "12 × \"131056\"",
                labels: ["alertname": "ClickUnlockGraphErrorSurge", "code": "131056", "severity": "warning"],
                fingerprint: "0123456789abcdef", startsAt: 5, runbookURL: "docs/operations.md#x")
        case .alertResolved:
            return AlertResolved(
                name: "ClickUnlockDiskFreeLow", severity: "critical", summary: "free 4%",
                labels: ["alertname": "ClickUnlockDiskFreeLow", "severity": "critical"], fingerprint: "f", startsAt: 5,
                endsAt: 9, runbookURL: "docs/operations.md#y")
        }
    }

    /// The payload a decoded fact carries (`nil` for unknown or undecodable events).
    static func payload(_ fact: DomainFact) -> (any DomainEvent)? {
        switch fact {
        case .webhookReceived(let value): return value
        case .messageReceived(let value): return value
        case .buttonClicked(let value): return value
        case .statusUpdated(let value): return value
        case .webhookError(let value): return value
        case .templateSendRequested(let value): return value
        case .templateSent(let value): return value
        case .templateFailed(let value): return value
        case .deliveryStarted(let value): return value
        case .deliveryAttemptStarted(let value): return value
        case .deliveryStepSent(let value): return value
        case .deliveryStepFailed(let value): return value
        case .deliveryCompleted(let value): return value
        case .deliveryFailed(let value): return value
        case .deliverySkipped(let value): return value
        case .alertRaised(let value): return value
        case .alertResolved(let value): return value
        case .unknownType, .undecodable: return nil
        }
    }

    static func same<T: DomainEvent>(_ value: T, _ other: (any DomainEvent)?) -> Bool {
        (other as? T) == value
    }

    /// The paths (`a.b[0].c`) of optionals left `nil` and of empty lists anywhere in `value`.
    static func emptyFields(_ value: Any, at path: String = "") -> [String] {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let wrapped = mirror.children.first?.value else { return [path] }
            return emptyFields(wrapped, at: path)
        case .collection:
            if mirror.children.isEmpty { return [path + "[]"] }
            return mirror.children.enumerated().flatMap { emptyFields($1.value, at: "\(path)[\($0)]") }
        default:
            return mirror.children.flatMap { emptyFields($0.value, at: path + "." + ($0.label ?? "?")) }
        }
    }

    static func recorded(_ type: EventType, _ data: [UInt8]) -> RecordedEvent {
        RecordedEvent(
            position: 1, timestamp: 0, type: type.rawValue, version: 1, stream: "s", data: data, attachment: [])
    }

    @Test(arguments: EventType.allCases)
    func everyFieldIsWrittenAndReadBack(type: EventType) throws {
        let value = Self.fullySet(type)
        #expect(Swift.type(of: value).type == type)
        #expect(Self.emptyFields(value).isEmpty, "set these fields in the sample: \(Self.emptyFields(value))")
        try check(value)
    }

    private func check<T: DomainEvent>(_ value: T) throws {
        // Written by hand exactly as `JSONEncoder` writes it, byte for byte.
        let written = DomainCoding.encode(value)
        #expect(written == (try DomainCoding.encodedSlowly(value)))
        #expect((try JSONDecoder().decode(T.self, from: Data(written))) == value)
        // Read back as it was, by the fast path where there is one and by `JSONDecoder`.
        let event = Self.recorded(T.type, written)
        #expect(Self.same(value, Self.payload(DomainFact(event))))
        #expect(Self.same(value, Self.payload(DomainFact.decodedSlowly(event))))
        if DomainFact.readsFast(T.type) {
            let fast = DomainFact.fast(T.type, written).flatMap(Self.payload)
            #expect(Self.same(value, fast), "not read by the fast path")
        }
    }

    /// `value` once per key anywhere in it (nested objects and lists included), with that key removed.
    static func withOneKeyRemoved(_ value: Any, at path: String = "") -> [(path: String, value: Any)] {
        if let object = value as? [String: Any] {
            return object.flatMap { key, child in
                var without = object
                without.removeValue(forKey: key)
                let nested = withOneKeyRemoved(child, at: path + "." + key).map { variant in
                    var copy = object
                    copy[key] = variant.value
                    return (variant.path, copy as Any)
                }
                return [(path + "." + key, without as Any)] + nested
            }
        }
        if let list = value as? [Any] {
            return list.indices.flatMap { index in
                withOneKeyRemoved(list[index], at: "\(path)[\(index)]").map { variant in
                    var copy = list
                    copy[index] = variant.value
                    return (variant.path, copy as Any)
                }
            }
        }
        return []
    }

    /// Each key of the written payload, nested ones included, removed in turn: the fast reader
    /// notices its absence just as `JSONDecoder` does (a reader that ignored a key would not).
    @Test(arguments: EventType.allCases)
    func everyKeyIsRead(type: EventType) throws {
        let written = DomainCoding.encode(Self.fullySet(type))
        let object = try JSONSerialization.jsonObject(with: Data(written))
        let variants = Self.withOneKeyRemoved(object)
        #expect(variants.count >= 2)
        for variant in variants {
            let data = [UInt8](try JSONSerialization.data(withJSONObject: variant.value, options: [.sortedKeys]))
            let event = Self.recorded(type, data)
            let fast = Self.payload(DomainFact(event)).map { String(describing: $0) }
            let slow = Self.payload(DomainFact.decodedSlowly(event)).map { String(describing: $0) }
            #expect(fast == slow, "\(type.rawValue) without \(variant.path)")
        }
    }

    @Test func newEventCarriesTheEncodedPayload() throws {
        for type in EventType.allCases {
            let value = Self.fullySet(type)
            let event = value.newEvent(attachment: [7])
            #expect(event.type == type.rawValue && event.stream == value.stream && event.attachment == [7])
            #expect(event.data == (try DomainCoding.encodedSlowly(value)))
        }
    }
}

/// `JSONEncoder`, the reference, throws what it cannot write; it no longer writes `{}` in its place.
/// (The catalogue's own encodings cannot fail: `JSONWriter` takes only strings, integers and booleans.)
@Suite struct EncodingFailureTests {
    struct Unwritable: Encodable {
        var deliveryId = "d"
        var ratio = Double.nan
    }

    @Test func whatJSONEncoderCannotWriteIsAnErrorNotAPlaceholder() {
        #expect(throws: EncodingError.self) { try DomainCoding.encodedSlowly(Unwritable()) }
    }
}
