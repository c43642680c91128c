public import Domain
public import EventStore

/// Turns a webhook body into the facts it carries, leniently: every `entry`, every `change`,
/// every item of `messages`, `statuses` and `errors`. Unknown fields are ignored (the raw body
/// keeps them); unknown item kinds are counted, never an error.
public enum WebhookParser {
    /// A fact and, for inbound messages and statuses, its key for deduplication (`DedupeKey`).
    public struct Item: Sendable {
        public var event: NewEvent
        public var key: String?

        init(_ fact: DomainFact, _ event: NewEvent) {
            self.event = event
            key = DedupeKey.of(fact)
        }
    }

    public struct Parsed: Sendable {
        /// `false` when the body is not JSON or not the webhook envelope.
        public var understood: Bool
        /// The facts, in the order they appear in the body.
        public var items: [Item]
        /// Items or changes of kinds this parser does not know (kept only in the raw body).
        public var unknownItems: Int

        public var facts: [NewEvent] { items.map(\.event) }
    }

    /// Parses `body`; button taps from senders `isAuthorized` rejects are marked `authorized: false`.
    public static func parse(_ body: [UInt8], isAuthorized: (Sender) -> Bool = { _ in true }) -> Parsed {
        var parsed = Parsed(understood: false, items: [], unknownItems: 0)
        guard let root = try? JSONParser.parse(body), root.object != nil, let entries = root["entry"]?.array else {
            return parsed
        }
        parsed.understood = true
        for entry in entries where entry.object != nil {
            for change in entry["changes"]?.array ?? [] where change.object != nil {
                guard change["field"]?.string == "messages", let value = change["value"], value.object != nil else {
                    parsed.unknownItems += 1
                    continue
                }
                parseValue(value, isAuthorized: isAuthorized, into: &parsed)
            }
        }
        return parsed
    }

    private static func parseValue(_ value: JSONValue, isAuthorized: (Sender) -> Bool, into parsed: inout Parsed) {
        let phoneNumberId = value["metadata"]?["phone_number_id"]?.string
        var profiles: [String: (name: String?, userId: String?)] = [:]
        for contact in value["contacts"]?.array ?? [] where contact.object != nil {
            let name = contact["profile"]?["name"]?.string
            let userId = contact["user_id"]?.string
            if let waId = contact["wa_id"]?.string { profiles[waId] = (name, userId) }
            if let userId { profiles[userId] = (name, userId) }
        }
        for message in value["messages"]?.array ?? [] where message.object != nil {
            guard
                let item = messageFact(
                    message, profiles: profiles, phoneNumberId: phoneNumberId, isAuthorized: isAuthorized)
            else {
                parsed.unknownItems += 1
                continue
            }
            parsed.items.append(item)
        }
        for status in value["statuses"]?.array ?? [] where status.object != nil {
            guard let id = status["id"]?.string, let state = status["status"]?.string else {
                parsed.unknownItems += 1
                continue
            }
            let time = WebhookTime.parse(status["timestamp"])
            let fact = StatusUpdated(
                wamid: id, status: state, timestamp: time.seconds,
                recipientId: status["recipient_id"]?.string ?? status["recipient_user_id"]?.string ?? "unknown",
                errors: errors(status["errors"]),
                pricingCategory: status["pricing"]?["category"]?.string,
                conversationId: status["conversation"]?["id"]?.string,
                bizOpaqueCallbackData: status["biz_opaque_callback_data"]?.string, phoneNumberId: phoneNumberId,
                timestampRaw: time.raw)
            parsed.items.append(Item(.statusUpdated(fact), fact.newEvent()))
        }
        for error in errors(value["errors"]) {
            let fact = WebhookError(error: error, phoneNumberId: phoneNumberId)
            parsed.items.append(Item(.webhookError(fact), fact.newEvent()))
        }
    }

    private static func messageFact(
        _ message: JSONValue, profiles: [String: (name: String?, userId: String?)], phoneNumberId: String?,
        isAuthorized: (Sender) -> Bool
    ) -> Item? {
        guard let id = message["id"]?.string, let type = message["type"]?.string else { return nil }
        let from = message["from"]?.string
        let userId = message["from_user_id"]?.string ?? from.flatMap { profiles[$0]?.userId }
        let profile = from.flatMap { profiles[$0] } ?? userId.flatMap { profiles[$0] }
        let sender = Sender(waId: from, userId: userId, profileName: profile?.name, phoneNumberId: phoneNumberId)
        let time = WebhookTime.parse(message["timestamp"])
        let contextId = message["context"]?["id"]?.string
        if type == "button", let button = message["button"], button.object != nil {
            let text = button["text"]?.string
            let payload = button["payload"]?.string ?? text ?? ""
            let click = ButtonClicked(
                wamid: id, sender: sender, kind: .templateQuickReply, payload: payload, text: text,
                contextId: contextId, timestamp: time.seconds, authorized: isAuthorized(sender), timestampRaw: time.raw)
            return Item(.buttonClicked(click), click.newEvent())
        }
        if type == "interactive", let interactive = message["interactive"], interactive.object != nil {
            for (field, kind) in [
                ("button_reply", ButtonClicked.Kind.interactiveButtonReply), ("list_reply", .interactiveListReply),
            ] {
                if let reply = interactive[field], reply.object != nil, let replyId = reply["id"]?.string {
                    let click = ButtonClicked(
                        wamid: id, sender: sender, kind: kind, payload: replyId, text: reply["title"]?.string,
                        contextId: contextId, timestamp: time.seconds, authorized: isAuthorized(sender),
                        timestampRaw: time.raw)
                    return Item(.buttonClicked(click), click.newEvent())
                }
            }
        }
        let received = MessageReceived(
            wamid: id, sender: sender, messageType: type, timestamp: time.seconds,
            textPreview: preview(message, type: type), contextId: contextId, timestampRaw: time.raw)
        return Item(.messageReceived(received), received.newEvent())
    }

    /// Up to 120 characters of what the message says.
    private static func preview(_ message: JSONValue, type: String) -> String? {
        let object = message[type]
        let text = object?["body"]?.string ?? object?["caption"]?.string ?? object?["text"]?.string
        return text.map { String($0.prefix(120)) }
    }

    private static func errors(_ value: JSONValue?) -> [MetaError] {
        (value?.array ?? []).compactMap { error in
            guard error.object != nil, let code = exactInt(error["code"]).flatMap({ Int(exactly: $0) }) else {
                return nil
            }
            return MetaError(
                code: code, title: error["title"]?.string, message: error["message"]?.string,
                details: error["error_data"]?["details"]?.string)
        }
    }

    /// An integer number (`1.0` counts, as it does for `JSONSerialization`'s `as? Int`).
    private static func exactInt(_ value: JSONValue?) -> Int64? {
        guard case .number(let double, let exact)? = value else { return nil }
        return exact ?? Int64(exactly: double)
    }
}
