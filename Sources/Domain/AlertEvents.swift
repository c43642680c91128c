/// An alert rule of the service's own alerting began to hold. `fingerprint` names the alert (its
/// rule and labels) across raise and resolve; `labels` carry `alertname` and `severity`.
public struct AlertRaised: DomainEvent {
    public static let type = EventType.alertRaised
    public var name: String
    public var severity: String
    public var summary: String
    public var labels: [String: String]
    public var fingerprint: String
    /// When the condition was first seen holding, ms since the epoch.
    public var startsAt: Int64
    /// Where the runbook of this alert is (`docs/operations.md#anchor`, or under the configured base).
    public var runbookURL: String
    public var stream: String { "alerts" }

    enum CodingKeys: String, CodingKey {
        case name, severity, summary, labels, fingerprint, startsAt = "starts_at", runbookURL = "runbook_url"
    }

    public init(
        name: String, severity: String, summary: String, labels: [String: String], fingerprint: String,
        startsAt: Int64, runbookURL: String
    ) {
        self.name = name
        self.severity = severity
        self.summary = summary
        self.labels = labels
        self.fingerprint = fingerprint
        self.startsAt = startsAt
        self.runbookURL = runbookURL
    }
}

/// A raised alert's condition stopped holding (or its rule is gone).
public struct AlertResolved: DomainEvent {
    public static let type = EventType.alertResolved
    public var name: String
    public var severity: String
    public var summary: String
    public var labels: [String: String]
    public var fingerprint: String
    public var startsAt: Int64
    /// When the condition was seen no longer holding, ms since the epoch.
    public var endsAt: Int64
    public var runbookURL: String
    public var stream: String { "alerts" }

    enum CodingKeys: String, CodingKey {
        case name, severity, summary, labels, fingerprint, startsAt = "starts_at", endsAt = "ends_at",
            runbookURL = "runbook_url"
    }

    public init(
        name: String, severity: String, summary: String, labels: [String: String], fingerprint: String,
        startsAt: Int64, endsAt: Int64, runbookURL: String
    ) {
        self.name = name
        self.severity = severity
        self.summary = summary
        self.labels = labels
        self.fingerprint = fingerprint
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.runbookURL = runbookURL
    }
}

extension AlertRaised: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("fingerprint", fingerprint)
            w.field("labels", labels)
            w.field("name", name)
            w.field("runbook_url", runbookURL)
            w.field("severity", severity)
            w.field("starts_at", startsAt)
            w.field("summary", summary)
        }
    }
}

extension AlertResolved: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("ends_at", endsAt)
            w.field("fingerprint", fingerprint)
            w.field("labels", labels)
            w.field("name", name)
            w.field("runbook_url", runbookURL)
            w.field("severity", severity)
            w.field("starts_at", startsAt)
            w.field("summary", summary)
        }
    }
}

extension DomainCoding {
    /// An alert's labels as a JSON object, keys sorted (as the events write them).
    public static func encodeLabels(_ labels: [String: String]) -> [UInt8] {
        var writer = JSONWriter()
        writer.map(labels)
        return writer.bytes
    }
}
