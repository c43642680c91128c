import Domain
import EventStore

/// The service's own alerts: one row per alert (its fingerprint: rule and labels), as its latest
/// `alert.raised` or `alert.resolved` left it. Few rows (the rules' label values are a fixed set).
/// What `/api/webhook/alerts` and the dashboard's alert strip read, and what the alert engine
/// reads at start so that it does not raise again what the log says is already firing.
public struct AlertsProjection: Projection {
    public let name = "alerts"
    public let version = 1
    public var schema: [TableSchema] { [Self.alerts] }

    static let alerts = TableSchema(
        "alerts",
        [
            .init("fingerprint", "TEXT"), .init("name", "TEXT NOT NULL"), .init("severity", "TEXT NOT NULL"),
            .init("status", "TEXT NOT NULL"), .init("summary", "TEXT NOT NULL"), .init("labels", "TEXT NOT NULL"),
            .init("runbook_url", "TEXT NOT NULL"), .init("starts_at", "INTEGER NOT NULL"), .init("ends_at", "INTEGER"),
            .init("position", "INTEGER NOT NULL"),
        ])

    public init() {}

    public func fold(_ store: RowStore) -> any ProjectionFold { Fold(store) }

    struct Alert: Columns {
        var name: String, severity: String, status: String, summary: String, labels: String, runbookURL: String
        var startsAt: Int64, endsAt: Int64?, position: Int64

        init(
            name: String, severity: String, status: String, summary: String, labels: [String: String],
            runbookURL: String, startsAt: Int64, endsAt: Int64?, position: UInt64
        ) {
            (self.name, self.severity, self.status, self.summary) = (name, severity, status, summary)
            self.labels = String(decoding: DomainCoding.encodeLabels(labels), as: UTF8.self)
            (self.runbookURL, self.startsAt, self.endsAt) = (runbookURL, startsAt, endsAt)
            self.position = Int64(clamping: position)
        }

        init(_ r: inout ColumnReader) {
            name = String(&r)
            severity = String(&r)
            status = String(&r)
            summary = String(&r)
            labels = String(&r)
            runbookURL = String(&r)
            startsAt = Int64(&r)
            endsAt = r.int()
            position = Int64(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(name)
            b.text(severity)
            b.text(status)
            b.text(summary)
            b.text(labels)
            b.text(runbookURL)
            b.int(startsAt)
            b.int(endsAt)
            b.int(position)
        }
    }

    final class Fold: ProjectionFold {
        let rows: RowTable<String, Alert>

        init(_ store: RowStore) { rows = store.table(AlertsProjection.alerts) }

        func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
            switch fact {
            case .alertRaised(let raised):
                rows[raised.fingerprint] = Alert(
                    name: raised.name, severity: raised.severity, status: "firing", summary: raised.summary,
                    labels: raised.labels, runbookURL: raised.runbookURL, startsAt: raised.startsAt, endsAt: nil,
                    position: event.position)
            case .alertResolved(let resolved):
                rows[resolved.fingerprint] = Alert(
                    name: resolved.name, severity: resolved.severity, status: "resolved", summary: resolved.summary,
                    labels: resolved.labels, runbookURL: resolved.runbookURL, startsAt: resolved.startsAt,
                    endsAt: resolved.endsAt, position: event.position)
            case .unknownType, .undecodable:
                return false
            default:
                break
            }
            return true
        }
    }
}
