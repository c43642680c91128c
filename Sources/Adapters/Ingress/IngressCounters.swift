/// What ingestion has seen since start: for health and logs.
public struct IngressCounters: Sendable, Equatable {
    public var accepted = 0
    /// Acknowledged and stored raw, but not understood (not JSON, or not the webhook envelope).
    public var unparsed = 0
    /// Facts left out because they were already in the log.
    public var duplicateItems = 0
    /// Items of kinds the parser does not know (kept in the raw body).
    public var unknownItems = 0
    /// Rejected before anything was stored, by reason (`missing`, `malformed`, `mismatch`, `too_large`,
    /// `body_timeout`, `body_incomplete`: the connection ended mid-body, `unstorable`: a body the log
    /// cannot store even raw).
    public var rejected: [String: Int] = [:]
    /// Answered 503: the log could not take the batch now, or a concurrent request with the same
    /// message was not stored in time.
    public var unavailable = 0
    /// Signed bodies whose facts the log can never take (a field past a log limit): stored raw,
    /// unparsed, and acknowledged (also counted in `accepted` and `unparsed`).
    public var unstorableFacts = 0
    /// When the last accepted webhook was received (ms since the epoch, the time stamped on its
    /// `webhook.received`); `nil` before the first.
    public var lastWebhookAt: Int64?

    public init() {}
}
