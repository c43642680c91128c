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
