/// How the saga retries, paces and decides. Each default is owned here, once.
public struct SagaSettings: Sendable {
    /// Attempts per step before the delivery fails.
    public var maxAttempts = 8
    /// First retry delay; doubles per attempt, capped, with full jitter.
    public var backoffBase: Duration = .milliseconds(250)
    public var backoffCap: Duration = .seconds(30)
    /// A delivery not finished this long after its start fails.
    public var deliveryDeadline: Duration = .seconds(15 * 60)
    /// Pair rate limit (131056): wait `pairPacingBase × 4^X` (X = earlier hits), Meta's 4^X s.
    public var pairPacingBase: Duration = .seconds(1)
    /// Messages per second per business number (token bucket); 0 lifts the limit.
    public var messagesPerSecond: Double = 80
    /// How long to wait for status webhooks proving an attempt with no recorded outcome was
    /// accepted, before sending it again.
    public var reconcileWait: Duration = .seconds(5)
    /// After the last step is accepted, how long to wait for every step's `delivered` (a `failed`
    /// status in that time fails the step); zero completes on acceptance.
    public var confirmationWait: Duration = .seconds(60)
    /// Send step N+1 only after step N is delivered (or its confirmation wait ran out).
    public var strictOrder = false
    /// A second click for a pack already delivered (or being delivered) to the contact starts nothing.
    public var oncePerContactAndPack = true
    /// Clicks older than this (by the contact's clock) are skipped: the window would be closed.
    public var clickMaxAge: Duration = .seconds(24 * 3600)
    /// Sending number when a click does not name one.
    public var phoneNumberId: String
    /// Every business number the service sends from (`phoneNumberId` among them): a tap that
    /// reached another number is recorded and skipped, never answered from ours.
    public var phoneNumberIds: Set<String>
    /// How long the saga remembers decided clicks, started template messages and delivered
    /// packs, in log time (the dedupe window: older clicks come back only as new, stale taps).
    public var memoryWindow: Duration = Self.defaultMemoryWindow
    public static let defaultMemoryWindow: Duration = .seconds(8 * 24 * 3600)
    /// `defaultMemoryWindow` in log time.
    public static var defaultMemoryWindowMilliseconds: Int64 { defaultMemoryWindow.inMilliseconds }

    public init(phoneNumberId: String, phoneNumberIds: [String] = []) {
        self.phoneNumberId = phoneNumberId
        self.phoneNumberIds = Set(phoneNumberIds + [phoneNumberId])
    }

    /// Whether deliveries may go out from `number`.
    public func sendsFrom(_ number: String) -> Bool { phoneNumberIds.contains(number) }

    /// The delay in milliseconds (log time) before attempt `attempt + 1` after `attempt` failed,
    /// with full jitter.
    public func backoff(afterAttempt attempt: Int, random: Double) -> Int64 {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(backoffCap.inMilliseconds, backoffBase.inMilliseconds << Int64(exponent))
        // Full jitter, but never below a tenth of the ceiling so retries do not hammer.
        return max(1, Int64(Double(ceiling) * (0.1 + 0.9 * random)))
    }

    /// Meta's pair-rate advice in milliseconds: 4^X seconds, X = 0, 1, 2, ...
    public func pairPacing(hits: Int) -> Int64 {
        pairPacingBase.inMilliseconds * Int64(pow4(min(hits, 6)))
    }

    private func pow4(_ x: Int) -> Int { 1 << (2 * x) }
}

extension Duration {
    /// Whole milliseconds, the unit of log time (timestamps, `nextAttemptAt`).
    package var inMilliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
