import Domain
import EventStore
import GRDB

/// `deliveries` in memory: the same transitions as `DeliveriesProjection`'s statements.
final class MemoryDeliveries: MemoryRebuild {
    private struct Row {
        var contact: String, pack: String, clickWamid: String? = nil, state: String, stepsTotal: Int
        var stepsDone = 0, attempts = 0, lastErrorCode: Int? = nil, lastErrorMessage: String? = nil
        var startedAt: Int64, completedAt: Int64? = nil, updatedAt: Int64
    }

    private var rows: [String: Row] = [:]

    private static func finished(_ state: String) -> Bool { state == "completed" || state == "failed" }

    func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
        let time = event.timestamp
        switch fact {
        case .deliveryStarted(let started):
            if rows[started.deliveryId] == nil {
                rows[started.deliveryId] = Row(
                    contact: started.contact, pack: started.pack, clickWamid: started.clickWamid, state: "started",
                    stepsTotal: started.steps, startedAt: time, updatedAt: time)
            }
        case .deliveryAttemptStarted(let attempt):
            update(attempt.deliveryId, time) { row in
                row.attempts += 1
                if !Self.finished(row.state) { row.state = "sending" }
            }
        case .deliveryStepSent(let sent):
            update(sent.deliveryId, time) { row in
                row.stepsDone = max(row.stepsDone, sent.step + 1)
                if !Self.finished(row.state) { row.state = "sending" }
            }
        case .deliveryStepFailed(let failed):
            update(failed.deliveryId, time) { row in
                row.lastErrorCode = failed.error.code
                row.lastErrorMessage = failed.error.message ?? failed.error.title
                if !Self.finished(row.state) && failed.retryable { row.state = "retrying" }
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
                row.lastErrorCode = failed.error?.code ?? row.lastErrorCode
                row.lastErrorMessage = failed.reason
            }
        case .unknownType, .undecodable:
            return false
        default:
            break
        }
        return true
    }

    private func update(_ id: String, _ time: Int64, _ change: (inout Row) -> Void) {
        guard var row = rows[id] else { return }
        change(&row)
        row.updatedAt = time
        rows[id] = row
    }

    func write(_ db: Database, last: RecordedEvent) throws {
        let writer = try RowWriter(
            db, "deliveries",
            [
                "delivery_id", "contact", "pack", "click_wamid", "state", "steps_total", "steps_done", "attempts",
                "last_error_code", "last_error_message", "started_at", "completed_at", "updated_at",
            ])
        for (id, row) in rows.sorted(by: { $0.key < $1.key }) {
            writer.text(id)
            writer.text(row.contact)
            writer.text(row.pack)
            writer.text(row.clickWamid)
            writer.text(row.state)
            writer.int(row.stepsTotal)
            writer.int(row.stepsDone)
            writer.int(row.attempts)
            writer.int(row.lastErrorCode)
            writer.text(row.lastErrorMessage)
            writer.int(row.startedAt)
            writer.int(row.completedAt)
            writer.int(row.updatedAt)
            try writer.end()
        }
    }
}
