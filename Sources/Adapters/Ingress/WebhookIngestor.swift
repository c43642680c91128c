import Domain
public import EventStore
import Foundation
public import Logging
import MetaWebhook
import Synchronization

/// Turns one webhook POST into one atomic append: the raw hit, then the facts derived from it that
/// are not already in the log. Knows nothing of HTTP beyond status codes.
///
/// What the log can never take (a fact with a field past one of its limits, e.g. a 5,000-character
/// contact id as stream) is told from what it cannot take now (disk full, closing): the first is
/// stored raw as unparsed and acknowledged, so that Meta does not retry it for a week; the second
/// answers 503. Lines about refused requests are written at a bounded rate (`BoundedLog`).
public final class WebhookIngestor: Sendable {
    public struct Result: Sendable, Equatable {
        /// 200, 401, 413 or 503.
        public var status: Int
        /// Seconds, with 503.
        public var retryAfter: Int?
        /// What was appended (nil when nothing was).
        public var positions: Range<UInt64>?
        /// Why, in a few words (for logs; never the body or a secret).
        public var reason: String
    }

    public struct Limits: Sendable {
        /// How long a request waits for a concurrent one carrying the same message (or status) to
        /// be stored or fail, before it answers 503 (default 5 s).
        public var duplicateWait: Duration = .seconds(5)
        /// How many lines about refused or unstored webhooks are written, per kind and interval.
        public var logLines = BoundedLog.Limits()

        public init() {}
    }

    /// Room kept in a log event for the raw hit's own fields (type, stream, JSON data, record
    /// header: a few hundred bytes) beside the body.
    static let rawHitReserve = 4096

    /// The largest body that a log with `configuration` stores as one `webhook.received` event:
    /// a body limit above it would let a signed webhook be unstorable even raw.
    public static func largestStorableBody(in configuration: EventLogConfiguration) -> Int {
        configuration.maxEventBytes - rawHitReserve
    }

    public let log: EventLog
    public let dedupe: DedupeIndex
    private let signature: WebhookSignature?
    private let authorizedContacts: Set<String>
    private let logger: Logger
    private let limits: Limits
    private let counters = Mutex(IngressCounters())
    /// 401, 408, 413: requests refused before anything was stored.
    private let rejections: BoundedLog
    /// 503: the log could not take the append now.
    private let failures: BoundedLog
    /// Signed bodies whose facts the log can never take, stored raw.
    private let storedRaw: BoundedLog
    /// The wait for a concurrent duplicate runs on this clock.
    private let clock: any Clock<Duration>
    /// Stamps `receivedAt` and the dedupe window.
    private let wall: WallClock

    /// `signature` is `nil` only in the explicit insecure development mode: nothing is checked.
    /// `authorizedContacts` lists the wa_ids or BSUIDs allowed to unlock content; empty means everyone.
    /// `clock` is what waits (a concurrent duplicate, the log lines' intervals) run on; `wall` is the
    /// time stamped on each hit and used for the dedupe window.
    public init(
        log: EventLog, signature: WebhookSignature?, dedupe: DedupeIndex, authorizedContacts: Set<String> = [],
        logger: Logger, limits: Limits = Limits(), clock: some Clock<Duration> = ContinuousClock(),
        wall: WallClock = .system
    ) {
        self.clock = clock
        self.wall = wall
        self.log = log
        self.signature = signature
        self.dedupe = dedupe
        self.authorizedContacts = authorizedContacts
        self.logger = logger
        self.limits = limits
        let lines = limits.logLines
        rejections = BoundedLog(logger: logger, level: .warning, what: "rejected", limits: lines, clock: clock)
        failures = BoundedLog(logger: logger, level: .error, what: "not stored", limits: lines, clock: clock)
        storedRaw = BoundedLog(logger: logger, level: .warning, what: "stored raw", limits: lines, clock: clock)
    }

    public var statistics: IngressCounters { counters.withLock { $0 } }

    /// Counts a request refused before anything was stored (bad signature, too large, body too
    /// slow); its log line is subject to the rate bound.
    public func reject(_ reason: String, requestId: String, bytes: Int?) {
        counters.withLock { $0.rejected[reason, default: 0] += 1 }
        rejections.log(
            "webhook rejected", reason: reason,
            metadata: [
                "request_id": "\(requestId)", "reason": "\(reason)", "bytes": "\(bytes.map(String.init) ?? "?")",
            ])
    }

    public func ingest(
        body: [UInt8], signatureHeader: String?, remoteAddress: String?, requestId: String
    ) async -> Result {
        let signatureStatus: SignatureStatus
        if let signature {
            let check = signature.check(header: signatureHeader, body: body)
            guard check == .valid else {
                reject(check.rawValue, requestId: requestId, bytes: body.count)
                return Result(status: 401, retryAfter: nil, positions: nil, reason: "signature \(check.rawValue)")
            }
            signatureStatus = .valid
        } else {
            signatureStatus = .unchecked
        }

        let now = wall.now()
        let parsed = WebhookParser.parse(body) { sender in
            authorizedContacts.isEmpty || sender.waId.map(authorizedContacts.contains) == true
                || sender.userId.map(authorizedContacts.contains) == true
        }
        let keys = parsed.items.map { item in item.key.map { dedupe.key($0) } }
        // A local value, not the stored property: only a value is opened for a generic parameter.
        let clock: any Clock<Duration> = clock
        guard let fresh = await dedupe.reserve(keys, now: now, waitingUpTo: limits.duplicateWait, clock: clock) else {
            return unavailable(
                "duplicate_in_flight", requestId: requestId, retryAfter: 5,
                why: "a concurrent request with the same message is still being stored")
        }
        let kept = zip(parsed.items, fresh).filter(\.1).map(\.0)
        let reservedKeys = zip(keys, fresh).compactMap { key, isFresh in isFresh ? key : nil }
        let duplicates = parsed.items.count - kept.count
        let hit = WebhookReceived(
            receivedAt: now, remoteAddress: remoteAddress, signature: signatureStatus,
            parse: parsed.understood ? .parsed : .unparsed,
            bodyBytes: body.count, duplicates: duplicates, requestId: requestId)
        do {
            let positions = try await log.append([hit.newEvent(attachment: body)] + kept.map(\.event))
            dedupe.commit(reservedKeys, at: now)
            counters.withLock {
                $0.accepted += 1
                $0.lastWebhookAt = now
                if !parsed.understood { $0.unparsed += 1 }
                $0.duplicateItems += duplicates
                $0.unknownItems += parsed.unknownItems
            }
            logger.debug(
                "webhook stored",
                metadata: [
                    "request_id": "\(requestId)", "positions": "\(positions.lowerBound)-\(positions.upperBound - 1)",
                    "facts": "\(kept.count)", "duplicates": "\(duplicates)", "parsed": "\(parsed.understood)",
                ])
            return Result(
                status: 200, retryAfter: nil, positions: positions,
                reason: parsed.understood ? "stored" : "stored unparsed")
        } catch  where error.code == .invalidEvent {
            dedupe.release(reservedKeys)
            var raw = hit
            raw.parse = .unparsed
            raw.duplicates = 0
            return await storeRaw(raw, body: body, requestId: requestId, because: error)
        } catch {
            dedupe.release(reservedKeys)
            return unavailable(because: error, requestId: requestId)
        }
    }

    /// The facts can never be stored as they are: the raw body alone, marked unparsed, and a 200.
    /// When even that is refused (a body bigger than the log's events; `largestStorableBody` keeps
    /// valid settings from it), 413: retrying could not help.
    private func storeRaw(
        _ hit: WebhookReceived, body: [UInt8], requestId: String, because: EventLogError
    ) async -> Result {
        do {
            let positions = try await log.append(hit.newEvent(attachment: body))
            counters.withLock {
                $0.accepted += 1
                $0.lastWebhookAt = hit.receivedAt
                $0.unparsed += 1
                $0.unstorableFacts += 1
            }
            storedRaw.log(
                "webhook stored raw, unparsed: the log can never take its facts", reason: "fact_past_log_limit",
                metadata: ["request_id": "\(requestId)", "position": "\(positions)", "why": "\(because.message)"])
            return Result(
                status: 200, retryAfter: nil, positions: positions..<(positions + 1), reason: "stored unparsed")
        } catch  where error.code == .invalidEvent {
            counters.withLock { $0.rejected["unstorable", default: 0] += 1 }
            let advice = "lower the body limit to at most \(Self.largestStorableBody(in: log.configuration)) bytes"
            rejections.log(
                "webhook NOT stored: the log cannot store this body even raw; \(advice)",
                reason: "unstorable",
                metadata: ["request_id": "\(requestId)", "bytes": "\(body.count)", "why": "\(error.message)"])
            return Result(status: 413, retryAfter: nil, positions: nil, reason: "unstorable")
        } catch {
            return unavailable(because: error, requestId: requestId)
        }
    }

    /// The log cannot take the append now: 503, sooner again when it is only closing.
    private func unavailable(because error: EventLogError, requestId: String) -> Result {
        let reason = error.code == .closed ? "closed" : error.isDiskFull ? "disk_full" : error.code.name
        return unavailable(reason, requestId: requestId, retryAfter: error.code == .closed ? 5 : 30, why: error.message)
    }

    private func unavailable(_ reason: String, requestId: String, retryAfter: Int, why: String) -> Result {
        counters.withLock { $0.unavailable += 1 }
        failures.log(
            "webhook not stored: answered 503 for Meta to redeliver", reason: reason,
            metadata: ["request_id": "\(requestId)", "reason": "\(reason)", "why": "\(why)"])
        return Result(status: 503, retryAfter: retryAfter, positions: nil, reason: "log unavailable")
    }
}
