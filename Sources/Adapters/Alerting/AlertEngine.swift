public import Domain
public import EventStore
import Foundation
public import Logging
public import Projections
public import ServiceLifecycle
import Synchronization

/// The service's own alerting: every `evaluationInterval` it evaluates `AlertRule.all` over the
/// service's telemetry; an alert that begins to hold is appended to the log as `alert.raised`, one
/// that stops as `alert.resolved`, and each change is handed to the notifier (which never makes
/// this wait). At start it takes the alerts the log says are firing (`firingAtStart`, read from
/// the alerts projection once it has caught up), so a restart does not raise them again; one
/// whose condition no longer holds is resolved at the first evaluation.
public final class AlertEngine: Service, Sendable {
    private let settings: AlertSettings
    private let log: EventLog
    private let telemetry: ServiceTelemetry
    private let notifier: AlertNotifier?
    private let firingAtStart: @Sendable () async throws -> [AlertRaised]
    private let logger: Logger
    private let rules: [AlertRule]
    private let gauges: [String: CoreGauge]
    private let state = Mutex(State())

    typealias CoreGauge = @Sendable (Int) -> Void

    struct State: Sendable {
        var firing: [String: AlertRaised] = [:]
        var history = CounterHistory()
        var unansweredTemplateSince: Int64?
    }

    /// `firingAtStart` gives the alerts the log holds as firing; it may wait (for the projections).
    public init(
        settings: AlertSettings, log: EventLog, telemetry: ServiceTelemetry,
        firingAtStart: @escaping @Sendable () async throws -> [AlertRaised], logger: Logger
    ) {
        self.settings = settings
        self.log = log
        self.telemetry = telemetry
        self.firingAtStart = firingAtStart
        self.logger = logger
        rules = AlertRule.all
        var gauges: [String: CoreGauge] = [:]
        for rule in AlertRule.all {
            let meter = telemetry.alertFiringGauge(rule.name)
            meter.set(0)
            gauges[rule.name] = { meter.set($0) }
        }
        self.gauges = gauges
        if settings.webhooks.isEmpty {
            notifier = nil
        } else {
            let counter = { (outcome: String) -> @Sendable () -> Void in
                let handle = telemetry.alertNotificationCounter(outcome)
                return { handle.increment() }
            }
            notifier = AlertNotifier(
                settings: settings,
                counters: .init(
                    sent: counter("sent"), retried: counter("retried"), failed: counter("failed"),
                    dropped: counter("dropped")),
                logger: logger)
        }
    }

    /// The notifier to run beside the engine (`nil` without `--alert-webhook`).
    public var notifierService: (any Service)? { notifier }

    public func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            do {
                let firing = try await firingAtStart()
                state.withLock { state in
                    for alert in firing { state.firing[alert.fingerprint] = alert }
                }
                setGauges()
                if !firing.isEmpty {
                    logger.notice("alerts firing at start (from the log): \(firing.map(\.name).sorted())")
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("alerting: cannot read the alerts firing at start (\(error)); evaluating without them")
            }
            while !Task.isCancelled {
                await evaluate()
                try? await Task.sleep(for: settings.evaluationInterval)
            }
        }
    }

    /// One evaluation: the conditions of now against what fires; changes appended and posted.
    func evaluate() async {
        var inputs = telemetry.alertInputs(windowMinutes: settings.rateWindowMinutes)
        let (window, firing) = state.withLock { state in
            let values = [inputs.deliveriesCompleted ?? 0, inputs.deliveriesFailed ?? 0, inputs.signatureFailures]
            // The saga's counts cover the whole log (folded before the first evaluation: their rise
            // starts now); the ingress counts since the process started (from 0).
            if state.history.samples.isEmpty {
                state.history.record(
                    [values[0], values[1], 0], at: inputs.now,
                    keepMilliseconds: Int64(settings.rateWindowMinutes) * 60_000)
            }
            state.history.record(
                values, at: inputs.now, keepMilliseconds: Int64(settings.rateWindowMinutes) * 60_000)
            // The first template accepted since the last webhook: a webhook after it answers it.
            if let since = state.unansweredTemplateSince, let webhook = inputs.lastWebhookAt, webhook >= since {
                state.unansweredTemplateSince = nil
            }
            if state.unansweredTemplateSince == nil, let sent = inputs.lastTemplateAcceptedAt,
                sent > (inputs.lastWebhookAt ?? .min)
            {
                state.unansweredTemplateSince = sent
            }
            let window = AlertWindow(
                deliveriesCompleted: state.history.increase(0), deliveriesFailed: state.history.increase(1),
                signatureFailures: state.history.increase(2))
            return (window, state.firing)
        }
        inputs.unansweredTemplateSince = state.withLock { $0.unansweredTemplateSince }

        var holding: [String: (AlertRule, AlertCondition, [String: String])] = [:]
        for rule in rules {
            for condition in rule.evaluate(inputs, window, settings) {
                var labels = condition.labels
                labels["alertname"] = rule.name
                labels["severity"] = rule.severity.rawValue
                labels["service"] = "clickunlock"
                holding[Self.fingerprint(labels)] = (rule, condition, labels)
            }
        }
        var raised: [AlertRaised] = []
        for (fingerprint, (rule, condition, labels)) in holding.sorted(by: { $0.key < $1.key })
        where firing[fingerprint] == nil {
            raised.append(
                AlertRaised(
                    name: rule.name, severity: rule.severity.rawValue, summary: condition.summary, labels: labels,
                    fingerprint: fingerprint, startsAt: inputs.now, runbookURL: runbookURL(rule.name)))
        }
        var resolved: [AlertResolved] = []
        for (fingerprint, alert) in firing.sorted(by: { $0.key < $1.key }) where holding[fingerprint] == nil {
            resolved.append(
                AlertResolved(
                    name: alert.name, severity: alert.severity, summary: alert.summary, labels: alert.labels,
                    fingerprint: fingerprint, startsAt: alert.startsAt, endsAt: max(inputs.now, alert.startsAt),
                    runbookURL: alert.runbookURL))
        }
        guard !raised.isEmpty || !resolved.isEmpty else { return }
        do {
            _ = try await log.append(raised.map { $0.newEvent() } + resolved.map { $0.newEvent() })
        } catch {
            // Tried again at the next evaluation: nothing changed in memory.
            logger.error("alerting: cannot append alert events to the log (\(error)); trying again")
            return
        }
        state.withLock { state in
            for alert in raised { state.firing[alert.fingerprint] = alert }
            for alert in resolved { state.firing[alert.fingerprint] = nil }
        }
        setGauges()
        for alert in raised {
            logger.warning("alert raised: \(alert.name) (\(alert.severity)): \(alert.summary)")
            notifier?.post(AlertmanagerPayload(raised: alert, externalURL: settings.externalURL))
        }
        for alert in resolved {
            logger.notice("alert resolved: \(alert.name)")
            notifier?.post(AlertmanagerPayload(resolved: alert, externalURL: settings.externalURL))
        }
    }

    /// The alerts firing now.
    public var firing: [AlertRaised] {
        state.withLock { Array($0.firing.values) }
            .sorted { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }
    }

    private func setGauges() {
        let names = state.withLock { $0.firing.values.map(\.name) }
        for (name, set) in gauges { set(names.count { $0 == name }) }
    }

    private func runbookURL(_ name: String) -> String { settings.runbookBase + "#" + name.lowercased() }

    /// 16 hex digits of a stable hash of the sorted labels (as Alertmanager names an alert).
    static func fingerprint(_ labels: [String: String]) -> String {
        let text = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1}")
        let hash = String(fnv1a64(text), radix: 16)
        return String(repeating: "0", count: 16 - hash.count) + hash
    }
}

extension AlertRaised {
    /// A firing alert as the alerts projection holds it.
    public init(_ answer: AlertAnswer) {
        self.init(
            name: answer.name, severity: answer.severity, summary: answer.summary, labels: answer.labels,
            fingerprint: answer.fingerprint, startsAt: answer.startsAt, runbookURL: answer.runbookURL)
    }
}
