import Delivery

/// A message the simulator accepted, as `GET /_sim/messages` lists it.
public struct SimulatedMessage: Codable, Sendable, Equatable {
    public var to: String
    public var type: String
    public var wamid: String
    public var bizOpaqueCallbackData: String?
    /// Milliseconds since 1970.
    public var acceptedAt: Int64
    /// Text body, image link or id, or the template's first quick-reply payload.
    public var content: String?
    public var phoneNumberId: String
    /// How the request ended for the caller: `answered`, `timeout` or `reset` (accepted either way).
    public var answer: String

    enum CodingKeys: String, CodingKey {
        case to, type, wamid, bizOpaqueCallbackData = "biz_opaque_callback_data", acceptedAt = "accepted_at", content,
            phoneNumberId = "phone_number_id", answer
    }
}

extension SimulatedMessage {
    /// How many accepted messages each delivery step got (`delivery#step`, from the callback
    /// data the saga sends): more than 1 means the step reached the recipient more than once.
    public static func sendsPerStep(_ messages: [SimulatedMessage]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for message in messages {
            guard let data = message.bizOpaqueCallbackData.flatMap(CallbackData.init) else { continue }
            counts[DeliveryAudit.key(data.deliveryId, data.step), default: 0] += 1
        }
        return counts
    }
}
