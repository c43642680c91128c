public import Domain

/// A message the Graph API is asked to send.
public struct OutgoingMessage: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        /// A template with one quick-reply button whose payload is set explicitly.
        case template(name: String, language: String, buttonPayload: String)
        case content(ContentItem)
    }

    /// The sending business number.
    public var phoneNumberId: String
    /// The recipient's wa_id (or phone number).
    public var to: String
    public var body: Body
    /// Echoed by Meta in the message's status webhooks (at most 512 characters).
    public var callbackData: String?

    public init(phoneNumberId: String, to: String, body: Body, callbackData: String?) {
        self.phoneNumberId = phoneNumberId
        self.to = to
        self.body = body
        self.callbackData = callbackData
    }
}

/// What became of one send.
public enum SendOutcome: Sendable, Equatable {
    /// Meta accepted it (not yet delivered) and named it.
    case accepted(wamid: String)
    /// Meta refused it with an error body; classify by `error.code`.
    case rejected(MetaError, httpStatus: Int)
    /// The request surely never reached Meta (connection refused, DNS): safe to resend.
    case notSent(reason: String)
    /// Meta may or may not have accepted it (timeout, reset, 5xx without an error body).
    case unknown(reason: String)
}

/// The Graph API as the saga and the template sender see it.
public protocol MessageSender: Sendable {
    func send(_ message: OutgoingMessage) async -> SendOutcome
}
