/// The `biz_opaque_callback_data` of a step attempt, `cu1;d=<delivery>;s=<step>;a=<attempt>`:
/// a status webhook carrying it names the attempt without any lookup, even one whose HTTP
/// response was never recorded. It holds no personal data (every app on the WABA sees it).
public struct CallbackData: Hashable, Sendable {
    public var deliveryId: String
    public var step: Int
    public var attempt: Int

    public init(deliveryId: String, step: Int, attempt: Int) {
        self.deliveryId = deliveryId
        self.step = step
        self.attempt = attempt
    }

    public var text: String { "cu1;d=\(deliveryId);s=\(step);a=\(attempt)" }

    public init?(_ text: String) {
        guard text.hasPrefix("cu1;") else { return nil }
        var id: String?
        var step: Int?
        var attempt: Int?
        for field in text.dropFirst(4).split(separator: ";") {
            if field.hasPrefix("d=") { id = String(field.dropFirst(2)) }
            if field.hasPrefix("s=") { step = Int(field.dropFirst(2)) }
            if field.hasPrefix("a=") { attempt = Int(field.dropFirst(2)) }
        }
        guard let id, !id.isEmpty, let step, step >= 0, let attempt, attempt >= 1 else { return nil }
        self.init(deliveryId: id, step: step, attempt: attempt)
    }
}
