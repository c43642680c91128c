import CoreMetrics
import Prometheus

/// The service's Prometheus metrics: every name, help text, label and bucket in one place, in one
/// registry per service (never the process-wide `MetricsSystem`, so several services in one
/// process, as in the tests, each count their own). Instrumented code holds swift-metrics handles
/// (`CoreMetrics.Counter`, `Meter`, `Timer`) backed by this registry's collectors.
///
/// Names follow Prometheus conventions: the `clickunlock_` prefix, base units (seconds, bytes) in
/// the name, `_total` for counters, and labels with a small, fixed set of values.
struct PrometheusMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let maker: MetricMaker

    /// Reasons a webhook is rejected before anything is stored (`IngressCounters.rejected`'s keys
    /// as the ingress writes them → the `reason` label).
    static let rejectionReasons: [(raw: String, label: String)] = [
        ("missing", "signature_missing"), ("malformed", "signature_malformed"), ("mismatch", "signature_mismatch"),
        ("too_large", "too_large"), ("body_timeout", "body_timeout"), ("body_incomplete", "body_incomplete"),
        ("unstorable", "unstorable"),
    ]
    /// Meta error codes get a `code` label each up to this many; later ones are counted as `other`.
    static let maxCodeLabels = 64

    // Webhooks (mirrors of `IngressCounters`).
    let webhooksAccepted: CoreMetrics.Counter
    let webhooksRejected: CoreMetrics.Counter
    let webhooksUnavailable: CoreMetrics.Counter
    let webhooksUnparsed: CoreMetrics.Counter
    let rejectedByReason: [String: CoreMetrics.Counter]
    let rejectedOther: CoreMetrics.Counter
    let duplicateItems: CoreMetrics.Counter
    let unknownItems: CoreMetrics.Counter
    // The log.
    let appendDuration: CoreMetrics.Timer
    let syncDuration: CoreMetrics.Timer
    let eventsAppended: CoreMetrics.Counter
    let logHead: Meter
    let logBytes: Meter
    let logSegments: Meter
    let compactedSegments: CoreMetrics.Counter
    let compactionBytesSaved: CoreMetrics.Counter
    // The projector.
    let projectorPosition: Meter
    let projectorLagEvents: Meter
    let projectorLagSeconds: Meter
    // Deliveries.
    let deliveriesStarted: CoreMetrics.Counter
    let deliveriesCompleted: CoreMetrics.Counter
    let deliveriesFailed: CoreMetrics.Counter
    let deliveriesInFlight: Meter
    // The disk and the build.
    let feedClients: (websocket: Meter, sse: Meter)
    let feedFramesSent: CoreMetrics.Counter
    let feedSlowConsumerCloses: CoreMetrics.Counter
    let feedRefused: CoreMetrics.Counter

    let diskFree: Meter
    let diskTotal: Meter
    let startTime: Meter
    // What the alert rules read that no other metric shows.
    let lastWebhookTime: Meter
    let lastTemplateTime: Meter

    static let graphCalls = "clickunlock_graph_api_calls_total"
    static let graphCallsHelp = "Graph API calls by outcome (ok, error, not_sent, unknown) and Meta error code"

    init(version: String) {
        let make = MetricMaker(registry: registry)
        maker = make
        let webhooks =
            "Webhook POSTs by how they were answered: accepted (stored, 200), rejected (nothing stored: "
            + "401, 408, 413), unavailable (503)"
        webhooksAccepted = make.counter("clickunlock_webhooks_total", webhooks, ["outcome": "accepted"])
        webhooksRejected = make.counter("clickunlock_webhooks_total", webhooks, ["outcome": "rejected"])
        webhooksUnavailable = make.counter("clickunlock_webhooks_total", webhooks, ["outcome": "unavailable"])
        webhooksUnparsed = make.counter(
            "clickunlock_webhooks_unparsed_total", "Webhooks accepted and stored raw but not understood")
        let rejected = "Webhooks rejected before anything was stored, by reason"
        var byReason: [String: CoreMetrics.Counter] = [:]
        for (raw, label) in Self.rejectionReasons {
            byReason[raw] = make.counter("clickunlock_webhooks_rejected_total", rejected, ["reason": label])
        }
        rejectedByReason = byReason
        rejectedOther = make.counter("clickunlock_webhooks_rejected_total", rejected, ["reason": "other"])
        duplicateItems = make.counter(
            "clickunlock_webhook_duplicate_items_total", "Webhook items left out because already in the log")
        unknownItems = make.counter(
            "clickunlock_webhook_unknown_items_total", "Webhook items of kinds the parser does not know")

        let latencyBuckets: [Duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        ]
        appendDuration = make.timer(
            "clickunlock_log_append_duration_seconds",
            "Time from an append reaching the log's writer to its acknowledgement (durable: sync included)",
            latencyBuckets)
        syncDuration = make.timer(
            "clickunlock_log_sync_duration_seconds", "Duration of each fsync of a log segment", latencyBuckets)
        eventsAppended = make.counter(
            "clickunlock_log_events_appended_total", "Events appended to the log since the process started")
        logHead = make.meter("clickunlock_log_head_position", "Position of the last committed event in the log")
        logBytes = make.meter(
            "clickunlock_log_size_bytes", "Bytes of the log's segments holding events (headers and batches)")
        logSegments = make.meter("clickunlock_log_segments", "Segment files of the log")
        compactedSegments = make.counter(
            "clickunlock_log_compacted_segments_total", "Sealed log segments rewritten by compaction since the start")
        compactionBytesSaved = make.counter(
            "clickunlock_log_compaction_bytes_saved_total",
            "Bytes compaction took off the log's segments since the start (before minus after)")

        projectorPosition = make.meter(
            "clickunlock_projector_position", "Last log position applied to the projections")
        projectorLagEvents = make.meter(
            "clickunlock_projector_lag_events", "Events committed to the log and not yet applied to the projections")
        projectorLagSeconds = make.meter(
            "clickunlock_projector_lag_seconds",
            "Age of the oldest event not yet applied to the projections (0 when caught up)")

        deliveriesStarted = make.counter(
            "clickunlock_deliveries_started_total", "Deliveries started (over the whole log, as the saga folds it)")
        let finished = "Deliveries finished, by outcome (over the whole log, as the saga folds it)"
        deliveriesCompleted = make.counter("clickunlock_deliveries_finished_total", finished, ["outcome": "completed"])
        deliveriesFailed = make.counter("clickunlock_deliveries_finished_total", finished, ["outcome": "failed"])
        deliveriesInFlight = make.meter(
            "clickunlock_deliveries_in_flight", "Deliveries started and not yet completed or failed")

        let clients = "Clients of the live feed connected now, by transport"
        feedClients = (
            make.meter("clickunlock_feed_clients", clients, ["transport": "websocket"]),
            make.meter("clickunlock_feed_clients", clients, ["transport": "sse"])
        )
        feedFramesSent = make.counter(
            "clickunlock_feed_frames_sent_total", "Frames the live feed wrote to its clients (events, stats, ...)")
        feedSlowConsumerCloses = make.counter(
            "clickunlock_feed_slow_consumer_closes_total",
            "Live feed clients closed because their queue overflowed (4008; they resume)")
        feedRefused = make.counter(
            "clickunlock_feed_refused_total", "Live feed connections refused at the client limit",
            ["reason": "capacity"])

        diskFree = make.meter(
            "clickunlock_disk_free_bytes", "Bytes the service can still write on the data directory's file system")
        diskTotal = make.meter("clickunlock_disk_total_bytes", "Size of the data directory's file system")
        startTime = make.meter(
            "clickunlock_start_time_seconds", "When the process started, in seconds since the Unix epoch")
        lastWebhookTime = make.meter(
            "clickunlock_last_webhook_received_timestamp_seconds",
            "When the last webhook was accepted, in seconds since the Unix epoch (absent until one is)")
        lastTemplateTime = make.meter(
            "clickunlock_last_template_accepted_timestamp_seconds",
            "When the Graph API last accepted a template, in seconds since the Unix epoch (absent until it does)")
        make.meter("clickunlock_build_info", "The running build (always 1)", ["version": version]).set(1)
    }

    /// The Graph API call counter of one outcome and code label.
    func graphCalls(outcome: String, code: String) -> CoreMetrics.Counter {
        maker.counter(Self.graphCalls, Self.graphCallsHelp, ["outcome": outcome, "code": code])
    }

    /// How many alerts named `alertname` fire now (0 or 1; one per code for the error surge).
    func alertsFiring(_ alertname: String) -> Meter {
        maker.meter(
            "clickunlock_alerts_firing", "The service's own alerts firing now, by alert name (0 when none)",
            ["alertname": alertname])
    }

    /// Alert notifications to `--alert-webhook` receivers, by outcome (sent, retried, failed, dropped).
    func alertNotifications(_ outcome: String) -> CoreMetrics.Counter {
        maker.counter(
            "clickunlock_alert_notifications_total",
            "Alert notifications to the alert webhooks: sent (2xx), retried (an attempt failed), failed (gave up), "
                + "dropped (queue full)",
            ["outcome": outcome])
    }

    /// The text exposition of every metric (format 0.0.4).
    func render() -> String { registry.emitToString() }
}

/// Makes swift-metrics handles backed by one registry's collectors, with their help texts.
private struct MetricMaker: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Names are written whole in this file (prefix and unit included), so that each can be found
    /// with a search for it.
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func counter(_ name: String, _ help: String, _ labels: KeyValuePairs<String, String> = [:])
        -> CoreMetrics.Counter
    {
        let dimensions = labels.map { ($0.key, $0.value) }
        let handler = registry.makeCounter(descriptor: Self.descriptor(name, help), labels: dimensions)
        return CoreMetrics.Counter(label: name, dimensions: dimensions, handler: handler, factory: factory)
    }

    func meter(_ name: String, _ help: String, _ labels: KeyValuePairs<String, String> = [:]) -> Meter {
        let dimensions = labels.map { ($0.key, $0.value) }
        let handler = registry.makeGauge(descriptor: Self.descriptor(name, help), labels: dimensions)
        return Meter(label: name, dimensions: dimensions, handler: handler, factory: factory)
    }

    func timer(_ name: String, _ help: String, _ buckets: [Duration]) -> CoreMetrics.Timer {
        let handler = registry.makeDurationHistogram(
            descriptor: Self.descriptor(name, help), labels: [], buckets: buckets)
        return CoreMetrics.Timer(label: name, dimensions: [], handler: handler, factory: factory)
    }
}
