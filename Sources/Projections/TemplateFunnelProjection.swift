import Domain
import EventStore

/// The daily funnel of each template: sent → accepted → delivered → read → tapped (a button
/// click whose context is that template message) → content delivered (a delivery started from
/// such a tap that completed). Each template message counts at most once per step, on the days
/// (UTC, and the reporting zone) of its send request: a cohort, so each step's rate is a share
/// of the step before. A status or tap for a template message not seen accepted counts nothing.
public struct TemplateFunnelProjection: Projection {
    public let name = "templates"
    public let version = 1
    public let reportingTimeZone: String
    public var settings: String { "zone=\(reportingTimeZone)" }
    public var schema: [TableSchema] { [Self.funnel, Self.requests, Self.messages, Self.taps, Self.deliveries] }

    /// The steps, in funnel order.
    public static let steps = ["sent", "accepted", "delivered", "read", "tapped", "content_delivered"]

    static let funnel = TableSchema(
        "template_funnel", key: 4,
        ["zone", "day", "template", "step"].map { TableSchema.Column($0, "TEXT NOT NULL") }
            + [.init("count", "INTEGER NOT NULL")])
    /// The latest send request's time per (recipient, template, campaign day).
    static let requests = TableSchema(
        "template_requests", key: 3,
        ["recipient", "template", "day"].map { TableSchema.Column($0, "TEXT NOT NULL") }
            + [.init("time", "INTEGER NOT NULL")])
    static let messages = TableSchema(
        "template_messages",
        [
            .init("wamid", "TEXT"), .init("template", "TEXT NOT NULL"), .init("cohort_time", "INTEGER NOT NULL"),
            .init("status_rank", "INTEGER NOT NULL"), .init("tapped", "INTEGER NOT NULL"),
            .init("content_delivered", "INTEGER NOT NULL"),
        ])
    /// The template message of each tap on one, and of each delivery such a tap started.
    static let taps = TableSchema("template_taps", [.init("click_wamid", "TEXT"), .init("wamid", "TEXT NOT NULL")])
    static let deliveries = TableSchema(
        "template_deliveries", [.init("delivery_id", "TEXT"), .init("wamid", "TEXT NOT NULL")])

    private let reporting: ReportingDays

    public init(reportingTimeZone: String) {
        self.reportingTimeZone = reportingTimeZone
        reporting = ReportingDays(reportingTimeZone)
    }

    public func fold(_ store: RowStore) -> any ProjectionFold { Fold(store, reporting) }

    /// The requests' key: recipient, template, campaign day.
    struct Texts: Columns, Hashable, Comparable {
        var a: String, b: String, c: String

        init(_ a: String, _ b: String, _ c: String) { (self.a, self.b, self.c) = (a, b, c) }

        init(_ r: inout ColumnReader) {
            a = String(&r)
            b = String(&r)
            c = String(&r)
        }

        func bind(_ binder: inout ColumnBinder) {
            binder.text(a)
            binder.text(b)
            binder.text(c)
        }

        static func < (x: Self, y: Self) -> Bool { (x.a, x.b, x.c) < (y.a, y.b, y.c) }
    }

    /// The funnel's key: zone, day, template, step.
    struct Cell: Columns, Hashable, Comparable {
        var zone: String, day: String, template: String, step: String

        init(_ zone: String, _ day: String, _ template: String, _ step: String) {
            (self.zone, self.day, self.template, self.step) = (zone, day, template, step)
        }

        init(_ r: inout ColumnReader) {
            zone = String(&r)
            day = String(&r)
            template = String(&r)
            step = String(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(zone)
            b.text(day)
            b.text(template)
            b.text(step)
        }

        static func < (x: Self, y: Self) -> Bool {
            (x.zone, x.day, x.template, x.step) < (y.zone, y.day, y.template, y.step)
        }
    }

    struct Message: Columns {
        var template: String, cohortTime: Int64, rank: Int64 = 0, tapped = false, contentDelivered = false

        init(template: String, cohortTime: Int64) { (self.template, self.cohortTime) = (template, cohortTime) }

        init(_ r: inout ColumnReader) {
            template = String(&r)
            cohortTime = Int64(&r)
            rank = Int64(&r)
            tapped = Int64(&r) != 0
            contentDelivered = Int64(&r) != 0
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(template)
            b.int(cohortTime)
            b.int(rank)
            b.int(tapped ? 1 : 0)
            b.int(contentDelivered ? 1 : 0)
        }
    }

    final class Fold: ProjectionFold {
        let funnel: RowTable<Cell, Int64>
        let requests: RowTable<Texts, Int64>
        let messages: RowTable<String, Message>
        let taps: RowTable<String, String>
        let deliveries: RowTable<String, String>
        let reporting: ReportingDays

        init(_ store: RowStore, _ reporting: ReportingDays) {
            funnel = store.table(TemplateFunnelProjection.funnel)
            requests = store.table(TemplateFunnelProjection.requests)
            messages = store.table(TemplateFunnelProjection.messages)
            taps = store.table(TemplateFunnelProjection.taps)
            deliveries = store.table(TemplateFunnelProjection.deliveries)
            self.reporting = reporting
        }

        func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
            switch fact {
            case .templateSendRequested(let request):
                requests[Texts(request.recipient, request.template, request.day)] = event.timestamp
                count(event.timestamp, request.template, "sent")
            case .templateSent(let sent):
                guard messages[sent.wamid] == nil else { break }
                let cohort = requests[Texts(sent.recipient, sent.template, sent.day)] ?? event.timestamp
                messages[sent.wamid] = Message(template: sent.template, cohortTime: cohort)
                count(cohort, sent.template, "accepted")
            case .statusUpdated(let status):
                guard var message = messages[status.wamid] else { break }
                let rank = Int64(MessageStatus.rank(status.status))
                let old = message.rank
                guard rank > old, old < MessageStatus.failed else { break }
                message.rank = rank
                messages[status.wamid] = message
                guard rank < MessageStatus.failed else { break }
                if old < 2 && rank >= 2 { count(message.cohortTime, message.template, "delivered") }
                if old < 3 && rank == 3 { count(message.cohortTime, message.template, "read") }
            case .buttonClicked(let click):
                guard let context = click.contextId, taps[click.wamid] == nil, var message = messages[context]
                else { break }
                taps[click.wamid] = context
                guard !message.tapped else { break }
                message.tapped = true
                messages[context] = message
                count(message.cohortTime, message.template, "tapped")
            case .deliveryStarted(let started):
                guard deliveries[started.deliveryId] == nil else { break }
                let context = started.contextId.flatMap { messages[$0] == nil ? nil : $0 } ?? taps[started.clickWamid]
                if let context { deliveries[started.deliveryId] = context }
            case .deliveryCompleted(let completed):
                guard let wamid = deliveries[completed.deliveryId], var message = messages[wamid],
                    !message.contentDelivered
                else { break }
                message.contentDelivered = true
                messages[wamid] = message
                count(message.cohortTime, message.template, "content_delivered")
            case .unknownType, .undecodable:
                return false
            default:
                break
            }
            return true
        }

        private func count(_ time: Int64, _ template: String, _ step: String) {
            for (day, zone) in reporting.days(time) {
                funnel.update(Cell(zone, day, template, step), default: 0) { $0 += 1 }
            }
        }
    }
}
