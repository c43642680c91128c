/// The parts of `GET /api/webhook/health` that are the process's own (not read from the
/// projections): its log, its ingress since start, its disk, its Graph API calls of the last 15
/// minutes and its build. Encodes with the answer's keys (`graph_api`, `head_position`, ...);
/// absent values encode as `null`, never as a missing key.
public struct ProcessHealth: Encodable, Sendable, Equatable {
    public var log: LogHealth
    public var ingress: IngressHealth
    public var disk: DiskHealth
    public var graphAPI: GraphAPIHealth
    public var build: BuildHealth

    public init(
        log: LogHealth, ingress: IngressHealth, disk: DiskHealth, graphAPI: GraphAPIHealth, build: BuildHealth
    ) {
        self.log = log
        self.ingress = ingress
        self.disk = disk
        self.graphAPI = graphAPI
        self.build = build
    }

    enum CodingKeys: String, CodingKey {
        case log, ingress, disk, build
        case graphAPI = "graph_api"
    }
}

/// `"log"`: the event log as it stands.
public struct LogHealth: Encodable, Sendable, Equatable {
    /// Position of the last committed event (0: empty log).
    public var headPosition: UInt64
    /// Bytes of the segments holding events (see `LogFootprint.bytes`).
    public var sizeBytes: Int64
    public var segments: Int

    public init(headPosition: UInt64, sizeBytes: Int64, segments: Int) {
        self.headPosition = headPosition
        self.sizeBytes = sizeBytes
        self.segments = segments
    }

    enum CodingKeys: String, CodingKey {
        case headPosition = "head_position"
        case sizeBytes = "size_bytes"
        case segments
    }
}

/// `"ingress"`: what the webhook port has seen since the process started.
public struct IngressHealth: Encodable, Sendable, Equatable {
    /// Requests refused before anything was stored, by reason.
    public struct Rejected: Encodable, Sendable, Equatable {
        public var signatureMissing = 0
        public var signatureMalformed = 0
        public var signatureMismatch = 0
        public var tooLarge = 0
        /// Bodies too slow or cut short, and bodies the log cannot store even raw.
        public var other = 0

        public init(
            signatureMissing: Int = 0, signatureMalformed: Int = 0, signatureMismatch: Int = 0, tooLarge: Int = 0,
            other: Int = 0
        ) {
            self.signatureMissing = signatureMissing
            self.signatureMalformed = signatureMalformed
            self.signatureMismatch = signatureMismatch
            self.tooLarge = tooLarge
            self.other = other
        }

        enum CodingKeys: String, CodingKey {
            case signatureMissing = "signature_missing"
            case signatureMalformed = "signature_malformed"
            case signatureMismatch = "signature_mismatch"
            case tooLarge = "too_large"
            case other
        }
    }

    /// Webhooks stored and acknowledged (parsed or not).
    public var accepted: Int
    /// Facts left out because they were already in the log.
    public var duplicates: Int
    /// Webhooks stored raw, not understood.
    public var unparsed: Int
    /// Items of kinds the parser does not know.
    public var unknownItems: Int
    public var rejected: Rejected
    /// Requests answered 503.
    public var unavailable: Int
    /// When the last webhook was stored (RFC 3339), `nil` before the first.
    public var lastWebhookAt: String?

    public init(
        accepted: Int, duplicates: Int, unparsed: Int, unknownItems: Int, rejected: Rejected, unavailable: Int,
        lastWebhookAt: String?
    ) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.unparsed = unparsed
        self.unknownItems = unknownItems
        self.rejected = rejected
        self.unavailable = unavailable
        self.lastWebhookAt = lastWebhookAt
    }

    enum CodingKeys: String, CodingKey {
        case accepted, duplicates, unparsed, rejected, unavailable
        case unknownItems = "unknown_items"
        case lastWebhookAt = "last_webhook_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(accepted, forKey: .accepted)
        try container.encode(duplicates, forKey: .duplicates)
        try container.encode(unparsed, forKey: .unparsed)
        try container.encode(unknownItems, forKey: .unknownItems)
        try container.encode(rejected, forKey: .rejected)
        try container.encode(unavailable, forKey: .unavailable)
        try container.encode(lastWebhookAt, forKey: .lastWebhookAt)
    }
}

/// `"disk"`: the file system of the data directory.
public struct DiskHealth: Encodable, Sendable, Equatable {
    /// The data directory.
    public var path: String
    /// Bytes the service can still write there (0 when the directory cannot be examined).
    public var freeBytes: Int64
    public var totalBytes: Int64

    public init(path: String, freeBytes: Int64, totalBytes: Int64) {
        self.path = path
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
    }

    enum CodingKeys: String, CodingKey {
        case path
        case freeBytes = "free_bytes"
        case totalBytes = "total_bytes"
    }
}

/// `"graph_api"`: the outcomes of the Graph API calls of the last `windowMinutes` minutes.
public struct GraphAPIHealth: Encodable, Sendable, Equatable {
    /// Calls that ended one way, with their count.
    public struct Outcome: Encodable, Sendable, Equatable {
        /// `ok` or `error`.
        public var outcome: String
        /// Meta's error code; `nil` for `ok` and for calls that got no error body.
        public var code: Int?
        /// What the code (`MetaErrorCode.meaning`), or the failure without one, means; `nil` for `ok`.
        public var meaning: String?
        public var count: Int

        public init(outcome: String, code: Int?, meaning: String?, count: Int) {
            self.outcome = outcome
            self.code = code
            self.meaning = meaning
            self.count = count
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(code, forKey: .code)
            try container.encode(meaning, forKey: .meaning)
            try container.encode(count, forKey: .count)
        }

        enum CodingKeys: String, CodingKey { case outcome, code, meaning, count }
    }

    public var windowMinutes: Int
    /// All calls of the window (the sum of the outcomes' counts).
    public var calls: Int
    /// Most frequent first.
    public var outcomes: [Outcome]

    public init(windowMinutes: Int, calls: Int, outcomes: [Outcome]) {
        self.windowMinutes = windowMinutes
        self.calls = calls
        self.outcomes = outcomes
    }

    enum CodingKeys: String, CodingKey {
        case calls, outcomes
        case windowMinutes = "window_minutes"
    }
}

/// `"build"`: which build runs, and since when.
public struct BuildHealth: Encodable, Sendable, Equatable {
    public var version: String
    /// When the process started (RFC 3339).
    public var startedAt: String
    /// Whole seconds since then.
    public var uptimeSeconds: Int64

    public init(version: String, startedAt: String, uptimeSeconds: Int64) {
        self.version = version
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case version
        case startedAt = "started_at"
        case uptimeSeconds = "uptime_seconds"
    }
}
