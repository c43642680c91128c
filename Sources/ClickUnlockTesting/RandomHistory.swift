import Domain
public import EventStore
import Foundation

/// A seeded generator of realistic event histories, one append at a time: template sends, taps
/// (some repeated, as Meta redelivers), inbound messages, deliveries with retries, failures and
/// completions, statuses in any order and repeated, webhook errors, and now and then an event of
/// an unknown type or with an undecodable payload. For tests and benchmarks of the projections.
public struct RandomHistory: Sendable {
    private var random: SplitMix64
    private var clock: Int64 = 1_764_000_000
    private var sequence = 0
    private var outbound: [(wamid: String, contact: String)] = []
    /// Template messages sent: most taps answer one of them (their `context.id`).
    private var templates: [String] = []
    private var clicks: [(wamid: String, contact: String)] = []
    private var deliveries: [(id: String, contact: String, steps: Int, next: Int, attempts: Int)] = []
    private let contacts: Int
    private let maxInFlight: Int?
    /// Deliveries started so far (one per first tap).
    public private(set) var started = 0

    /// `maxInFlight`: when set, a service's history — at most that many deliveries in flight (the
    /// oldest is advanced instead of a new event while they are that many) and Meta's redeliveries
    /// of a tap repeat one of the last 50 taps; when `nil`, deliveries pile up and any tap repeats.
    public init(seed: UInt64, contacts: Int = 300, maxInFlight: Int? = nil) {
        random = SplitMix64(seed: seed)
        self.contacts = contacts
        self.maxInFlight = maxInFlight
    }

    private mutating func pick(_ range: Int) -> Int { Int(random.next() % UInt64(max(1, range))) }

    private mutating func newID(_ prefix: String) -> String {
        sequence += 1
        return "\(prefix).\(sequence)x\(random.next() % 1_000_000)"
    }

    private mutating func contact() -> Sender {
        let index = pick(contacts)
        return Sender(
            waId: "5511\(90_000_000 + index)", profileName: "Advisor \(index)", phoneNumberId: "106540352242922")
    }

    private func webhook() -> NewEvent {
        WebhookReceived(
            receivedAt: clock * 1000, remoteAddress: "127.0.0.1", signature: .valid, parse: .parsed, bodyBytes: 120
        )
        .newEvent(attachment: Array("{\"object\":\"whatsapp_business_account\",\"entry\":[]}".utf8))
    }

    /// The events of the next append.
    public mutating func next() -> [NewEvent] {
        clock += Int64(pick(3))
        if let maxInFlight, deliveries.count >= maxInFlight { return advanceDelivery(0) }
        let roll = pick(100)
        switch roll {
        case 0..<30 where !outbound.isEmpty:
            let message = outbound[outbound.count - 1 - pick(min(outbound.count, 400))]
            let status = ["sent", "delivered", "read", "read", "delivered", "sent", "failed"][pick(7)]
            let errors =
                status == "failed" ? [MetaError(code: [131047, 131026, 131000][pick(3)], title: "failed")] : []
            return [
                webhook(),
                StatusUpdated(
                    wamid: message.wamid, status: status, timestamp: clock - Int64(pick(20)),
                    recipientId: message.contact,
                    errors: errors, bizOpaqueCallbackData: "d=\(message.wamid)"
                ).newEvent(),
            ]
        case 30..<44:
            // A tap: sometimes Meta's redelivery of an earlier one.
            let repeated = !clicks.isEmpty && pick(10) == 0
            let click: (wamid: String, contact: String) =
                !repeated
                ? (newID("wamid.CLK"), contact().contactKey)
                : maxInFlight == nil
                    ? clicks[pick(clicks.count)] : clicks[clicks.count - 1 - pick(min(clicks.count, 50))]
            if !repeated { clicks.append(click) }
            let sender = Sender(waId: click.contact, profileName: "Advisor", phoneNumberId: "106540352242922")
            let payload = "unlock:2026-11-\(20 + pick(5))"
            let context: String? =
                switch pick(5) {
                case 0: nil
                case 1: newID("wamid.TPL")
                default: templates.isEmpty ? nil : templates[templates.count - 1 - pick(min(templates.count, 200))]
                }
            var events = [
                webhook(),
                ButtonClicked(
                    wamid: click.wamid, sender: sender, kind: .templateQuickReply, payload: payload, text: "Unlock",
                    contextId: context, timestamp: clock
                ).newEvent(),
            ]
            if !repeated {
                started += 1
                let delivery = (id: "d-\(click.wamid)", contact: click.contact, steps: 6, next: 0, attempts: 0)
                deliveries.append(delivery)
                events.append(
                    DeliveryStarted(
                        deliveryId: delivery.id, contact: click.contact, pack: payload, steps: 6,
                        clickWamid: click.wamid, contextId: pick(2) == 0 ? context : nil
                    )
                    .newEvent())
            }
            return events
        case 44..<54:
            let sender = contact()
            return [
                webhook(),
                MessageReceived(
                    wamid: newID("wamid.TXT"), sender: sender, messageType: ["text", "image", "interactive"][pick(3)],
                    timestamp: clock, textPreview: "message \(sequence)"
                ).newEvent(),
            ]
        case 54..<62:
            let recipient = contact().contactKey
            let day = "2026-11-\(20 + pick(5))"
            let requested = TemplateSendRequested(
                recipient: recipient, template: "daily_content_ready_v1", language: "pt_BR",
                buttonPayload: "unlock:\(day)", day: day)
            if pick(8) == 0 {
                return [
                    requested.newEvent(),
                    TemplateFailed(
                        recipient: recipient, template: requested.template, error: MetaError(code: 132001), day: day
                    ).newEvent(),
                ]
            }
            let wamid = newID("wamid.TPL")
            outbound.append((wamid, recipient))
            templates.append(wamid)
            return [
                requested.newEvent(),
                TemplateSent(recipient: recipient, template: requested.template, wamid: wamid, day: day).newEvent(),
            ]
        case 62..<94 where !deliveries.isEmpty:
            return advanceDelivery(pick(deliveries.count))
        case 94..<97:
            return [
                webhook(),
                WebhookError(error: MetaError(code: 130429, title: "Rate limit hit"), phoneNumberId: "106540352242922")
                    .newEvent(),
            ]
        case 97:
            return [
                NewEvent(
                    type: "future.\(["campaign", "survey"][pick(2)])", version: 2, stream: contact().contactKey,
                    data: Array("{\"x\":1}".utf8))
            ]
        case 98:
            return [NewEvent(type: EventType.buttonClicked.rawValue, stream: "broken", data: Array("{not json".utf8))]
        default:
            return [webhook()]
        }
    }

    private mutating func advanceDelivery(_ index: Int) -> [NewEvent] {
        var delivery = deliveries[index]
        delivery.attempts += 1
        let callback = "\(delivery.id):\(delivery.next)"
        var events = [
            DeliveryAttemptStarted(
                deliveryId: delivery.id, step: delivery.next, attempt: delivery.attempts, callbackData: callback
            ).newEvent()
        ]
        let outcome = pick(20)
        if outcome == 0 {
            let error = MetaError(code: 131047, title: "Re-engagement message")
            events.append(
                DeliveryStepFailed(
                    deliveryId: delivery.id, step: delivery.next, error: error, retryable: false, nextAttemptAt: nil
                ).newEvent())
            events.append(
                DeliveryFailed(deliveryId: delivery.id, reason: "the 24-hour window is closed", error: error).newEvent()
            )
            deliveries.remove(at: index)
            return events
        }
        if outcome < 4 {
            events.append(
                DeliveryStepFailed(
                    deliveryId: delivery.id, step: delivery.next, error: MetaError(code: 131056, title: "pair rate"),
                    retryable: true, nextAttemptAt: clock * 1000 + 4000
                ).newEvent())
            deliveries[index] = delivery
            return events
        }
        let wamid = newID("wamid.OUT")
        outbound.append((wamid, delivery.contact))
        events.append(DeliveryStepSent(deliveryId: delivery.id, step: delivery.next, wamid: wamid).newEvent())
        delivery.next += 1
        if delivery.next == delivery.steps {
            events.append(DeliveryCompleted(deliveryId: delivery.id).newEvent())
            deliveries.remove(at: index)
        } else {
            deliveries[index] = delivery
        }
        return events
    }
}
