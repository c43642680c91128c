public import Domain
public import EventStore

/// The saga's state: a fold over the log's click, status, template and delivery events, in log
/// order. Nothing else feeds it, so a restart that replays the log gets the same state.
public struct SagaState: Sendable {
    public internal(set) var deliveries: [String: DeliveryProgress] = [:]
    /// Deliveries not yet completed or failed.
    public internal(set) var active: Set<String> = []
    public internal(set) var templates = TemplateLedger()
    /// Clicks in log order; those still in `undecidedIndex` have no decision yet (decided ones
    /// are dropped in bulk, so deciding a backlog stays linear).
    var pending: [ButtonClicked] = []
    var undecidedIndex: Set<String> = []
    /// Clicks decided (a delivery started, or skipped with a reason), within the memory window.
    var decidedClicks: ExpiringSet
    /// Template messages whose tap already started a delivery, within the memory window.
    var startedContexts: ExpiringSet
    /// `contact|pack` delivered or being delivered (a failed delivery frees it), within the window.
    var packsByContact: ExpiringSet
    /// Events the fold could not use, with their positions and reasons (the latest 100).
    public internal(set) var skips: [(position: UInt64, reason: String)] = []
    public internal(set) var skipCount = 0
    /// Callback data of every attempt → (delivery, step).
    var byCallback: [String: (String, Int)] = [:]
    /// wamid of every sent step → (delivery, step).
    var byWamid: [String: (String, Int)] = [:]
    /// Callback data → wamid, from status webhooks: proof that Meta accepted that attempt.
    public internal(set) var evidence: [String: String] = [:]
    public internal(set) var position: UInt64 = 0
    /// Deliveries started, completed and failed so far (`inFlight`: those in `active`).
    public var counts: DeliveryCounts {
        var counts = finishedCounts
        counts.inFlight = active.count
        return counts
    }
    var finishedCounts = DeliveryCounts()

    /// - Parameter memoryWindowMilliseconds: how long decided clicks, started template messages
    ///   and delivered packs are remembered (log time); the dedupe window by default, since a
    ///   click older than that can reach the log again only as a new, stale tap.
    public init(memoryWindowMilliseconds: Int64 = SagaSettings.defaultMemoryWindowMilliseconds) {
        decidedClicks = ExpiringSet(windowMilliseconds: memoryWindowMilliseconds)
        startedContexts = ExpiringSet(windowMilliseconds: memoryWindowMilliseconds)
        packsByContact = ExpiringSet(windowMilliseconds: memoryWindowMilliseconds)
    }

    /// Clicks with no decision (started or skipped) yet, in log order.
    public var undecided: [ButtonClicked] { pending.filter { undecidedIndex.contains($0.wamid) } }
    public var undecidedCount: Int { undecidedIndex.count }
    /// How many clicks, template messages and packs the saga remembers (bounded by the window).
    public var rememberedCount: Int { decidedClicks.count + startedContexts.count + packsByContact.count }

    /// The event types the fold reads; others are skipped without decoding.
    public static let relevantTypes: Set<String> = Set(
        [
            EventType.buttonClicked, .statusUpdated, .templateSendRequested, .templateSent, .templateFailed,
            .deliveryStarted,
            .deliveryAttemptStarted, .deliveryStepSent, .deliveryStepFailed, .deliveryCompleted, .deliveryFailed,
            .deliverySkipped,
        ].map(\.rawValue))

    /// Folds one event; returns the delivery it touched, if any (so its worker can look again).
    @discardableResult
    public mutating func apply(_ event: RecordedEvent) -> String? {
        position = max(position, event.position)
        guard Self.relevantTypes.contains(event.type) else { return nil }
        let fact = DomainFact(event)
        if let problem = EventScreen.problem(event, fact) {
            skip(event.position, problem)
            return nil
        }
        let time = event.timestamp
        decidedClicks.expire(now: time)
        startedContexts.expire(now: time)
        packsByContact.expire(now: time)
        switch fact {
        case .buttonClicked(let click):
            guard !decidedClicks.contains(click.wamid), undecidedIndex.insert(click.wamid).inserted else { return nil }
            pending.append(click)
        case .deliverySkipped(let skipped):
            decide(skipped.clickWamid, at: time)
        case .deliveryStarted(let started):
            decide(started.clickWamid, at: time)
            if let context = started.contextId { startedContexts.insert(context, at: time) }
            packsByContact.insert(started.contact + "|" + started.pack, at: time)
            if deliveries[started.deliveryId] == nil {
                deliveries[started.deliveryId] = DeliveryProgress(started, at: time)
                active.insert(started.deliveryId)
                finishedCounts.started += 1
            }
            return started.deliveryId
        case .deliveryAttemptStarted(let attempt):
            if deliveries[attempt.deliveryId] != nil {
                byCallback[attempt.callbackData] = (attempt.deliveryId, attempt.step)
            }
            return updateStep(attempt.deliveryId, attempt.step) { step in
                step.attempts = max(step.attempts, attempt.attempt)
                step.callbacks.append(attempt.callbackData)
                step.phase = .inFlight(since: time)
            }
        case .deliveryStepSent(let sent):
            if deliveries[sent.deliveryId] != nil { byWamid[sent.wamid] = (sent.deliveryId, sent.step) }
            return updateStep(sent.deliveryId, sent.step) { step in
                step.phase = .sent(wamid: sent.wamid, at: time)
                step.statusFailure = nil
            }
        case .deliveryStepFailed(let failed):
            return updateStep(failed.deliveryId, failed.step) { step in
                step.lastError = failed.error
                step.statusFailure = nil
                if failed.error.code == 131056 { step.pairLimitHits += 1 }
                if failed.retryable, let next = failed.nextAttemptAt {
                    step.phase = .retry(at: next, outcomeUnknown: failed.outcomeUnknown ?? false)
                    step.confirmed = false
                } else if !failed.retryable {
                    step.phase = .failed
                }
            }
        case .deliveryCompleted(let completed):
            if finish(completed.deliveryId, freePack: false) { finishedCounts.completed += 1 }
            return completed.deliveryId
        case .deliveryFailed(let failed):
            if finish(failed.deliveryId, freePack: true) { finishedCounts.failed += 1 }
            return failed.deliveryId
        case .statusUpdated(let status):
            return applyStatus(status)
        case .templateSendRequested(let request):
            templates.apply(request)
        case .templateSent(let sent):
            templates.apply(sent)
        case .templateFailed(let failed):
            templates.apply(failed)
        default:
            break
        }
        return nil
    }

    private mutating func applyStatus(_ status: StatusUpdated) -> String? {
        let callback = status.bizOpaqueCallbackData
        let target: (String, Int)? = callback.flatMap { byCallback[$0] } ?? byWamid[status.wamid]
        guard let (id, index) = target, var delivery = deliveries[id], delivery.steps.indices.contains(index) else {
            return nil
        }
        var step = delivery.steps[index]
        let isCurrent: Bool
        switch step.phase {
        case .sent(let wamid, _): isCurrent = wamid == status.wamid
        default: isCurrent = callback.map { step.callbacks.last == $0 } ?? false
        }
        switch status.status {
        case "sent", "delivered", "read":
            if let callback, evidence[callback] == nil { evidence[callback] = status.wamid }
            if status.status != "sent", isCurrent { step.confirmed = true }
        case "failed":
            if isCurrent, !delivery.finished {
                step.statusFailure =
                    status.errors.first ?? MetaError(code: 131000, message: "failed status without an error")
            }
        default:
            return nil
        }
        delivery.steps[index] = step
        deliveries[id] = delivery
        return id
    }

    private mutating func updateStep(
        _ id: String, _ index: Int, _ change: (inout DeliveryProgress.Step) -> Void
    ) -> String? {
        guard var delivery = deliveries[id], delivery.steps.indices.contains(index) else { return nil }
        change(&delivery.steps[index])
        deliveries[id] = delivery
        return id
    }

    private mutating func decide(_ click: String, at time: Int64) {
        decidedClicks.insert(click, at: time)
        guard undecidedIndex.remove(click) != nil else { return }
        // Decided clicks leave `pending` in bulk, once they are most of it: linear overall.
        if pending.count > 64, pending.count > 2 * undecidedIndex.count {
            pending.removeAll { !undecidedIndex.contains($0.wamid) }
        }
    }

    /// Marks clicks decided without an event in the log (their decision could not be recorded),
    /// so that they are not decided again and again.
    mutating func abandon(_ clicks: [String], at time: Int64) {
        for click in clicks { decide(click, at: time) }
    }

    private mutating func skip(_ position: UInt64, _ reason: String) {
        skipCount += 1
        skips.append((position, reason))
        if skips.count > 100 { skips.removeFirst(skips.count - 100) }
    }

    /// Whether `id` was in flight (a second end of one delivery changes nothing).
    @discardableResult
    private mutating func finish(_ id: String, freePack: Bool) -> Bool {
        // A finished delivery leaves only what repeat-click checks need (its context and pack),
        // so the state stays as small as the deliveries in flight.
        guard let delivery = deliveries.removeValue(forKey: id) else { return false }
        if freePack { packsByContact.remove(delivery.started.contact + "|" + delivery.started.pack) }
        for step in delivery.steps {
            for callback in step.callbacks {
                byCallback.removeValue(forKey: callback)
                evidence.removeValue(forKey: callback)
            }
            if case .sent(let wamid, _) = step.phase { byWamid.removeValue(forKey: wamid) }
        }
        active.remove(id)
        return true
    }

    /// Whether a click was decided (a delivery started, or skipped with a reason).
    public func isDecided(_ click: String) -> Bool { decidedClicks.contains(click) }
}
