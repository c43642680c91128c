extension DomainFact {
    /// The Meta errors this event reports first-hand, for counting "errors by code" once each.
    /// A `failed` status, a refused template send, a webhook-level error and a Graph API call the
    /// saga saw fail are sources. A step failure the saga derived from a `failed` status
    /// (`fromStatus`) and a delivery's final error repeat an error already counted, so they report none.
    public var reportedErrors: [MetaError] {
        switch self {
        case .statusUpdated(let status) where status.status == "failed": return status.errors
        case .templateFailed(let failed): return [failed.error]
        case .webhookError(let item): return [item.error]
        case .deliveryStepFailed(let failed) where failed.fromStatus != true: return [failed.error]
        default: return []
        }
    }
}
