import Domain
import Foundation
public import GRDB

/// One alert as the alerts projection holds it.
public struct AlertAnswer: Encodable, Sendable, Equatable {
    public var fingerprint: String
    public var name: String
    public var severity: String
    /// `firing` or `resolved`.
    public var status: String
    public var summary: String
    public var labels: [String: String]
    public var runbookURL: String
    /// When it began, and (resolved) when it ended, ms since the epoch.
    public var startsAt: Int64
    public var endsAt: Int64?
    /// The log position of its latest event.
    public var position: Int64

    enum CodingKeys: String, CodingKey {
        case fingerprint, name, severity, status, summary, labels, runbookURL = "runbook_url", startsAt = "starts_at"
        case endsAt = "ends_at", position
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fingerprint, forKey: .fingerprint)
        try c.encode(name, forKey: .name)
        try c.encode(severity, forKey: .severity)
        try c.encode(status, forKey: .status)
        try c.encode(summary, forKey: .summary)
        try c.encode(labels, forKey: .labels)
        try c.encode(runbookURL, forKey: .runbookURL)
        try c.encode(LogTime.rfc3339(milliseconds: startsAt), forKey: .startsAt)
        try c.encodeOrNull(endsAt.map { LogTime.rfc3339(milliseconds: $0) }, forKey: .endsAt)
        try c.encode(position, forKey: .position)
    }
}

/// `GET /api/webhook/alerts`: what fires now, and the latest alerts that resolved.
public struct AlertsAnswer: Encodable, Sendable, Equatable {
    public var firing: [AlertAnswer]
    public var recent: [AlertAnswer]
}

extension Dashboard {
    /// Every alert firing (the oldest first) and the `recent` latest resolved ones (newest first).
    public static func alerts(_ db: Database, recent: Int = 20) throws -> AlertsAnswer {
        let sql =
            "SELECT fingerprint, name, severity, status, summary, labels, runbook_url, starts_at, ends_at, position "
            + "FROM alerts WHERE status = ? ORDER BY "
        let firing = try Row.fetchAll(db, sql: sql + "starts_at, fingerprint", arguments: ["firing"])
        let resolved = try Row.fetchAll(
            db, sql: sql + "position DESC LIMIT ?", arguments: ["resolved", max(0, recent)])
        return AlertsAnswer(firing: firing.map(AlertAnswer.init(row:)), recent: resolved.map(AlertAnswer.init(row:)))
    }
}

extension AlertAnswer {
    init(row: Row) {
        fingerprint = row[0]
        name = row[1]
        severity = row[2]
        status = row[3]
        summary = row[4]
        let labelText: String = row[5]
        labels = DomainCoding.decode([String: String].self, Array(labelText.utf8)) ?? [:]
        runbookURL = row[6]
        startsAt = row[7]
        endsAt = row[8]
        position = row[9]
    }
}
