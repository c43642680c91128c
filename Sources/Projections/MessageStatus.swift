/// Order of message statuses: a status never moves backwards; `failed` is terminal.
enum MessageStatus {
    static let failed = 4

    /// `sent` 1 < `delivered` 2 < `read` 3 < `failed` 4; others (e.g. `played`) 0.
    static func rank(_ status: String) -> Int {
        switch status {
        case "sent": return 1
        case "delivered": return 2
        case "read": return 3
        case "failed": return failed
        default: return 0
        }
    }
}
