import EventStore
import Foundation

/// Webhook bodies as Meta posts them: the simulator sends them, and tests and benchmarks build
/// their taps with them.
public enum MetaWebhooks {
    public struct Business: Sendable {
        public var wabaId: String
        public var displayPhoneNumber: String
        public var phoneNumberId: String

        public init(
            wabaId: String = "102290129340398", displayPhoneNumber: String = "15550001234", phoneNumberId: String
        ) {
            self.wabaId = wabaId
            self.displayPhoneNumber = displayPhoneNumber
            self.phoneNumberId = phoneNumberId
        }
    }

    static func envelope(_ business: Business, value: [String: Any]) -> [UInt8] {
        var value = value
        value["messaging_product"] = "whatsapp"
        value["metadata"] = [
            "display_phone_number": business.displayPhoneNumber, "phone_number_id": business.phoneNumberId,
        ]
        let body: [String: Any] = [
            "object": "whatsapp_business_account",
            "entry": [["id": business.wabaId, "changes": [["field": "messages", "value": value]]]],
        ]
        return (try? [UInt8](JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))) ?? []
    }

    /// A tap on a template's quick-reply button; `context` is the template message's wamid;
    /// `timestamp` in seconds, by default the system's wall time.
    public static func buttonTap(
        _ business: Business, wamid: String, from contact: String, context: String?, payload: String,
        text: String = "Unlock today's content", profileName: String = "Advisor",
        timestamp: Int64? = nil
    ) -> [UInt8] {
        let seconds = timestamp ?? WallClock.system.now() / 1000
        var message: [String: Any] = [
            "from": contact, "id": wamid, "timestamp": String(seconds), "type": "button",
            "button": ["payload": payload, "text": text],
        ]
        if let context { message["context"] = ["from": business.displayPhoneNumber, "id": context] }
        let profile: [String: Any] = ["profile": ["name": profileName], "wa_id": contact]
        return envelope(business, value: ["contacts": [profile], "messages": [message]])
    }
}
