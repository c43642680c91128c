/// How the Graph API simulator behaves. Every random choice is drawn from `seed` and the
/// message's identity (recipient, callback data, how many times that message was seen), so a
/// run with the same seed and the same requests makes the same choices in any interleaving.
public struct SimulatorConfiguration: Sendable {
    /// The bearer token requests must carry.
    public var accessToken: String
    /// Where status and tap webhooks go (the service's `POST /webhook`); `nil` sends none.
    public var webhookURL: String?
    /// Key for `X-Hub-Signature-256` on those webhooks.
    public var appSecret: String
    public var displayPhoneNumber = "15550001234"
    public var wabaId = "102290129340398"
    public var seed: UInt64 = 1

    /// Delays after acceptance of the `sent`, `delivered` and `read` statuses (ms); `nil` sends none.
    public var sentAfterMs: Int64? = 20
    public var deliveredAfterMs: Int64? = 60
    public var readAfterMs: Int64? = nil

    public var faults = Faults()

    /// Recipients that behave like people: a template reaching one is tapped after `tapAfterMs`.
    public var virtualContacts = VirtualContacts()

    /// Meta's pair rate limit: more than `pairBurst` messages to one recipient within 6 s → 131056.
    public var pairBurst: Int? = 45
    /// Messages per second per business number before 130429; `nil` lifts it.
    public var throughputPerSecond: Double? = nil

    public init(accessToken: String, webhookURL: String?, appSecret: String) {
        self.accessToken = accessToken
        self.webhookURL = webhookURL
        self.appSecret = appSecret
    }

    public struct Faults: Sendable {
        /// Error answers by Meta code (e.g. `[131000: 0.05, 131056: 0.02]`), each a probability.
        public var errorRates: [Int: Double] = [:]
        /// HTTP 500 without an error body (ambiguous for the client).
        public var serverErrorRate = 0.0
        /// Hang for `hangMs` without answering, the message not accepted.
        public var timeoutRate = 0.0
        /// Accept the message (statuses follow), then hang for `hangMs`: an ambiguous timeout.
        public var timeoutAfterAcceptRate = 0.0
        /// Close the connection without an answer, the message not accepted.
        public var resetRate = 0.0
        /// Accept the message (statuses follow), then close the connection without an answer.
        public var resetAfterAcceptRate = 0.0
        /// Accept, then report a `failed` status with 131047 instead of `delivered`.
        public var asyncWindowClosedRate = 0.0
        public var hangMs: Int64 = 30_000
        /// Answer latency: uniform in `latencyMs ... latencyMs + latencyJitterMs`.
        public var latencyMs: Int64 = 0
        public var latencyJitterMs: Int64 = 0
        /// Windows in which every send gets an error: during the first `activeMs` of each `periodMs`.
        public var schedules: [Schedule] = []
        /// Recipients whose every send gets this code (e.g. a contact not on WhatsApp → 131026).
        public var recipientErrors: [String: Int] = [:]
        /// Recipients whose accepted messages fail asynchronously with this code (e.g. 131047).
        public var recipientAsyncErrors: [String: Int] = [:]

        public init() {}
    }

    public struct Schedule: Sendable {
        public var code: Int
        public var periodMs: Int64
        public var activeMs: Int64
        /// When the first window opens, after the simulator starts (each `periodMs` after that).
        public var offsetMs: Int64
        public init(code: Int, periodMs: Int64, activeMs: Int64, offsetMs: Int64 = 0) {
            self.code = code
            self.periodMs = periodMs
            self.activeMs = activeMs
            self.offsetMs = offsetMs
        }

        /// Whether a send `elapsedMs` after the start falls in a window.
        func isActive(elapsedMs: Int64) -> Bool {
            periodMs > 0 && elapsedMs >= offsetMs && (elapsedMs - offsetMs) % periodMs < activeMs
        }
    }

    public struct VirtualContacts: Sendable {
        /// Exact recipients.
        public var contacts: Set<String> = []
        /// Or every recipient starting with this.
        public var prefix: String?
        public var tapAfterMs: Int64 = 200
        /// Chance that a virtual contact taps at all.
        public var tapRate = 1.0
        /// Chance that a contact who tapped taps the same button again (`tapAfterMs` later): the
        /// service records it and starts nothing (`repeated_click`).
        public var secondTapRate = 0.0

        public init() {}

        public func contains(_ recipient: String) -> Bool {
            contacts.contains(recipient) || (prefix.map { !$0.isEmpty && recipient.hasPrefix($0) } ?? false)
        }
    }
}
