/// The domain event catalogue, by type name. Later work adds fields to the payloads, never
/// renames these.
public enum EventType: String, CaseIterable, Sendable {
    case webhookReceived = "webhook.received"
    case messageReceived = "message.received"
    case buttonClicked = "button.clicked"
    case statusUpdated = "status.updated"
    case webhookError = "webhook.error"
    case templateSendRequested = "template.send_requested"
    case templateSent = "template.sent"
    case templateFailed = "template.failed"
    case deliveryStarted = "delivery.started"
    case deliveryAttemptStarted = "delivery.attempt_started"
    case deliveryStepSent = "delivery.step_sent"
    case deliveryStepFailed = "delivery.step_failed"
    case deliveryCompleted = "delivery.completed"
    case deliveryFailed = "delivery.failed"
    /// A click that started no delivery, and why.
    case deliverySkipped = "delivery.skipped"
    /// An alert rule's condition began to hold (the service's own alerting).
    case alertRaised = "alert.raised"
    /// A raised alert's condition stopped holding.
    case alertResolved = "alert.resolved"
}
