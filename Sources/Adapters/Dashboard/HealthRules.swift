/// How `GET /api/webhook/health` decides its status, from figures it has already read:
///
/// - `failing` (something has stopped, or is about to): the projector is not running (it stopped
///   after a failure: the projections no longer follow the log); or the data directory's disk is
///   nearly full (under 1% free, counted between 256 MiB and 2 GiB: the log is about to refuse
///   webhooks).
/// - `degraded` (working, but look): the projections are more than 30 s behind the log; a
///   projection skipped events it could not apply; most Graph API calls of the last 15 minutes
///   failed (at least 10 calls, more than half errors); a delivery has been in flight for more than
///   15 minutes (a delivery's own limit); disk space is low (under 5% free, counted between 1 GiB
///   and 10 GiB).
/// - `ok` otherwise. `reasons` says which rules applied, worst first, in words for a person.
public struct HealthRules: Sendable {
    public struct Figures: Sendable {
        public var projectorRunning = true
        public var lagMs: Int64 = 0
        public var skipped: UInt64 = 0
        public var diskFreeBytes: Int64 = .max
        public var diskTotalBytes: Int64 = .max
        public var graphCalls = 0
        public var graphErrors = 0
        public var oldestInFlightAgeMs: Int64?

        public init() {}
    }

    public static let maxLagMs: Int64 = 30_000
    public static let maxInFlightMs: Int64 = 15 * 60_000
    static let mebibyte: Int64 = 1 << 20

    /// The status (`ok`, `degraded`, `failing`) and why.
    public static func evaluate(_ figures: Figures) -> (status: String, reasons: [String]) {
        var failing: [String] = []
        var degraded: [String] = []
        if !figures.projectorRunning {
            failing.append(
                "the projector has stopped: projections no longer follow the log (see the service log; restart the "
                    + "service, or run `clickunlock rebuild`)")
        }
        let free = figures.diskFreeBytes
        let total = max(1, figures.diskTotalBytes)
        // A share of the disk, within bounds: 1% of a 10 TB disk is not "nearly full".
        let nearlyFull = max(256 * mebibyte, min(total / 100, 2048 * mebibyte))
        let low = max(1024 * mebibyte, min(total / 20, 10_240 * mebibyte))
        if free < nearlyFull {
            failing.append(
                "the data directory's disk is nearly full (\(free / mebibyte) MiB free): the log will soon refuse "
                    + "webhooks")
        } else if free < low {
            degraded.append("disk space is low (\(free / mebibyte) MiB free)")
        }
        if figures.lagMs > maxLagMs {
            degraded.append(
                "the projections are \(figures.lagMs / 1000) s behind the log (more than \(maxLagMs / 1000) s)")
        }
        if figures.skipped > 0 {
            degraded.append(
                "the projections skipped \(figures.skipped) event(s) they could not apply (see projector.skips)")
        }
        if figures.graphCalls >= 10, figures.graphErrors * 2 > figures.graphCalls {
            degraded.append(
                "most Graph API calls of the last 15 minutes failed (\(figures.graphErrors) of \(figures.graphCalls))")
        }
        if let age = figures.oldestInFlightAgeMs, age > maxInFlightMs {
            degraded.append(
                "a delivery has been in flight for \(age / 60_000) min (more than \(maxInFlightMs / 60_000) min)")
        }
        let status = !failing.isEmpty ? "failing" : !degraded.isEmpty ? "degraded" : "ok"
        return (status, failing + degraded)
    }
}
