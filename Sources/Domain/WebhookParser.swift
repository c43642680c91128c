public import EventStore
import Foundation

/// Turns a webhook body into the facts it carries, leniently: every `entry`, every `change`,
/// every item of `messages`, `statuses` and `errors`. Unknown fields are ignored (the raw body
/// keeps them); unknown item kinds are counted, never an error.
public enum WebhookParser {
    /// A fact and, for inbound messages and statuses, its key for deduplication:
    /// `message:<wamid>` or `status:<wamid>:<status>`.
    public struct Item: Sendable {
        public var event: NewEvent
        public var key: String?
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
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let entries = root["entry"] as? [Any]
        else { return parsed }
        parsed.understood = true
        for case let entry as [String: Any] in entries {
            for case let change as [String: Any] in (entry["changes"] as? [Any]) ?? [] {
                guard (change["field"] as? String) == "messages", let value = change["value"] as? [String: Any] else {
                    parsed.unknownItems += 1
                    continue
                }
                parseValue(value, isAuthorized: isAuthorized, into: &parsed)
            }
        }
        return parsed
    }

    private static func parseValue(_ value: [String: Any], isAuthorized: (Sender) -> Bool, into parsed: inout Parsed) {
        let phoneNumberId = (value["metadata"] as? [String: Any])?["phone_number_id"] as? String
        var profiles: [String: (name: String?, userId: String?)] = [:]
        for case let contact as [String: Any] in (value["contacts"] as? [Any]) ?? [] {
            let name = (contact["profile"] as? [String: Any])?["name"] as? String
            let userId = contact["user_id"] as? String
            if let waId = contact["wa_id"] as? String { profiles[waId] = (name, userId) }
            if let userId { profiles[userId] = (name, userId) }
        }
        for case let message as [String: Any] in (value["messages"] as? [Any]) ?? [] {
            guard let event = messageFact(message, profiles: profiles, phoneNumberId: phoneNumberId, isAuthorized: isAuthorized)
            else {
                parsed.unknownItems += 1
                continue
            }
            parsed.items.append(Item(event: event.event, key: event.key))
        }
        for case let status as [String: Any] in (value["statuses"] as? [Any]) ?? [] {
            guard let id = status["id"] as? String, let state = status["status"] as? String else {
                parsed.unknownItems += 1
                continue
            }
            let fact = StatusUpdated(
                wamid: id, status: state, timestamp: int(status["timestamp"]),
                recipientId: (status["recipient_id"] as? String) ?? (status["recipient_user_id"] as? String) ?? "unknown",
                errors: errors(status["errors"]),
                pricingCategory: (status["pricing"] as? [String: Any])?["category"] as? String,
                conversationId: (status["conversation"] as? [String: Any])?["id"] as? String,
                bizOpaqueCallbackData: status["biz_opaque_callback_data"] as? String, phoneNumberId: phoneNumberId)
            parsed.items.append(Item(event: fact.newEvent(), key: "status:\(id):\(state)"))
        }
        for error in errors(value["errors"]) {
            parsed.items.append(Item(event: WebhookError(error: error, phoneNumberId: phoneNumberId).newEvent(), key: nil))
        }
    }

    private static func messageFact(
        _ message: [String: Any], profiles: [String: (name: String?, userId: String?)], phoneNumberId: String?,
        isAuthorized: (Sender) -> Bool
    ) -> (event: NewEvent, key: String)? {
        guard let id = message["id"] as? String, let type = message["type"] as? String else { return nil }
        let from = message["from"] as? String
        let userId = (message["from_user_id"] as? String) ?? from.flatMap { profiles[$0]?.userId }
        let profile = from.flatMap { profiles[$0] } ?? userId.flatMap { profiles[$0] }
        let sender = Sender(waId: from, userId: userId, profileName: profile?.name, phoneNumberId: phoneNumberId)
        let timestamp = int(message["timestamp"])
        let contextId = (message["context"] as? [String: Any])?["id"] as? String
        let key = "message:\(id)"
        if type == "button", let button = message["button"] as? [String: Any] {
            let text = button["text"] as? String
            let payload = (button["payload"] as? String) ?? text ?? ""
            return (
                ButtonClicked(
                    wamid: id, sender: sender, kind: .templateQuickReply, payload: payload, text: text,
                    contextId: contextId, timestamp: timestamp, authorized: isAuthorized(sender)
                ).newEvent(), key
            )
        }
        if type == "interactive", let interactive = message["interactive"] as? [String: Any] {
            for (field, kind) in [("button_reply", ButtonClicked.Kind.interactiveButtonReply), ("list_reply", .interactiveListReply)] {
                if let reply = interactive[field] as? [String: Any], let replyId = reply["id"] as? String {
                    return (
                        ButtonClicked(
                            wamid: id, sender: sender, kind: kind, payload: replyId, text: reply["title"] as? String,
                            contextId: contextId, timestamp: timestamp, authorized: isAuthorized(sender)
                        ).newEvent(), key
                    )
                }
            }
        }
        return (
            MessageReceived(
                wamid: id, sender: sender, messageType: type, timestamp: timestamp, textPreview: preview(message, type: type),
                contextId: contextId
            ).newEvent(), key
        )
    }

    /// Up to 120 characters of what the message says.
    private static func preview(_ message: [String: Any], type: String) -> String? {
        let object = message[type] as? [String: Any]
        let text = (object?["body"] as? String) ?? (object?["caption"] as? String) ?? (object?["text"] as? String)
        return text.map { String($0.prefix(120)) }
    }

    private static func errors(_ value: Any?) -> [MetaError] {
        ((value as? [Any]) ?? []).compactMap { item in
            guard let error = item as? [String: Any], let code = error["code"] as? Int else { return nil }
            return MetaError(
                code: code, title: error["title"] as? String, message: error["message"] as? String,
                details: (error["error_data"] as? [String: Any])?["details"] as? String)
        }
    }

    private static func int(_ value: Any?) -> Int64 {
        if let text = value as? String { return Int64(text) ?? 0 }
        if let number = value as? Int { return Int64(number) }
        return 0
    }
}
