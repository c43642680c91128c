public import Domain

/// What a delivery should do next, decided from its folded state alone.
public enum DeliveryAction: Sendable, Equatable {
    /// Send `step` as attempt `attempt`.
    case send(step: Int, attempt: Int)
    /// Record these events (a reconciliation, a status failure, completion, failure).
    case record([PlannedEvent])
    /// Nothing to do until `until` (ms) or until the delivery's state changes.
    case wait(until: Int64?)
    /// Finished (or unknown).
    case done
}

/// Events the planner asks for (built into log events by the saga).
public enum PlannedEvent: Sendable, Equatable {
    case stepSent(step: Int, wamid: String, reconciled: Bool)
    case stepFailed(step: Int, error: MetaError, retryAt: Int64?, outcomeUnknown: Bool, fromStatus: Bool)
    case completed(unconfirmed: Int)
    case failed(reason: String, error: MetaError?)
}

public struct DeliveryPlanner: Sendable {
    public var settings: SagaSettings
    /// When this process's saga started: an attempt left in flight by a crash is reconciled
    /// `reconcileWait` after this (status webhooks Meta retried may still be on their way).
    public var startedAt: Int64

    public init(settings: SagaSettings, startedAt: Int64) {
        self.settings = settings
        self.startedAt = startedAt
    }

    public func next(
        _ delivery: DeliveryProgress?, evidence: [String: String], now: Int64, random: Double
    ) -> DeliveryAction {
        guard let delivery, !delivery.finished else { return .done }
        if delivery.steps.isEmpty { return .record([.completed(unconfirmed: 0)]) }
        let confirmationWait = settings.confirmationWait.inMilliseconds
        var wakeAt: Int64?
        func wake(_ time: Int64) { wakeAt = min(wakeAt ?? time, time) }

        for (index, step) in delivery.steps.enumerated() {
            func proof() -> String? { step.callbacks.lazy.compactMap { evidence[$0] }.first }
            if let failure = step.statusFailure {
                return .record(failureEvents(index, step, failure, now: now, random: random, fromStatus: true))
            }
            switch step.phase {
            case .sent(_, let at):
                if settings.strictOrder, !step.confirmed, index < delivery.steps.count - 1,
                    now < at + confirmationWait
                {
                    return .wait(until: at + confirmationWait)
                }
                continue
            case .failed:
                return .record([.failed(reason: "step \(index + 1) failed", error: step.lastError)])
            case .pending:
                return deadlinePassed(delivery, now) ?? .send(step: index, attempt: step.attempts + 1)
            case .inFlight(let since):
                if let wamid = proof() { return .record([.stepSent(step: index, wamid: wamid, reconciled: true)]) }
                let until = max(since, startedAt) + settings.reconcileWait.inMilliseconds
                if now >= until { return deadlinePassed(delivery, now) ?? resend(index, step) }
                return .wait(until: until)
            case .retry(let at, let unknown):
                if unknown, let wamid = proof() {
                    return .record([.stepSent(step: index, wamid: wamid, reconciled: true)])
                }
                if now >= at { return deadlinePassed(delivery, now) ?? resend(index, step) }
                return .wait(until: at)
            }
        }
        // Every step accepted: wait for the confirmations, up to the confirmation wait.
        let unconfirmed = delivery.steps.count { !$0.confirmed }
        if unconfirmed == 0 || confirmationWait == 0 {
            return .record([.completed(unconfirmed: confirmationWait == 0 ? 0 : unconfirmed)])
        }
        let lastSent =
            delivery.steps.compactMap { step -> Int64? in
                if case .sent(_, let at) = step.phase { return at } else { return nil }
            }.max() ?? now
        if now >= lastSent + confirmationWait { return .record([.completed(unconfirmed: unconfirmed)]) }
        wake(lastSent + confirmationWait)
        return .wait(until: wakeAt)
    }

    private func resend(_ index: Int, _ step: DeliveryProgress.Step) -> DeliveryAction {
        if step.attempts >= settings.maxAttempts {
            let last = step.lastError.map { "; last error \($0.code)" } ?? ""
            return .record([
                .failed(
                    reason: "step \(index + 1) gave up after \(step.attempts) attempts\(last)", error: step.lastError)
            ])
        }
        return .send(step: index, attempt: step.attempts + 1)
    }

    private func deadlinePassed(_ delivery: DeliveryProgress, _ now: Int64) -> DeliveryAction? {
        let deadline = settings.deliveryDeadline.inMilliseconds
        guard now > delivery.startedAt + deadline else { return nil }
        return .record([
            .failed(
                reason: "the delivery did not finish within \(deadline / 1000) s of the click",
                error: delivery.steps.compactMap(\.lastError).last)
        ])
    }

    /// The events for a failed attempt of `step` (an answer, or a `failed` status).
    public func failureEvents(
        _ index: Int, _ step: DeliveryProgress.Step, _ error: MetaError, now: Int64, random: Double, fromStatus: Bool,
        outcomeUnknown: Bool = false
    ) -> [PlannedEvent] {
        let retryAt: Int64
        switch ErrorPolicy.classify(error) {
        case .permanent(let reason):
            return [
                .stepFailed(step: index, error: error, retryAt: nil, outcomeUnknown: false, fromStatus: fromStatus),
                .failed(reason: "step \(index + 1): \(reason)", error: error),
            ]
        case .pairPacing:
            retryAt = now + settings.pairPacing(hits: step.pairLimitHits)
        case .retry:
            let backoff = settings.backoff(afterAttempt: step.attempts, random: random)
            retryAt = now + (outcomeUnknown ? max(settings.reconcileWait.inMilliseconds, backoff) : backoff)
        }
        if step.attempts >= settings.maxAttempts {
            return [
                .stepFailed(
                    step: index, error: error, retryAt: nil, outcomeUnknown: outcomeUnknown, fromStatus: fromStatus),
                .failed(
                    reason: "step \(index + 1) gave up after \(step.attempts) attempts; last error \(error.code)",
                    error: error),
            ]
        }
        return [
            .stepFailed(
                step: index, error: error, retryAt: retryAt, outcomeUnknown: outcomeUnknown, fromStatus: fromStatus)
        ]
    }
}
