import CoreMetrics
public import Delivery
import Domain
public import EventStore
import Synchronization

/// The service's own telemetry: its Prometheus metrics (`GET /metrics`) and the parts of
/// `GET /api/webhook/health` that are the process's own (`ProcessHealth`).
///
/// One per service (tests run several in one process; nothing is global). `ServiceAssembly`
/// creates it first, puts `logObserver` in the log's configuration, then points it at what it
/// reads (`watch(log:)`, `watch(ingress:)`, `watch(projector:)`, `watch(deliveries:)`) and wraps
/// the Graph API client (`measuring(_:)`). What other parts count already (the ingress's counters,
/// the log writer's statistics, the saga's fold) is read when asked, not counted twice; what only
/// telemetry sees (append and sync latencies, Graph API outcomes) is recorded as it happens.
///
/// ```swift
/// let telemetry = ServiceTelemetry(dataDirectory: "data")
/// let log = try EventLog.open(directory: "data/log", configuration: .init { $0.observer = telemetry.logObserver })
/// telemetry.watch(log: log)
/// let body = telemetry.prometheusText()      // Content-Type: ServiceTelemetry.prometheusContentType
/// let health = telemetry.processHealth()     // Encodable: log, ingress, disk, graph_api, build
/// ```
public final class ServiceTelemetry: Sendable {
    /// The `Content-Type` of `prometheusText()`: Prometheus's text format 0.0.4.
    public static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"
    /// How far back `processHealth` counts Graph API calls.
    public static let graphWindowMinutes = 15

    /// The data directory whose file system `disk` describes.
    public let dataDirectory: String
    public let version: String
    /// When this telemetry (the process's service) started, ms since the epoch.
    public let startedAt: Int64
    /// Give it to the log (`EventLogConfiguration.observer`): append and sync latencies.
    public let logObserver: any EventLogObserver

    private let wall: WallClock
    private let metrics: PrometheusMetrics
    private let sources = Mutex(Sources())
    private let mirror = Mutex(CounterMirror())
    private let graph: Mutex<GraphCalls>

    private struct Sources: Sendable {
        var log: EventLog?
        var ingress: WebhookIngestor?
        var projector: (@Sendable () -> ProjectorProgress)?
        var deliveries: (@Sendable () -> DeliveryCounts)?
        var feed: FeedHub?
    }

    private struct GraphCalls: Sendable {
        var window: GraphCallWindow
        var counters: [GraphCallOutcome: CoreMetrics.Counter] = [:]
        var codeLabels = 0
        /// When a call last succeeded, and when each error code was last answered (alert rules).
        var lastOkAt: Int64?
        var lastErrorAt: [Int: Int64] = [:]
        var lastTemplateAcceptedAt: Int64?
    }

    /// - Parameters:
    ///   - dataDirectory: The service's data directory (for the disk figures).
    ///   - version: The build's version (`BuildInfo.version`).
    ///   - wall: Wall time: the start time, uptime, the Graph API window, the projector's lag.
    public init(dataDirectory: String, version: String = BuildInfo.version, wall: WallClock = .system) {
        self.dataDirectory = dataDirectory
        self.version = version
        self.wall = wall
        startedAt = wall.now()
        let metrics = PrometheusMetrics(version: version)
        self.metrics = metrics
        logObserver = LogTimings(append: metrics.appendDuration, sync: metrics.syncDuration)
        graph = Mutex(GraphCalls(window: GraphCallWindow(minutes: Self.graphWindowMinutes)))
        metrics.startTime.set(Double(startedAt) / 1000)
    }

    // MARK: What it reads

    /// The log whose head, size, segments and appended events are reported.
    public func watch(log: EventLog) { sources.withLock { $0.log = log } }

    /// The webhook ingress whose counters are reported.
    public func watch(ingress: WebhookIngestor) { sources.withLock { $0.ingress = ingress } }

    /// The projector's progress, read at each scrape (`Projector.status()`, mapped).
    public func watch(projector: @escaping @Sendable () -> ProjectorProgress) {
        sources.withLock { $0.projector = projector }
    }

    /// The saga whose delivery counts are reported (none: the delivery metrics stay 0).
    public func watch(deliveries saga: DeliverySaga) {
        sources.withLock { $0.deliveries = { saga.counts } }
    }

    /// The live feed whose clients and frames are reported.
    public func watch(feed: FeedHub) { sources.withLock { $0.feed = feed } }

    // MARK: What it records

    /// `sender`, telling this telemetry the outcome of every call.
    public func measuring(_ sender: any MessageSender) -> any MessageSender {
        MeasuredSender(sender: sender, telemetry: self)
    }

    /// Counts one Graph API call (`measuring(_:)` does it for the calls it passes on).
    public func recordGraphCall(_ outcome: GraphCallOutcome, template: Bool = false) {
        let now = wall.now()
        let counter = graph.withLock { calls in
            calls.window.record(outcome, at: now)
            switch outcome {
            case .ok:
                calls.lastOkAt = now
                if template { calls.lastTemplateAcceptedAt = now }
            case .error(let code):
                if calls.lastErrorAt.count < PrometheusMetrics.maxCodeLabels || calls.lastErrorAt[code] != nil {
                    calls.lastErrorAt[code] = now
                }
            case .notSent, .unknown:
                break
            }
            if let counter = calls.counters[outcome] { return counter }
            var code = "none"
            if let number = outcome.code {
                code = calls.codeLabels < PrometheusMetrics.maxCodeLabels ? String(number) : "other"
                calls.codeLabels += 1
            }
            let counter = metrics.graphCalls(outcome: outcome.label, code: code)
            calls.counters[outcome] = counter
            return counter
        }
        counter.increment()
    }

    // MARK: What it answers

    /// The Prometheus text exposition of every metric, as of now.
    public func prometheusText() -> String {
        let sources = sources.withLock { $0 }
        let ingress = sources.ingress?.statistics
        let appended = sources.log.map { Int($0.statistics.events) }
        let compacted = sources.log?.compactionTotals
        let deliveries = sources.deliveries?()
        mirror.withLock { mirror in
            if let ingress { raise(&mirror, ingress) }
            if let appended { mirror.raise(metrics.eventsAppended, to: appended) }
            if let compacted {
                mirror.raise(metrics.compactedSegments, to: compacted.segments)
                mirror.raise(metrics.compactionBytesSaved, to: Int(compacted.bytesBefore - compacted.bytesAfter))
            }
            if let deliveries {
                mirror.raise(metrics.deliveriesStarted, to: deliveries.started)
                mirror.raise(metrics.deliveriesCompleted, to: deliveries.completed)
                mirror.raise(metrics.deliveriesFailed, to: deliveries.failed)
            }
        }
        if let deliveries { metrics.deliveriesInFlight.set(deliveries.inFlight) }
        if let footprint = sources.log?.footprint {
            metrics.logHead.set(Int64(clamping: footprint.lastPosition))
            metrics.logBytes.set(footprint.bytes)
            metrics.logSegments.set(footprint.segments)
        }
        if let progress = sources.projector?() {
            metrics.projectorPosition.set(Int64(clamping: progress.appliedPosition))
            metrics.projectorLagEvents.set(Int64(clamping: progress.lagEvents))
            let age = progress.oldestUnappliedTimestamp.map { max(0, wall.now() - $0) } ?? 0
            metrics.projectorLagSeconds.set(Double(age) / 1000)
        }
        if let feed = sources.feed?.figures {
            metrics.feedClients.websocket.set(feed.websocketClients)
            metrics.feedClients.sse.set(feed.sseClients)
            mirror.withLock { mirror in
                mirror.raise(metrics.feedFramesSent, to: feed.framesSent)
                mirror.raise(metrics.feedSlowConsumerCloses, to: feed.slowConsumerCloses)
                mirror.raise(metrics.feedRefused, to: feed.refused)
            }
        }
        if let disk = DiskSpace.of(dataDirectory) {
            metrics.diskFree.set(disk.freeBytes)
            metrics.diskTotal.set(disk.totalBytes)
        }
        if let last = ingress?.lastWebhookAt { metrics.lastWebhookTime.set(Double(last) / 1000) }
        if let last = graph.withLock({ $0.lastTemplateAcceptedAt }) {
            metrics.lastTemplateTime.set(Double(last) / 1000)
        }
        return metrics.render()
    }

    /// What the alert rules read, as of now (`AlertEngine`, every evaluation).
    func alertInputs(windowMinutes: Int) -> AlertInputs {
        let now = wall.now()
        let sources = sources.withLock { $0 }
        let calls = graph.withLock { calls in
            (
                calls.window.counts(now: now, minutes: windowMinutes), calls.lastOkAt, calls.lastErrorAt[190],
                calls.lastTemplateAcceptedAt
            )
        }
        let ingress = sources.ingress?.statistics
        let deliveries = sources.deliveries?()
        var lag: Double?
        if let progress = sources.projector?() {
            lag = Double(progress.oldestUnappliedTimestamp.map { max(0, now - $0) } ?? 0) / 1000
        }
        let signatureFailures = ["missing", "malformed", "mismatch"].reduce(0) { $0 + (ingress?.rejected[$1] ?? 0) }
        return AlertInputs(
            now: now, graphCalls: calls.0, lastGraphOkAt: calls.1, lastTokenErrorAt: calls.2,
            lastTemplateAcceptedAt: calls.3, deliveriesCompleted: deliveries?.completed,
            deliveriesFailed: deliveries?.failed, signatureFailures: signatureFailures,
            lastWebhookAt: ingress?.lastWebhookAt, projectorLagSeconds: lag, disk: DiskSpace.of(dataDirectory))
    }

    /// `clickunlock_alerts_firing{alertname}`: 1 while the alert fires.
    func alertFiringGauge(_ alertname: String) -> Meter { metrics.alertsFiring(alertname) }

    /// `clickunlock_alert_notifications_total{outcome}`.
    func alertNotificationCounter(_ outcome: String) -> CoreMetrics.Counter { metrics.alertNotifications(outcome) }

    private func raise(_ mirror: inout CounterMirror, _ ingress: IngressCounters) {
        mirror.raise(metrics.webhooksAccepted, to: ingress.accepted)
        mirror.raise(metrics.webhooksRejected, to: ingress.rejected.values.reduce(0, +))
        mirror.raise(metrics.webhooksUnavailable, to: ingress.unavailable)
        mirror.raise(metrics.webhooksUnparsed, to: ingress.unparsed)
        mirror.raise(metrics.duplicateItems, to: ingress.duplicateItems)
        mirror.raise(metrics.unknownItems, to: ingress.unknownItems)
        var other = 0
        for (reason, count) in ingress.rejected {
            if let counter = metrics.rejectedByReason[reason] {
                mirror.raise(counter, to: count)
            } else {
                other += count
            }
        }
        mirror.raise(metrics.rejectedOther, to: other)
    }

    /// The health answer's `log`, `ingress`, `disk`, `graph_api` and `build`, as of now.
    public func processHealth() -> ProcessHealth { processHealth(now: wall.now()) }

    /// The same at `now` (ms since the epoch): the Graph API window ends there, uptime runs to it.
    public func processHealth(now: Int64) -> ProcessHealth {
        let sources = sources.withLock { $0 }
        let footprint = sources.log?.footprint ?? LogFootprint()
        let disk = DiskSpace.of(dataDirectory)
        return ProcessHealth(
            log: LogHealth(
                headPosition: footprint.lastPosition, sizeBytes: footprint.bytes, segments: footprint.segments),
            ingress: Self.ingressHealth(sources.ingress?.statistics ?? IngressCounters()),
            disk: DiskHealth(
                path: dataDirectory, freeBytes: disk?.freeBytes ?? 0, totalBytes: disk?.totalBytes ?? 0),
            graphAPI: graphHealth(now: now),
            build: BuildHealth(
                version: version, startedAt: LogTime.rfc3339(milliseconds: startedAt),
                uptimeSeconds: max(0, now - startedAt) / 1000))
    }

    static func ingressHealth(_ counters: IngressCounters) -> IngressHealth {
        var rejected = IngressHealth.Rejected()
        for (reason, count) in counters.rejected {
            switch reason {
            case "missing": rejected.signatureMissing += count
            case "malformed": rejected.signatureMalformed += count
            case "mismatch": rejected.signatureMismatch += count
            case "too_large": rejected.tooLarge += count
            default: rejected.other += count
            }
        }
        return IngressHealth(
            accepted: counters.accepted, duplicates: counters.duplicateItems, unparsed: counters.unparsed,
            unknownItems: counters.unknownItems, rejected: rejected, unavailable: counters.unavailable,
            lastWebhookAt: counters.lastWebhookAt.map { LogTime.rfc3339(milliseconds: $0) })
    }

    private func graphHealth(now: Int64) -> GraphAPIHealth {
        let counts = graph.withLock { $0.window.counts(now: now) }
        let outcomes = counts.map { outcome, count in
            switch outcome {
            case .ok:
                GraphAPIHealth.Outcome(outcome: "ok", code: nil, meaning: nil, count: count)
            case .error(let code):
                GraphAPIHealth.Outcome(outcome: "error", code: code, meaning: MetaErrorCode.meaning(code), count: count)
            case .notSent:
                GraphAPIHealth.Outcome(
                    outcome: "error", code: nil,
                    meaning: "not sent: the request never reached the Graph API (connection failed)", count: count)
            case .unknown:
                GraphAPIHealth.Outcome(
                    outcome: "error", code: nil,
                    meaning: "outcome unknown: no answer in time, or a server error without an error body",
                    count: count)
            }
        }
        .sorted {
            ($1.count, $0.outcome, $0.code ?? -1, $0.meaning ?? "") < (
                $0.count, $1.outcome, $1.code ?? -1, $1.meaning ?? ""
            )
        }
        return GraphAPIHealth(
            windowMinutes: Self.graphWindowMinutes, calls: outcomes.reduce(0) { $0 + $1.count }, outcomes: outcomes)
    }
}
