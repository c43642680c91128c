public import Domain

/// The duplicate key of a fact Meta may deliver more than once (it redelivers a webhook for up to
/// 7 days): an inbound message, a tap included, by its wamid (`message:<wamid>`); a status by its
/// wamid and status (`status:<wamid>:<status>`). Other facts have none. The one definition: the
/// parser keys the facts it reads with it, and the dedupe index the facts it reloads from the log.
public enum DedupeKey {
    public static func of(_ fact: DomainFact) -> String? {
        switch fact {
        case .buttonClicked(let click): return "message:\(click.wamid)"
        case .messageReceived(let message): return "message:\(message.wamid)"
        case .statusUpdated(let status): return "status:\(status.wamid):\(status.status)"
        default: return nil
        }
    }
}
