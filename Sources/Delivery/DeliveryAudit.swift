import Domain
public import EventStore

/// What the log says about each delivery step's attempts: which steps had an attempt whose
/// outcome was never recorded (a crash mid-call) or was unknown (timeout, reset, 5xx without a
/// body). Only those may have reached the recipient twice; every other step was sent once.
public struct DeliveryAudit: Sendable {
    /// `delivery#step` keys of the steps with an ambiguous attempt.
    public private(set) var ambiguousSteps: Set<String> = []
    /// Steps proven sent by a status webhook rather than by an answer.
    public private(set) var reconciledSteps = 0
    /// Steps whose last attempt has no outcome in the events.
    private var open: Set<String> = []

    public init(_ events: [RecordedEvent]) {
        for event in events {
            switch DomainFact(event) {
            case .deliveryAttemptStarted(let attempt):
                let key = Self.key(attempt.deliveryId, attempt.step)
                if open.contains(key) { ambiguousSteps.insert(key) }
                open.insert(key)
            case .deliveryStepSent(let sent):
                let key = Self.key(sent.deliveryId, sent.step)
                if sent.reconciled == true {
                    ambiguousSteps.insert(key)
                    reconciledSteps += 1
                }
                open.remove(key)
            case .deliveryStepFailed(let failed):
                let key = Self.key(failed.deliveryId, failed.step)
                if failed.outcomeUnknown == true { ambiguousSteps.insert(key) }
                open.remove(key)
            default:
                break
            }
        }
    }

    /// Attempts whose outcome is not (yet) in `events`: calls in flight, or cut off by a crash.
    public static func openAttempts(_ events: [RecordedEvent]) -> Int { Self(events).open.count }

    public static func key(_ deliveryId: String, _ step: Int) -> String { "\(deliveryId)#\(step)" }
}
