import Delivery

/// A `MessageSender` that tells `ServiceTelemetry` the outcome of every call it passes on (the
/// saga's and the template sender's calls to the Graph API go through one).
struct MeasuredSender: MessageSender {
    let sender: any MessageSender
    let telemetry: ServiceTelemetry

    func send(_ message: OutgoingMessage) async -> SendOutcome {
        let outcome = await sender.send(message)
        var template = false
        if case .template = message.body { template = true }
        telemetry.recordGraphCall(GraphCallOutcome(outcome), template: template)
        return outcome
    }
}
