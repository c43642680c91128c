/// The daily template was asked to be sent to a recipient.
public struct TemplateSendRequested: DomainEvent {
    public static let type = EventType.templateSendRequested
    public var recipient: String
    public var template: String
    public var language: String
    public var buttonPayload: String
    public var day: String
    public var stream: String { recipient }

    enum CodingKeys: String, CodingKey {
        case recipient, template, language, buttonPayload = "button_payload", day
    }

    public init(recipient: String, template: String, language: String, buttonPayload: String, day: String) {
        self.recipient = recipient
        self.template = template
        self.language = language
        self.buttonPayload = buttonPayload
        self.day = day
    }
}

/// The Graph API accepted the template; `wamid` is what a later click's `context.id` names.
public struct TemplateSent: DomainEvent {
    public static let type = EventType.templateSent
    public var recipient: String
    public var template: String
    public var wamid: String
    public var day: String
    public var stream: String { recipient }

    enum CodingKeys: String, CodingKey {
        case recipient, template, wamid, day
    }

    public init(recipient: String, template: String, wamid: String, day: String) {
        self.recipient = recipient
        self.template = template
        self.wamid = wamid
        self.day = day
    }
}

/// The template could not be sent.
public struct TemplateFailed: DomainEvent {
    public static let type = EventType.templateFailed
    public var recipient: String
    public var template: String
    public var error: MetaError
    public var day: String
    public var stream: String { recipient }

    enum CodingKeys: String, CodingKey {
        case recipient, template, error, day
    }

    public init(recipient: String, template: String, error: MetaError, day: String) {
        self.recipient = recipient
        self.template = template
        self.error = error
        self.day = day
    }
}
