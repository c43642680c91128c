/// The public webhook port's configuration, with its defaults (the one place they are written):
/// where it listens, the routes' settings (verify token, body limit in bytes), the server's limits
/// against slow and greedy clients (`WebhookServer.Limits`), the signature key, the dedupe window
/// and the contacts allowed to unlock content.
public struct IngressConfiguration: Sendable {
    /// How long a message id (or a status) counts as already stored: Meta redelivers for 7 days.
    public static let defaultDedupeWindow: Duration = .seconds(8 * 24 * 3600)

    public var host = "0.0.0.0"
    /// 0 picks a free port.
    public var port = 3000
    /// Keys every webhook signature check; `nil` checks none (development only).
    public var appSecret: String?
    /// The verify token and the body limit (bytes; Meta sends up to 3 MB).
    public var routes = WebhookRoutes.Configuration(verifyToken: nil)
    /// Idle and body timeouts, connections open at once.
    public var limits = WebhookServer.Limits()
    public var dedupeWindow = Self.defaultDedupeWindow
    /// Contacts allowed to unlock content; empty allows everyone.
    public var authorizedContacts: Set<String> = []

    public init() {}

    /// `duration` in whole milliseconds (the unit of log times).
    public static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
