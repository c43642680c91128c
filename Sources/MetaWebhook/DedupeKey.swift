public import Domain
public import EventStore

/// The duplicate key of a fact Meta may deliver more than once (it redelivers a webhook for up to
/// 7 days): an inbound message, a tap included, by its wamid (`message:<wamid>`); a status by its
/// wamid and status (`status:<wamid>:<status>`). Other facts have none. The one definition: the
/// parser keys the facts it reads with it, and the dedupe index the facts it reloads from the log.
public enum DedupeKey {
    /// The event types whose facts have a key: a reload decodes only these (most of a log is
    /// delivery events, which have none).
    public static let keyedTypes = Set([EventType.buttonClicked, .messageReceived, .statusUpdated].map(\.rawValue))

    /// The key of a recorded event, decoding it only when its type can have one.
    public static func of(_ event: RecordedEvent) -> String? {
        keyedTypes.contains(event.type) ? of(DomainFact(event)) : nil
    }

    public static func of(_ fact: DomainFact) -> String? {
        switch fact {
        case .buttonClicked(let click): return "message:\(click.wamid)"
        case .messageReceived(let message): return "message:\(message.wamid)"
        case .statusUpdated(let status): return "status:\(status.wamid):\(status.status)"
        default: return nil
        }
    }
}
