import Domain
import EventStore

/// One row per delivery: contact, pack, state, steps done of total, attempts, last error, times.
public struct DeliveriesProjection: Projection {
    public let name = "deliveries"
    public let version = 1
    public var schema: [TableSchema] { [Self.deliveries] }

    static let deliveries = TableSchema(
        "deliveries", indexes: [("deliveries_by_contact", "contact, started_at"), ("deliveries_by_state", "state")],
        [
            .init("delivery_id", "TEXT"), .init("contact", "TEXT NOT NULL"), .init("pack", "TEXT NOT NULL"),
            .init("click_wamid", "TEXT"), .init("state", "TEXT NOT NULL"), .init("steps_total", "INTEGER NOT NULL"),
            .init("steps_done", "INTEGER NOT NULL DEFAULT 0"), .init("attempts", "INTEGER NOT NULL DEFAULT 0"),
            .init("last_error_code", "INTEGER"), .init("last_error_message", "TEXT"),
            .init("started_at", "INTEGER NOT NULL"), .init("completed_at", "INTEGER"),
            .init("updated_at", "INTEGER NOT NULL"),
        ])

    public init() {}

    public func fold(_ store: RowStore) -> any ProjectionFold { Fold(store) }

    struct Delivery: Columns {
        var contact: String, pack: String, clickWamid: String?, state: String, stepsTotal: Int64
        var stepsDone: Int64 = 0, attempts: Int64 = 0, lastErrorCode: Int64? = nil, lastErrorMessage: String? = nil
        var startedAt: Int64, completedAt: Int64? = nil, updatedAt: Int64

        init(contact: String, pack: String, clickWamid: String?, state: String, stepsTotal: Int64, time: Int64) {
            (self.contact, self.pack, self.clickWamid, self.state, self.stepsTotal) = (
                contact, pack, clickWamid, state, stepsTotal
            )
            (startedAt, updatedAt) = (time, time)
        }

        init(_ r: inout ColumnReader) {
            contact = String(&r)
            pack = String(&r)
            clickWamid = r.text()
            state = String(&r)
            stepsTotal = Int64(&r)
            stepsDone = Int64(&r)
            attempts = Int64(&r)
            lastErrorCode = r.int()
            lastErrorMessage = r.text()
            startedAt = Int64(&r)
            completedAt = r.int()
            updatedAt = Int64(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(contact)
            b.text(pack)
            b.text(clickWamid)
            b.text(state)
            b.int(stepsTotal)
            b.int(stepsDone)
            b.int(attempts)
            b.int(lastErrorCode)
            b.text(lastErrorMessage)
            b.int(startedAt)
            b.int(completedAt)
            b.int(updatedAt)
        }

        var finished: Bool { state == "completed" || state == "failed" }
    }

    final class Fold: ProjectionFold {
        let rows: RowTable<String, Delivery>

        init(_ store: RowStore) { rows = store.table(DeliveriesProjection.deliveries) }

        func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
            let time = event.timestamp
            switch fact {
            case .deliveryStarted(let started):
                if rows[started.deliveryId] == nil {
                    rows[started.deliveryId] = Delivery(
                        contact: started.contact, pack: started.pack, clickWamid: started.clickWamid, state: "started",
                        stepsTotal: Int64(started.steps), time: time)
                }
            case .deliveryAttemptStarted(let attempt):
                update(attempt.deliveryId, time) { row in
                    row.attempts += 1
                    if !row.finished { row.state = "sending" }
                }
            case .deliveryStepSent(let sent):
                update(sent.deliveryId, time) { row in
                    row.stepsDone = max(row.stepsDone, Int64(sent.step) + 1)
                    if !row.finished { row.state = "sending" }
                }
            case .deliveryStepFailed(let failed):
                update(failed.deliveryId, time) { row in
                    row.lastErrorCode = Int64(failed.error.code)
                    row.lastErrorMessage = failed.error.message ?? failed.error.title
                    if !row.finished && failed.retryable { row.state = "retrying" }
                }
            case .deliveryCompleted(let completed):
                update(completed.deliveryId, time) { row in
                    row.state = "completed"
                    row.stepsDone = row.stepsTotal
                    row.completedAt = time
                }
            case .deliveryFailed(let failed):
                update(failed.deliveryId, time) { row in
                    row.state = "failed"
                    row.completedAt = time
                    row.lastErrorCode = failed.error.map { Int64($0.code) } ?? row.lastErrorCode
                    row.lastErrorMessage = failed.reason
                }
            case .unknownType, .undecodable:
                return false
            default:
                break
            }
            return true
        }

        private func update(_ id: String, _ time: Int64, _ change: (inout Delivery) -> Void) {
            guard var row = rows[id] else { return }
            change(&row)
            row.updatedAt = time
            rows[id] = row
        }
    }
}
