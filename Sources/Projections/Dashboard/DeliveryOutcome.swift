import Domain
import GRDB

/// Why a delivery ended as it did, or what it waits for, in a sentence.
enum DeliveryOutcome {
    static func describe(_ summary: DeliverySummary, _ row: Row, steps: [Row], errors: [Row]) -> String {
        let total = summary.stepsTotal
        switch summary.state {
        case "completed":
            let unconfirmed = (row["unconfirmed_steps"] as Int?) ?? 0
            return "completed: all \(total) steps accepted by Meta"
                + (unconfirmed > 0
                    ? "; \(unconfirmed) not confirmed delivered when the wait for their status ran out" : "")
        case "failed":
            return "failed: " + ((row["reason"] as String?) ?? "no reason recorded")
        case "retrying":
            let last = errors.last
            let step = (last?["step"] as Int?).map { " step \($0 + 1) of \(total)" } ?? ""
            let error = (last?["code"] as Int?).map { " after Meta error \($0) (\(MetaErrorCode.meaning($0)))" } ?? ""
            let when = (row["next_attempt_at"] as Int64?).map { ", next attempt at \(LogTime.rfc3339($0))" } ?? ""
            return "waiting to retry\(step)\(error)\(when)"
        default:
            if let pending = steps.first(where: { ($0["pending_since"] as Int64?) != nil }) {
                let index = (pending["step"] as Int) + 1
                let attempted = (pending["attempted_at"] as Int64?) ?? 0
                if let failed = pending["failed_at"] as Int64?, failed >= attempted {
                    return "step \(index) of \(total): outcome unknown, waiting for a status webhook to show"
                        + " whether Meta accepted it before sending again"
                }
                return "waiting for Meta's answer to step \(index) of \(total)"
                    + " (attempt \(pending["attempts"] as Int), since \(LogTime.rfc3339(attempted)))"
            }
            if summary.state == "started" { return "started: no step attempted yet" }
            return "sending: \(summary.stepsDone) of \(total) steps accepted by Meta"
        }
    }
}
