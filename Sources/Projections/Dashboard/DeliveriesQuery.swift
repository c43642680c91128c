import Domain
public import GRDB

/// The filters of `GET /api/webhook/deliveries`, all optional: a state, a contact, a day (of the
/// delivery's start) in a time zone.
public struct DeliveryFilter: Sendable, Equatable {
    public static let states = ["started", "sending", "retrying", "completed", "failed"]

    public var state: String?
    public var contact: String?
    public var day: String?
    public var zone: String

    public init(state: String? = nil, contact: String? = nil, day: String? = nil, zone: String = "UTC") {
        self.state = state
        self.contact = contact
        self.day = day
        self.zone = zone
    }
}

extension Dashboard {
    /// `GET /api/webhook/deliveries`: newest first (by start).
    public static func deliveries(_ db: Database, filter: DeliveryFilter, limit: Int, cursor: String? = nil) throws
        -> DeliveriesPage
    {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let state = filter.state {
            guard DeliveryFilter.states.contains(state) else {
                throw DashboardQueryError(
                    parameter: "state", message: "state must be one of \(DeliveryFilter.states.joined(separator: ", "))"
                )
            }
            // With a contact, its index is the narrower one: `+state` keeps SQLite from the state's.
            conditions.append(filter.contact == nil ? "state = ?" : "+state = ?")
            arguments += [state]
        }
        if let contact = filter.contact {
            conditions.append("contact = ?")
            arguments += [contact]
        }
        if let day = filter.day {
            let bounds = try DayRange.bounds(day, zone: filter.zone)
            conditions.append("started_at >= ? AND started_at < ?")
            arguments += [bounds.lowerBound, bounds.upperBound]
        }
        if let cursor {
            let values = try DashboardCursor.parse(cursor, "deliveries", count: 2)
            guard let startedAt = Int64(values[0]) else { throw DashboardQueryError.badCursor }
            conditions.append("(started_at, delivery_id) < (?, ?)")
            arguments += [startedAt, values[1]]
        }
        let page = max(1, limit)
        arguments += [page + 1]
        let sql =
            DeliverySummary.select + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY started_at DESC, delivery_id DESC LIMIT ?"
        let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
        var next: String?
        if rows.count > page, let last = rows.prefix(page).last {
            next = DashboardCursor.make("deliveries", [String(last["started_at"] as Int64), last["delivery_id"]])
        }
        return DeliveriesPage(deliveries: rows.prefix(page).map(DeliverySummary.init(row:)), nextCursor: next)
    }

    /// `GET /api/webhook/deliveries/{id}`; `nil` for a delivery never started.
    public static func delivery(_ db: Database, id: String) throws -> DeliveryDetail? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: DeliverySummary.select + " WHERE delivery_id = ?"), arguments: [id])
        else { return nil }
        let summary = DeliverySummary(row: row)
        let steps = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT step, attempts, wamid, attempted_at, sent_at, failed_at, pending_since"
                    + " FROM delivery_steps WHERE delivery_id = ? ORDER BY step"),
            arguments: [id])
        let errors = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT step, code, message, retryable, time FROM delivery_errors WHERE delivery_id = ?"
                    + " ORDER BY position"),
            arguments: [id])
        let kinds = (row["kinds"] as String?)?.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let stepRows = Dictionary(steps.map { ($0["step"] as Int, $0) }, uniquingKeysWith: { first, _ in first })
        let count = min(1000, max(summary.stepsTotal, (stepRows.keys.max() ?? -1) + 1))
        var details: [DeliveryStep] = []
        for index in 0..<max(0, count) {
            let step = stepRows[index]
            let stepErrors = errors.filter { ($0["step"] as Int) == index }.map { error in
                DeliveryStep.StepError(
                    code: error["code"], message: error["message"], meaning: MetaErrorCode.meaning(error["code"]),
                    retryable: error["retryable"], time: LogTime.rfc3339(milliseconds: error["time"]))
            }
            var detail = DeliveryStep(
                step: index, kind: kinds.flatMap { index < $0.count ? $0[index] : nil },
                attempts: step.map { $0["attempts"] } ?? 0, wamid: step.flatMap { $0["wamid"] }, status: nil,
                sentAt: step.flatMap { $0["sent_at"] as Int64? }.map { LogTime.rfc3339($0) }, deliveredAt: nil,
                readAt: nil,
                errors: stepErrors)
            try detail.addStatus(db, finalFailure: summary.state == "failed" || stepErrors.last?.retryable == false)
            details.append(detail)
        }
        var latency: Int?
        if summary.state == "completed", let completedAt: Int64 = row["completed_at"],
            let click: String = row["click_wamid"],
            let clickTime = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT time FROM metrics_clicks WHERE wamid = ?"), arguments: [click])
        {
            latency = Int(completedAt - clickTime)
        }
        return DeliveryDetail(
            summary: summary, clickWamid: row["click_wamid"],
            outcome: DeliveryOutcome.describe(summary, row, steps: steps, errors: errors), latencyMs: latency,
            steps: details)
    }
}

extension DeliveryStep {
    /// The status webhooks of the step's message (from the conversations' messages), or what its
    /// own events say when there is none: `sent` once Meta accepted it, `failed` when it never was.
    mutating func addStatus(_ db: Database, finalFailure: Bool) throws {
        guard let wamid else {
            if !errors.isEmpty && finalFailure { status = "failed" }
            return
        }
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT status, delivered_at, read_at FROM conversation_messages WHERE wamid = ?"),
            arguments: [wamid])
        status = (row?["status"] as String?) ?? "sent"
        deliveredAt = (row?["delivered_at"] as Int64?).map { LogTime.rfc3339($0) }
        readAt = (row?["read_at"] as Int64?).map { LogTime.rfc3339($0) }
    }
}

extension DeliverySummary {
    static let select = """
        SELECT delivery_id, contact, pack, click_wamid, state, steps_total, steps_done, attempts, last_error_code,
            last_error_message, started_at, completed_at, updated_at, kinds, reason, unconfirmed_steps, next_attempt_at
        FROM deliveries
        """

    init(row: Row) {
        id = row["delivery_id"]
        contact = row["contact"]
        pack = row["pack"]
        state = row["state"]
        stepsTotal = row["steps_total"]
        stepsDone = row["steps_done"]
        attempts = row["attempts"]
        startedAt = LogTime.rfc3339(milliseconds: row["started_at"])
        completedAt = (row["completed_at"] as Int64?).map { LogTime.rfc3339($0) }
        updatedAt = LogTime.rfc3339(milliseconds: row["updated_at"])
        if let code: Int = row["last_error_code"] {
            lastError = LastError(code: code, message: row["last_error_message"], meaning: MetaErrorCode.meaning(code))
        }
    }
}

extension LogTime {
    static func rfc3339(_ milliseconds: Int64) -> String { rfc3339(milliseconds: milliseconds) }
}
