import Domain
public import EventStore
public import Logging
import Foundation
import Synchronization

/// Turns one webhook POST into one atomic append: the raw hit, then the facts derived from it that
/// are not already in the log. Knows nothing of HTTP beyond status codes.
public final class WebhookIngestor: Sendable {
    public struct Result: Sendable, Equatable {
        /// 200, 401 or 503.
        public var status: Int
        /// Seconds, with 503.
        public var retryAfter: Int?
        /// What was appended (nil when nothing was).
        public var positions: Range<UInt64>?
        /// Why, in a few words (for logs; never the body or a secret).
        public var reason: String
    }

    public let log: EventLog
    public let dedupe: DedupeIndex
    private let signature: WebhookSignature?
    private let authorizedContacts: Set<String>
    private let logger: Logger
    private let counters = Mutex(IngressCounters())

    /// - Parameters:
    ///   - signature: `nil` only in the explicit insecure development mode: nothing is checked.
    ///   - authorizedContacts: wa_ids or BSUIDs allowed to unlock content; empty means everyone.
    public init(
        log: EventLog, signature: WebhookSignature?, dedupe: DedupeIndex, authorizedContacts: Set<String> = [],
        logger: Logger
    ) {
        self.log = log
        self.signature = signature
        self.dedupe = dedupe
        self.authorizedContacts = authorizedContacts
        self.logger = logger
    }

    public var statistics: IngressCounters { counters.withLock { $0 } }

    /// Counts a request refused before its body was read (too large).
    public func reject(_ reason: String, requestId: String, bytes: Int?) {
        counters.withLock { $0.rejected[reason, default: 0] += 1 }
        logger.warning("webhook rejected", metadata: ["request_id": "\(requestId)", "reason": "\(reason)", "bytes": "\(bytes.map(String.init) ?? "?")"])
    }

    public func ingest(body: [UInt8], signatureHeader: String?, remoteAddress: String?, requestId: String) async -> Result {
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

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let parsed = WebhookParser.parse(body) { sender in
            authorizedContacts.isEmpty || sender.waId.map(authorizedContacts.contains) == true
                || sender.userId.map(authorizedContacts.contains) == true
        }
        let keys = parsed.items.map { item in item.key.map { DedupeIndex.Key($0) } }
        let fresh = dedupe.reserve(keys, now: now)
        let kept = zip(parsed.items, fresh).filter(\.1).map(\.0)
        let reservedKeys = zip(keys, fresh).compactMap { key, isFresh in isFresh ? key : nil }
        let duplicates = parsed.items.count - kept.count
        let hit = WebhookReceived(
            receivedAt: now, remoteAddress: remoteAddress, signature: signatureStatus, parse: parsed.understood ? .parsed : .unparsed,
            bodyBytes: body.count, duplicates: duplicates, requestId: requestId)
        do {
            let positions = try await log.append([hit.newEvent(attachment: body)] + kept.map(\.event))
            dedupe.commit(reservedKeys, at: now)
            counters.withLock {
                $0.accepted += 1
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
            return Result(status: 200, retryAfter: nil, positions: positions, reason: parsed.understood ? "stored" : "stored unparsed")
        } catch {
            dedupe.release(reservedKeys)
            counters.withLock { $0.unavailable += 1 }
            logger.error("webhook not stored: the log cannot take it", metadata: ["request_id": "\(requestId)", "reason": "\(error.message)"])
            return Result(status: 503, retryAfter: error.code == .closed ? 5 : 30, positions: nil, reason: "log unavailable")
        }
    }
}
