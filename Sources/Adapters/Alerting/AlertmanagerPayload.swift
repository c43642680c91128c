import Domain

/// The webhook payload Alertmanager posts to its receivers (version 4), for one alert's change:
/// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
struct AlertmanagerPayload: Encodable, Sendable {
    struct Alert: Encodable, Sendable {
        var status: String
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        /// `0001-01-01T00:00:00Z` while firing, as Alertmanager writes it.
        var endsAt: String
        var generatorURL: String
        var fingerprint: String
    }

    var version = "4"
    var groupKey: String
    var truncatedAlerts = 0
    var status: String
    var receiver = "clickunlock"
    var groupLabels: [String: String]
    var commonLabels: [String: String]
    var commonAnnotations: [String: String]
    var externalURL: String
    var alerts: [Alert]

    static let zeroTime = "0001-01-01T00:00:00Z"

    /// The notification of `raised` (firing).
    init(raised: AlertRaised, externalURL: String) {
        self.init(
            status: "firing", labels: raised.labels, summary: raised.summary, runbookURL: raised.runbookURL,
            startsAt: raised.startsAt, endsAt: nil, fingerprint: raised.fingerprint, externalURL: externalURL)
    }

    /// The notification of `resolved`.
    init(resolved: AlertResolved, externalURL: String) {
        self.init(
            status: "resolved", labels: resolved.labels, summary: resolved.summary, runbookURL: resolved.runbookURL,
            startsAt: resolved.startsAt, endsAt: resolved.endsAt, fingerprint: resolved.fingerprint,
            externalURL: externalURL)
    }

    private init(
        status: String, labels: [String: String], summary: String, runbookURL: String, startsAt: Int64,
        endsAt: Int64?, fingerprint: String, externalURL: String
    ) {
        let annotations = ["summary": summary, "runbook_url": runbookURL]
        let name = labels["alertname"] ?? ""
        self.status = status
        groupKey = "{}:{alertname=\"\(name)\"}"
        groupLabels = ["alertname": name]
        commonLabels = labels
        commonAnnotations = annotations
        self.externalURL = externalURL
        let base = externalURL.hasSuffix("/") ? String(externalURL.dropLast()) : externalURL
        alerts = [
            Alert(
                status: status, labels: labels, annotations: annotations,
                startsAt: LogTime.rfc3339(milliseconds: startsAt),
                endsAt: endsAt.map { LogTime.rfc3339(milliseconds: $0) } ?? Self.zeroTime,
                generatorURL: base.isEmpty ? "" : base + "/api/webhook/alerts", fingerprint: fingerprint)
        ]
    }
}
