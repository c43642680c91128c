import Domain
import EventStore

/// One line a person reads in the activity feed, and the contact it concerns.
enum EventSummary {
    static func describe(_ event: RecordedEvent, _ fact: DomainFact) -> (contact: String?, summary: String) {
        switch fact {
        case .webhookReceived(let hit):
            let kind = hit.parse == .parsed ? "webhook" : "unparsed webhook"
            return (
                nil,
                "\(kind) received (\(hit.bodyBytes) bytes)"
                    + (hit.duplicates > 0 ? ", \(hit.duplicates) duplicate item(s)" : "")
            )
        case .messageReceived(let message):
            let text = message.textPreview.map { ": \($0.prefix(60))" } ?? ""
            return (message.sender.contactKey, "\(name(message.sender)) sent a \(message.messageType) message\(text)")
        case .buttonClicked(let click):
            let label = click.text.map { "“\($0)”" } ?? "a button"
            let why = click.authorized ? "" : " (not an authorized contact)"
            return (click.sender.contactKey, "\(name(click.sender)) tapped \(label) (\(click.payload))\(why)")
        case .statusUpdated(let status):
            let error = status.errors.first.map { " — error \($0.code)" } ?? ""
            return (status.recipientId, "message \(status.status) to \(status.recipientId)\(error)")
        case .webhookError(let item):
            return (nil, "WhatsApp reported error \(item.error.code)" + (item.error.title.map { ": \($0)" } ?? ""))
        case .templateSendRequested(let request):
            return (request.recipient, "template \(request.template) requested for \(request.recipient)")
        case .templateSent(let sent):
            return (sent.recipient, "template \(sent.template) accepted for \(sent.recipient)")
        case .templateFailed(let failed):
            return (
                failed.recipient,
                "template \(failed.template) failed for \(failed.recipient): error \(failed.error.code)"
            )
        case .deliveryStarted(let started):
            return (
                started.contact, "delivery \(started.deliveryId) of \(started.pack) started (\(started.steps) steps)"
            )
        case .deliveryAttemptStarted(let attempt):
            return (nil, "delivery \(attempt.deliveryId): sending step \(attempt.step + 1), attempt \(attempt.attempt)")
        case .deliveryStepSent(let sent):
            let how = sent.reconciled == true ? " (reconciled from a status webhook)" : ""
            return (nil, "delivery \(sent.deliveryId): step \(sent.step + 1) accepted\(how)")
        case .deliveryStepFailed(let failed):
            let next = failed.retryable ? "will retry" : "permanent"
            return (
                nil, "delivery \(failed.deliveryId): step \(failed.step + 1) failed with \(failed.error.code) (\(next))"
            )
        case .deliveryCompleted(let completed):
            return (nil, "delivery \(completed.deliveryId) completed")
        case .deliveryFailed(let failed):
            return (nil, "delivery \(failed.deliveryId) failed: \(failed.reason)")
        case .deliverySkipped(let skipped):
            return (skipped.contact, "tap \(skipped.payload) started no delivery: \(skipped.detail)")
        case .alertRaised(let alert):
            return (nil, "alert \(alert.name) raised (\(alert.severity)): \(alert.summary)")
        case .alertResolved(let alert):
            return (nil, "alert \(alert.name) resolved: \(alert.summary)")
        case .unknownType:
            return (
                event.stream.isEmpty ? nil : event.stream, "event of unknown type \(event.type) (v\(event.version))"
            )
        case .undecodable:
            return (event.stream.isEmpty ? nil : event.stream, "\(event.type) whose payload does not decode")
        }
    }

    private static func name(_ sender: Sender) -> String {
        if let profile = sender.profileName { return "\(profile) (\(sender.contactKey))" }
        return sender.contactKey
    }
}
