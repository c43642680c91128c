import Domain
import EventStore

/// One row per delivery (contact, pack, state, steps done of total, attempts, last error, times),
/// one per step tried (attempts, wamid, times, whether it awaits reconciliation), each Meta error
/// of a step, and running counts (deliveries by state, steps awaiting reconciliation) for health.
public struct DeliveriesProjection: Projection {
    public let name = "deliveries"
    public let version = 2
    public var schema: [TableSchema] { [Self.deliveries, Self.steps, Self.errors, Self.counts] }

    static let deliveries = TableSchema(
        "deliveries",
        indexes: [
            ("deliveries_by_start", "started_at, delivery_id"),
            ("deliveries_by_contact", "contact, started_at, delivery_id"),
            ("deliveries_by_state", "state, started_at, delivery_id"),
        ],
        [
            .init("delivery_id", "TEXT"), .init("contact", "TEXT NOT NULL"), .init("pack", "TEXT NOT NULL"),
            .init("click_wamid", "TEXT"), .init("state", "TEXT NOT NULL"), .init("steps_total", "INTEGER NOT NULL"),
            .init("steps_done", "INTEGER NOT NULL DEFAULT 0"), .init("attempts", "INTEGER NOT NULL DEFAULT 0"),
            .init("last_error_code", "INTEGER"), .init("last_error_message", "TEXT"),
            .init("started_at", "INTEGER NOT NULL"), .init("completed_at", "INTEGER"),
            .init("updated_at", "INTEGER NOT NULL"), .init("kinds", "TEXT"), .init("reason", "TEXT"),
            .init("unconfirmed_steps", "INTEGER"), .init("next_attempt_at", "INTEGER"),
        ])
    /// A step's attempts; `pending_since` is set while its latest attempt has no recorded outcome
    /// (or an unknown one: Meta may have accepted it), the time that attempt started.
    static let steps = TableSchema(
        "delivery_steps", key: 2,
        [
            .init("delivery_id", "TEXT"), .init("step", "INTEGER"), .init("attempts", "INTEGER NOT NULL DEFAULT 0"),
            .init("wamid", "TEXT"), .init("reconciled", "INTEGER NOT NULL DEFAULT 0"),
            .init("attempted_at", "INTEGER"), .init("sent_at", "INTEGER"), .init("failed_at", "INTEGER"),
            .init("pending_since", "INTEGER"),
        ])
    /// Every Meta error of a step, keyed by the position of the event that recorded it.
    static let errors = TableSchema(
        "delivery_errors", key: 2,
        [
            .init("delivery_id", "TEXT"), .init("position", "INTEGER"), .init("step", "INTEGER NOT NULL"),
            .init("code", "INTEGER NOT NULL"), .init("message", "TEXT"), .init("retryable", "INTEGER NOT NULL"),
            .init("time", "INTEGER NOT NULL"),
        ])
    /// `state:<state>` (deliveries in that state) and `awaiting_reconciliation` (steps).
    static let counts = TableSchema("delivery_counts", [.init("name", "TEXT"), .init("value", "INTEGER NOT NULL")])

    static let inFlightStates = ["started", "sending", "retrying"]
    static let awaiting = "awaiting_reconciliation"

    public init() {}

    public func fold(_ store: RowStore) -> any ProjectionFold { Fold(store) }

    struct Delivery: Columns {
        var contact: String, pack: String, clickWamid: String?, state: String, stepsTotal: Int64
        var stepsDone: Int64 = 0, attempts: Int64 = 0, lastErrorCode: Int64? = nil, lastErrorMessage: String? = nil
        var startedAt: Int64, completedAt: Int64? = nil, updatedAt: Int64
        var kinds: String? = nil, reason: String? = nil, unconfirmedSteps: Int64? = nil, nextAttemptAt: Int64? = nil

        init(_ started: DeliveryStarted, time: Int64) {
            (contact, pack, clickWamid, state, stepsTotal) = (
                started.contact, started.pack, started.clickWamid, "started", Int64(started.steps)
            )
            kinds = started.items.map { $0.map(\.messageType).joined(separator: ",") }
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
            kinds = r.text()
            reason = r.text()
            unconfirmedSteps = r.int()
            nextAttemptAt = r.int()
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
            b.text(kinds)
            b.text(reason)
            b.int(unconfirmedSteps)
            b.int(nextAttemptAt)
        }

        var finished: Bool { state == "completed" || state == "failed" }
    }

    /// A step's key: delivery and step index.
    struct StepKey: Columns, Hashable, Comparable {
        var id: String, step: Int64

        init(_ id: String, _ step: Int64) { (self.id, self.step) = (id, step) }

        init(_ r: inout ColumnReader) {
            id = String(&r)
            step = Int64(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.text(id)
            b.int(step)
        }

        static func < (a: Self, b: Self) -> Bool { (a.id, a.step) < (b.id, b.step) }
    }

    struct Step: Columns {
        var attempts: Int64 = 0, wamid: String? = nil, reconciled = false, attemptedAt: Int64? = nil
        var sentAt: Int64? = nil, failedAt: Int64? = nil, pendingSince: Int64? = nil

        init() {}

        init(_ r: inout ColumnReader) {
            attempts = Int64(&r)
            wamid = r.text()
            reconciled = Int64(&r) != 0
            attemptedAt = r.int()
            sentAt = r.int()
            failedAt = r.int()
            pendingSince = r.int()
        }

        func bind(_ b: inout ColumnBinder) {
            b.int(attempts)
            b.text(wamid)
            b.int(reconciled ? 1 : 0)
            b.int(attemptedAt)
            b.int(sentAt)
            b.int(failedAt)
            b.int(pendingSince)
        }
    }

    struct StepError: Columns {
        var step: Int64, code: Int64, message: String?, retryable: Bool, time: Int64

        init(step: Int64, code: Int64, message: String?, retryable: Bool, time: Int64) {
            (self.step, self.code, self.message, self.retryable, self.time) = (step, code, message, retryable, time)
        }

        init(_ r: inout ColumnReader) {
            step = Int64(&r)
            code = Int64(&r)
            message = r.text()
            retryable = Int64(&r) != 0
            time = Int64(&r)
        }

        func bind(_ b: inout ColumnBinder) {
            b.int(step)
            b.int(code)
            b.text(message)
            b.int(retryable ? 1 : 0)
            b.int(time)
        }
    }

    final class Fold: ProjectionFold {
        let rows: RowTable<String, Delivery>
        let steps: RowTable<StepKey, Step>
        let errors: RowTable<StepKey, StepError>
        let counts: RowTable<String, Int64>

        init(_ store: RowStore) {
            rows = store.table(DeliveriesProjection.deliveries)
            steps = store.table(DeliveriesProjection.steps)
            errors = store.table(DeliveriesProjection.errors)
            counts = store.table(DeliveriesProjection.counts)
        }

        func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
            let time = event.timestamp
            switch fact {
            case .deliveryStarted(let started):
                if rows[started.deliveryId] == nil {
                    rows[started.deliveryId] = Delivery(started, time: time)
                    count("state:started", 1)
                }
            case .deliveryAttemptStarted(let attempt):
                update(attempt.deliveryId, time) { row in
                    row.attempts += 1
                    if !row.finished { self.move(&row, to: "sending") }
                    self.step(attempt.deliveryId, attempt.step, unless: row.finished) { step in
                        step.attempts += 1
                        step.attemptedAt = time
                        if step.pendingSince == nil { step.pendingSince = time }
                    }
                }
            case .deliveryStepSent(let sent):
                update(sent.deliveryId, time) { row in
                    row.stepsDone = max(row.stepsDone, Int64(sent.step) + 1)
                    if !row.finished { self.move(&row, to: "sending") }
                    self.step(sent.deliveryId, sent.step) { step in
                        step.wamid = sent.wamid
                        step.reconciled = sent.reconciled == true
                        step.sentAt = step.sentAt ?? time
                        step.pendingSince = nil
                    }
                }
            case .deliveryStepFailed(let failed):
                update(failed.deliveryId, time) { row in
                    row.lastErrorCode = Int64(failed.error.code)
                    row.lastErrorMessage = failed.error.message ?? failed.error.title
                    row.nextAttemptAt = failed.retryable ? failed.nextAttemptAt : nil
                    if !row.finished && failed.retryable { self.move(&row, to: "retrying") }
                    errors[StepKey(failed.deliveryId, Int64(clamping: event.position))] = StepError(
                        step: Int64(failed.step), code: Int64(failed.error.code), message: row.lastErrorMessage,
                        retryable: failed.retryable, time: time)
                    let unknown = failed.outcomeUnknown == true && !row.finished
                    self.step(failed.deliveryId, failed.step) { step in
                        step.failedAt = time
                        if !unknown { step.pendingSince = nil }
                    }
                }
            case .deliveryCompleted(let completed):
                update(completed.deliveryId, time) { row in
                    self.move(&row, to: "completed")
                    row.stepsDone = row.stepsTotal
                    row.completedAt = time
                    row.nextAttemptAt = nil
                    row.unconfirmedSteps = completed.unconfirmedSteps.map(Int64.init)
                    self.settle(completed.deliveryId, row.stepsTotal)
                }
            case .deliveryFailed(let failed):
                update(failed.deliveryId, time) { row in
                    self.move(&row, to: "failed")
                    row.completedAt = time
                    row.nextAttemptAt = nil
                    row.reason = failed.reason
                    if let error = failed.error {
                        row.lastErrorCode = Int64(error.code)
                        row.lastErrorMessage = error.message ?? error.title
                    }
                    self.settle(failed.deliveryId, row.stepsTotal)
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

        /// Changes a delivery's state, keeping the counts by state (a finished one stays finished).
        private func move(_ row: inout Delivery, to state: String) {
            guard row.state != state, !row.finished else { return }
            count("state:\(row.state)", -1)
            count("state:\(state)", 1)
            row.state = state
        }

        /// Changes a step's row, keeping the count of steps awaiting reconciliation; `unless`
        /// leaves a finished delivery's steps alone.
        private func step(_ id: String, _ index: Int, unless skip: Bool = false, _ change: (inout Step) -> Void) {
            guard !skip else { return }
            let key = StepKey(id, Int64(index))
            var step = steps[key] ?? Step()
            let wasPending = step.pendingSince != nil
            change(&step)
            steps[key] = step
            let isPending = step.pendingSince != nil
            if wasPending != isPending { count(DeliveriesProjection.awaiting, isPending ? 1 : -1) }
        }

        /// A finished delivery's steps await nothing any more.
        private func settle(_ id: String, _ total: Int64) {
            for index in 0..<Int(max(0, min(total, 1000))) {
                guard let step = steps[StepKey(id, Int64(index))], step.pendingSince != nil else { continue }
                self.step(id, index) { $0.pendingSince = nil }
            }
        }

        private func count(_ name: String, _ amount: Int64) {
            counts.update(name, default: 0) { $0 += amount }
        }
    }
}
