/// What one client of the live feed asked for (`?types=`, `?contact=`): event frames of other
/// types or contacts are not sent to it; the other frames always are.
struct FeedFilter: Sendable, Equatable {
    /// Type prefixes (`button.`, `delivery.`); empty: every type.
    var typePrefixes: [String] = []
    /// Only the events concerning this contact (a wa_id).
    var contact: String?

    var isEmpty: Bool { typePrefixes.isEmpty && contact == nil }

    func admits(_ frame: FeedFrame) -> Bool {
        guard frame.kind == .event else { return true }
        if let contact, frame.contact != contact { return false }
        guard !typePrefixes.isEmpty else { return true }
        guard let type = frame.eventType else { return false }
        return typePrefixes.contains { type.hasPrefix($0) }
    }
}
