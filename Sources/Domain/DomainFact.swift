public import EventStore

/// A log event decoded into its catalogue type, once, for every consumer of a batch.
public enum DomainFact: Sendable {
    case webhookReceived(WebhookReceived)
    case messageReceived(MessageReceived)
    case buttonClicked(ButtonClicked)
    case statusUpdated(StatusUpdated)
    case webhookError(WebhookError)
    case templateSendRequested(TemplateSendRequested)
    case templateSent(TemplateSent)
    case templateFailed(TemplateFailed)
    case deliveryStarted(DeliveryStarted)
    case deliveryAttemptStarted(DeliveryAttemptStarted)
    case deliveryStepSent(DeliveryStepSent)
    case deliveryStepFailed(DeliveryStepFailed)
    case deliveryCompleted(DeliveryCompleted)
    case deliveryFailed(DeliveryFailed)
    case deliverySkipped(DeliverySkipped)
    case alertRaised(AlertRaised)
    case alertResolved(AlertResolved)
    /// A type this build does not know (written by a newer version, or another producer).
    case unknownType
    /// A known type whose payload does not decode.
    case undecodable

    public init(_ event: RecordedEvent) { self.init(event, fast: true) }

    init(_ event: RecordedEvent, fast: Bool) {
        guard let type = EventType(rawValue: event.type) else {
            self = .unknownType
            return
        }
        if fast, let decoded = DomainFact.fast(type, event.data) {
            self = decoded
            return
        }
        func decode<T: DomainEvent>(_: T.Type, _ wrap: (T) -> DomainFact) -> DomainFact {
            DomainCoding.decode(T.self, event.data).map(wrap) ?? .undecodable
        }
        switch type {
        case .webhookReceived: self = decode(WebhookReceived.self, DomainFact.webhookReceived)
        case .messageReceived: self = decode(MessageReceived.self, DomainFact.messageReceived)
        case .buttonClicked: self = decode(ButtonClicked.self, DomainFact.buttonClicked)
        case .statusUpdated: self = decode(StatusUpdated.self, DomainFact.statusUpdated)
        case .webhookError: self = decode(WebhookError.self, DomainFact.webhookError)
        case .templateSendRequested: self = decode(TemplateSendRequested.self, DomainFact.templateSendRequested)
        case .templateSent: self = decode(TemplateSent.self, DomainFact.templateSent)
        case .templateFailed: self = decode(TemplateFailed.self, DomainFact.templateFailed)
        case .deliveryStarted: self = decode(DeliveryStarted.self, DomainFact.deliveryStarted)
        case .deliveryAttemptStarted: self = decode(DeliveryAttemptStarted.self, DomainFact.deliveryAttemptStarted)
        case .deliveryStepSent: self = decode(DeliveryStepSent.self, DomainFact.deliveryStepSent)
        case .deliveryStepFailed: self = decode(DeliveryStepFailed.self, DomainFact.deliveryStepFailed)
        case .deliveryCompleted: self = decode(DeliveryCompleted.self, DomainFact.deliveryCompleted)
        case .deliveryFailed: self = decode(DeliveryFailed.self, DomainFact.deliveryFailed)
        case .deliverySkipped: self = decode(DeliverySkipped.self, DomainFact.deliverySkipped)
        case .alertRaised: self = decode(AlertRaised.self, DomainFact.alertRaised)
        case .alertResolved: self = decode(AlertResolved.self, DomainFact.alertResolved)
        }
    }

    /// Whether the projector understood the event (a known type that decoded).
    public var isUnderstood: Bool {
        switch self {
        case .unknownType, .undecodable: return false
        default: return true
        }
    }
}
