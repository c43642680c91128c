public import Domain

/// One delivery as its events (and the status webhooks naming its messages) tell it.
public struct DeliveryProgress: Sendable, Codable {
    public struct Step: Sendable, Codable {
        public enum Phase: Sendable, Equatable, Codable {
            case pending
            /// An attempt started and no outcome is recorded (a crash, or a call in flight).
            case inFlight(since: Int64)
            /// Waiting for another attempt at `at`; `outcomeUnknown` when Meta may have it anyway.
            case retry(at: Int64, outcomeUnknown: Bool)
            case sent(wamid: String, at: Int64)
            case failed
        }

        public var phase: Phase = .pending
        /// Attempts started so far (the number of the last one).
        public var attempts = 0
        /// `biz_opaque_callback_data` of each attempt.
        public var callbacks: [String] = []
        /// A `delivered` or `read` status arrived for the sent message.
        public var confirmed = false
        /// A `failed` status arrived for the sent message, not yet acted on.
        public var statusFailure: MetaError?
        /// 131056 answers so far (for 4^X pacing).
        public var pairLimitHits = 0
        public var lastError: MetaError?

        public init() {}
    }

    public var started: DeliveryStarted
    public var startedAt: Int64
    public var steps: [Step]
    public var finished = false

    init(_ started: DeliveryStarted, at time: Int64) {
        self.started = started
        self.startedAt = time
        self.steps = Array(repeating: Step(), count: max(started.items?.count ?? started.steps, 0))
    }

    public var items: [ContentItem] { started.items ?? [] }
    public var sentCount: Int { steps.count { if case .sent = $0.phase { true } else { false } } }
}
