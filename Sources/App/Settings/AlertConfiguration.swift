import Adapters
import ArgumentParser
import Configuration
import Foundation

/// The service's own alerting (`AlertSettings`, in Adapters, owns the defaults): the rules'
/// thresholds, the evaluation interval, and the Alertmanager-compatible receivers.
extension Settings {
    static var alerts: [Setting] {
        [
            .duration(
                "alert_evaluation_seconds", flag: "--alert-interval", "the alert evaluation interval",
                "Seconds between evaluations of the alert rules", unit: .seconds(1), unitName: "s", range: 1...3600,
                example: 5, \.alerts.evaluationInterval),
            .number(
                "alert_delivery_failure_ratio", flag: "--alert-delivery-failure-ratio", "the delivery failure ratio",
                "ClickUnlockDeliveryFailureRateHigh: failed share of the deliveries finished in 5 min above this",
                range: 0...1, example: "0.2", \.alerts.deliveryFailureRatio),
            .integer(
                "alert_delivery_failure_minimum", flag: "--alert-delivery-failure-minimum",
                "the deliveries the failure ratio needs",
                "ClickUnlockDeliveryFailureRateHigh: deliveries finished in 5 min before the ratio counts",
                range: 1...1_000_000, example: 5, \.alerts.deliveryFailureMinimum),
            .integer(
                "alert_token_error_minutes", flag: "--alert-token-error-minutes", "the token error window",
                "ClickUnlockGraphTokenInvalid: minutes a Graph API 190 keeps the alert firing (a successful call "
                    + "resolves it sooner)",
                range: 1...10_080, example: 15, \.alerts.tokenErrorMinutes),
            .integer(
                "alert_graph_error_surge", flag: "--alert-graph-error-surge", "the Graph error surge",
                "ClickUnlockGraphErrorSurge: answers with error 131047, 130429 or 131056 (each) in 5 min",
                range: 1...1_000_000, example: 10, \.alerts.graphErrorSurge),
            .integer(
                "alert_signature_failures", flag: "--alert-signature-failures", "the signature failures",
                "ClickUnlockWebhookSignatureFailures: webhooks with a missing or wrong signature in 5 min",
                range: 1...1_000_000, example: 10, \.alerts.signatureFailures),
            .integer(
                "alert_projection_lag_seconds", flag: "--alert-projection-lag", "the projection lag threshold",
                "ClickUnlockProjectionLagHigh: seconds the oldest event not yet projected may wait",
                range: 1...86_400, unit: " s", example: 60, \.alerts.projectionLagSeconds),
            .number(
                "alert_disk_free_percent", flag: "--alert-disk-free-percent", "the free disk threshold",
                "ClickUnlockDiskFreeLow: free space of the data directory's file system below this, in percent",
                range: 0...100, example: "10", \.alerts.diskFreePercent),
            .integer(
                "alert_webhook_silence_minutes", flag: "--alert-webhook-silence", "the webhook silence",
                "ClickUnlockWebhooksSilent: minutes after an accepted template with no webhook at all",
                range: 1...10_080, example: 15, \.alerts.webhookSilenceMinutes),
            .make(
                "alert_webhooks", environment: "CLICKUNLOCK_ALERT_WEBHOOKS", flag: "--alert-webhook",
                title: "the alert webhooks",
                meaning: "Alertmanager-compatible receivers each alert change is posted to (a repeatable flag; shown "
                    + "as scheme://host:port only)",
                type: .stringArray, example: "http://127.0.0.1:9099", \.alerts.webhooks,
                parse: { $0.texts.map { $0.flatMap(Setting.split) } },
                check: { urls, _ in urls.lazy.compactMap(alertWebhookProblem).first }, store: { $0 },
                showRaw: { $0.map(AlertNotifier.shown).joined(separator: ",") },
                show: { $0.isEmpty ? "— (none)" : $0.map(AlertNotifier.shown).joined(separator: ",") }),
            .text(
                "alert_runbook_base", flag: "--alert-runbook-base", "the runbook base",
                "Each alert's runbook_url is this plus #alertname in lower case", example: "docs/operations.md",
                \.alerts.runbookBase),
            .text(
                "alert_external_url", flag: "--alert-external-url", "the alerts' external URL",
                "externalURL of the alert payloads (the dashboard's address); generatorURL adds /api/webhook/alerts",
                example: "https://dashboard.example.com", \.alerts.externalURL),
        ]
    }

    /// What is wrong with an alert webhook URL, or `nil`.
    static func alertWebhookProblem(_ url: String) -> String? {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = parts.host, !host.isEmpty
        else {
            return "\(AlertNotifier.shown(url)) is not an http(s) URL with a host (e.g. http://127.0.0.1:9099/alerts)"
        }
        return nil
    }
}

/// `serve`'s alerting flags (their own group, so that `ServeCommand` takes them in one line).
struct AlertFlags: ParsableArguments {
    @Option(name: settingFlag("alert_evaluation_seconds"), help: settingHelp("alert_evaluation_seconds"))
    var interval: Int?
    @Option(name: settingFlag("alert_delivery_failure_ratio"), help: settingHelp("alert_delivery_failure_ratio"))
    var deliveryFailureRatio: Double?
    @Option(name: settingFlag("alert_delivery_failure_minimum"), help: settingHelp("alert_delivery_failure_minimum"))
    var deliveryFailureMinimum: Int?
    @Option(name: settingFlag("alert_token_error_minutes"), help: settingHelp("alert_token_error_minutes"))
    var tokenErrorMinutes: Int?
    @Option(name: settingFlag("alert_graph_error_surge"), help: settingHelp("alert_graph_error_surge"))
    var graphErrorSurge: Int?
    @Option(name: settingFlag("alert_signature_failures"), help: settingHelp("alert_signature_failures"))
    var signatureFailures: Int?
    @Option(name: settingFlag("alert_projection_lag_seconds"), help: settingHelp("alert_projection_lag_seconds"))
    var projectionLag: Int?
    @Option(name: settingFlag("alert_disk_free_percent"), help: settingHelp("alert_disk_free_percent"))
    var diskFreePercent: Double?
    @Option(name: settingFlag("alert_webhook_silence_minutes"), help: settingHelp("alert_webhook_silence_minutes"))
    var webhookSilence: Int?
    @Option(name: settingFlag("alert_webhooks"), help: settingHelp("alert_webhooks")) var webhooks: [String] = []
    @Option(name: settingFlag("alert_runbook_base"), help: settingHelp("alert_runbook_base")) var runbookBase: String?
    @Option(name: settingFlag("alert_external_url"), help: settingHelp("alert_external_url")) var externalURL: String?

    var flagValues: [String: ConfigContent] {
        var values: [String: ConfigContent] = [:]
        values["alert_evaluation_seconds"] = interval.map(ConfigContent.int)
        values["alert_delivery_failure_ratio"] = deliveryFailureRatio.map(ConfigContent.double)
        values["alert_delivery_failure_minimum"] = deliveryFailureMinimum.map(ConfigContent.int)
        values["alert_token_error_minutes"] = tokenErrorMinutes.map(ConfigContent.int)
        values["alert_graph_error_surge"] = graphErrorSurge.map(ConfigContent.int)
        values["alert_signature_failures"] = signatureFailures.map(ConfigContent.int)
        values["alert_projection_lag_seconds"] = projectionLag.map(ConfigContent.int)
        values["alert_disk_free_percent"] = diskFreePercent.map(ConfigContent.double)
        values["alert_webhook_silence_minutes"] = webhookSilence.map(ConfigContent.int)
        values["alert_webhooks"] = webhooks.isEmpty ? nil : .stringArray(webhooks)
        values["alert_runbook_base"] = runbookBase.map(ConfigContent.string)
        values["alert_external_url"] = externalURL.map(ConfigContent.string)
        return values
    }
}
