import Domain
public import EventStore
import Foundation

/// A seeded generator of realistic, varied WhatsApp webhook traffic (text messages, template
/// button taps, interactive replies, sent/delivered/read/failed statuses) and the events the log
/// stores for it. Used by `clickunlock demo` and the benchmarks; repeatable for a given seed.
public struct SampleTraffic: Sendable {
    private var random: SplitMix64
    private var sequence = 0
    public let phoneNumberId = "106540352242922"
    public let displayNumber = "15550783881"

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    private static let names = [
        "Ana Souza", "Bruno Lima", "Carla Mendes", "Diego Ramos", "Elena García", "Fátima Zahra", "Gustavo Reis",
        "Helena Costa", "Igor Petrov", "Júlia Alves", "Kenji Sato", "Lucía Fernández", "Marco Rossi", "Nadia Haddad",
    ]
    private static let texts = [
        "Bom dia! Posso ver a análise de hoje?", "Thanks, got it", "Quando sai o relatório?", "👍",
        "Can you resend the second chart?", "Obrigado pela análise", "What about emerging markets?",
        "Preciso falar com meu assessor", "ok", "Is the pack for today ready?",
    ]
    private static let statuses = ["sent", "delivered", "read", "read", "delivered", "failed"]

    public struct Webhook: Sendable {
        /// The raw body, as Meta would post it.
        public var body: [UInt8]
        /// `webhook.received` (with the body attached) followed by the facts derived from it.
        public var events: [NewEvent]
    }

    private mutating func digits(_ count: Int) -> String {
        var out = ""
        for _ in 0..<count { out.append(Character(String(random.next() % 10))) }
        return out
    }

    /// A wamid shaped like Meta's: base64 of the contact's number and 80 random bits in hex.
    private mutating func wamid(for contact: String) -> String {
        let hex =
            String(random.next() & 0xFFFF_FFFF_FFFF, radix: 16, uppercase: true)
            + String(random.next() & 0xFFFF_FFFF, radix: 16, uppercase: true)
        let raw = Array("\u{18}\u{0D}\(contact)\u{15}\u{02}\u{00}\u{12}\u{18}\u{14}\(hex)\u{00}".utf8)
        return "wamid." + Data(raw).base64EncodedString()
    }

    /// The subscriber base: `advisors` contacts, each with a fixed number and name.
    public var advisors = 2000

    private func advisor(_ index: Int) -> (number: String, name: String) {
        var seeded = SplitMix64(seed: UInt64(index) &* 0x2545_F491_4F6C_DD1D)
        let number = "55" + String(11_000_000_000 + seeded.next() % 89_999_999_999).suffix(11)
        return (number, Self.names[index % Self.names.count])
    }

    /// The next webhook and its events; `receivedAt` is the receive time to record (ms).
    public mutating func next(receivedAt: Int64) -> Webhook {
        sequence += 1
        let (contact, name) = advisor(Int(random.next() % UInt64(advisors)))
        let timestamp = receivedAt / 1000 - Int64(random.next() % 30)
        let sender = Sender(waId: contact, profileName: name, phoneNumberId: phoneNumberId)
        let id = wamid(for: contact)
        let kind = random.next() % 10
        var derived: [NewEvent] = []
        let value: String
        let envelopeStart = """
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":\
            {"messaging_product":"whatsapp","metadata":{"display_phone_number":"\(displayNumber)",\
            "phone_number_id":"\(phoneNumberId)"},
            """
        switch kind {
        case 0...2:
            let day = "2026-11-\(10 + Int(random.next() % 18))"
            let context = wamid(for: contact)
            value = """
                "contacts":[{"profile":{"name":"\(name)"},"wa_id":"\(contact)"}],\
                "messages":[{"context":{"from":"\(displayNumber)",\
                "id":"\(context)"},"from":"\(contact)","id":"\(id)","timestamp":"\(timestamp)","type":"button",\
                "button":{"payload":"unlock:\(day)","text":"Ver conteúdo premium"}}]
                """
            derived.append(
                ButtonClicked(
                    wamid: id, sender: sender, kind: .templateQuickReply, payload: "unlock:\(day)",
                    text: "Ver conteúdo premium", contextId: context, timestamp: timestamp
                ).newEvent())
        case 3...4:
            let text = Self.texts[Int(random.next() % UInt64(Self.texts.count))]
            value = """
                "contacts":[{"profile":{"name":"\(name)"},"wa_id":"\(contact)"}],"messages":[{"from":"\(contact)",\
                "id":"\(id)","timestamp":"\(timestamp)","text":{"body":"\(text)"},"type":"text"}]
                """
            derived.append(
                MessageReceived(wamid: id, sender: sender, messageType: "text", timestamp: timestamp, textPreview: text)
                    .newEvent())
        case 5:
            let context = wamid(for: contact)
            value = """
                "contacts":[{"profile":{"name":"\(name)"},"wa_id":"\(contact)"}],\
                "messages":[{"context":{"from":"\(displayNumber)",\
                "id":"\(context)"},"from":"\(contact)","id":"\(id)","timestamp":"\(timestamp)","type":"interactive",\
                "interactive":{"type":"button_reply","button_reply":{"id":"more-analysis","title":"Mais análises"}}}]
                """
            derived.append(
                ButtonClicked(
                    wamid: id, sender: sender, kind: .interactiveButtonReply, payload: "more-analysis",
                    text: "Mais análises", contextId: context, timestamp: timestamp
                ).newEvent())
        default:
            let status = Self.statuses[Int(random.next() % UInt64(Self.statuses.count))]
            let callback = "job=d\(digits(6));item=\(random.next() % 6)"
            let conversation = String(random.next(), radix: 16) + String(random.next(), radix: 16)
            if status == "failed" {
                value = """
                    "statuses":[{"id":"\(id)","status":"failed","timestamp":"\(timestamp)","recipient_id":"\(contact)",\
                    "biz_opaque_callback_data":"\(callback)","errors":[{"code":131047,"title":"Re-engagement message",\
                    "message":"Re-engagement message",\
                    "error_data":{"details":"Message failed to send because more than \
                    24 hours have passed since the customer last replied to this number."},\
                    "href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]}]
                    """
                derived.append(
                    StatusUpdated(
                        wamid: id, status: status, timestamp: timestamp, recipientId: contact,
                        errors: [
                            MetaError(code: 131047, title: "Re-engagement message", message: "Re-engagement message")
                        ],
                        bizOpaqueCallbackData: callback, phoneNumberId: phoneNumberId
                    ).newEvent())
            } else {
                value = """
                    "statuses":[{"id":"\(id)","status":"\(status)","timestamp":"\(timestamp)",\
                    "recipient_id":"\(contact)","biz_opaque_callback_data":"\(callback)",\
                    "conversation":{"id":"\(conversation)","origin":{"type":"service"}},\
                    "pricing":{"billable":false,"pricing_model":"PMP","category":"service",\
                    "type":"free_customer_service"}}]
                    """
                derived.append(
                    StatusUpdated(
                        wamid: id, status: status, timestamp: timestamp, recipientId: contact,
                        pricingCategory: "service", conversationId: conversation, bizOpaqueCallbackData: callback,
                        phoneNumberId: phoneNumberId
                    ).newEvent())
            }
        }
        let body = Array((envelopeStart + value + "},\"field\":\"messages\"}]}]}").utf8)
        let received = WebhookReceived(
            receivedAt: receivedAt, remoteAddress: "173.252.\(random.next() % 256).\(random.next() % 256)",
            signature: .valid, parse: .parsed, bodyBytes: body.count, requestId: "req-\(sequence)")
        return Webhook(body: body, events: [received.newEvent(attachment: body)] + derived)
    }

    /// An LZ4 dictionary for logs of this traffic: samples from a seed no benchmark uses.
    public static func compressionDictionary(bytes: Int = 16 * 1024) -> [UInt8] {
        var traffic = SampleTraffic(seed: 0xD1C7)
        var out: [UInt8] = []
        while out.count < bytes {
            let webhook = traffic.next(receivedAt: 1_764_000_000_000)
            out += webhook.body
            for event in webhook.events.dropFirst() { out += event.data }
        }
        return Array(out.suffix(bytes))
    }
}
