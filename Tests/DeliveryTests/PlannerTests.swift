import Delivery
import Domain
import EventStore
import Testing

/// The saga's decisions, folded from hand-made event histories.
@Suite struct PlannerTests {
    static let items: [ContentItem] = [.text("one"), .image(.link("https://x/2.jpg"), caption: nil), .text("three")]

    struct History {
        var events: [RecordedEvent] = []
        var state = SagaState()
        var time: Int64 = 1_000_000

        mutating func add(_ event: some DomainEvent, at time: Int64? = nil) {
            if let time { self.time = time }
            let new = event.newEvent()
            let recorded = RecordedEvent(
                position: UInt64(events.count + 1), timestamp: self.time, type: new.type, version: new.version,
                stream: new.stream,
                data: new.data, attachment: [])
            events.append(recorded)
            state.apply(recorded)
        }
    }

    static func started(_ id: String = "d1") -> DeliveryStarted {
        DeliveryStarted(
            deliveryId: id, contact: "15550001", pack: "p", steps: items.count, clickWamid: "click-\(id)", items: items)
    }

    static var settings: SagaSettings {
        var settings = SagaSettings(phoneNumberId: "100")
        settings.confirmationWait = .zero
        return settings
    }

    func next(
        _ history: History, settings: SagaSettings = Self.settings, now: Int64? = nil, startedAt: Int64 = 0
    ) -> DeliveryAction {
        DeliveryPlanner(settings: settings, startedAt: startedAt).next(
            history.state.deliveries["d1"], evidence: history.state.evidence, now: now ?? history.time, random: 0.5)
    }

    @Test func stepsGoOutInOrderAndTheDeliveryCompletes() {
        var history = History()
        history.add(Self.started())
        for step in 0..<3 {
            #expect(next(history) == .send(step: step, attempt: 1))
            history.add(DeliveryAttemptStarted(deliveryId: "d1", step: step, attempt: 1, callbackData: "cb\(step)"))
            history.add(DeliveryStepSent(deliveryId: "d1", step: step, wamid: "w\(step)"))
        }
        #expect(next(history) == .record([.completed(unconfirmed: 0)]))
        history.add(DeliveryCompleted(deliveryId: "d1"))
        #expect(next(history) == .done)
        #expect(history.state.active.isEmpty)
    }

    @Test func anAttemptWithoutOutcomeIsReconciledFromAStatusBeforeAnyResend() {
        var history = History()
        history.add(Self.started())
        history.add(DeliveryAttemptStarted(deliveryId: "d1", step: 0, attempt: 1, callbackData: "cu1;d=d1;s=0;a=1"))
        // A restart: within the reconcile wait, nothing is sent.
        let restart = history.time + 60_000
        let reconcileWait = Self.settings.reconcileWait.inMilliseconds
        #expect(next(history, now: restart, startedAt: restart) == .wait(until: restart + reconcileWait))
        // A status webhook naming the attempt's callback data proves Meta has it.
        history.add(
            StatusUpdated(
                wamid: "wamid.X", status: "sent", timestamp: 1, recipientId: "15550001",
                bizOpaqueCallbackData: "cu1;d=d1;s=0;a=1"))
        #expect(
            next(history, now: restart, startedAt: restart)
                == .record([.stepSent(step: 0, wamid: "wamid.X", reconciled: true)]))
    }

    @Test func anAttemptWithoutOutcomeOrEvidenceIsResentAfterTheWait() {
        var history = History()
        history.add(Self.started())
        history.add(DeliveryAttemptStarted(deliveryId: "d1", step: 0, attempt: 1, callbackData: "cu1;d=d1;s=0;a=1"))
        let restart = history.time + 60_000
        let reconcileWait = Self.settings.reconcileWait.inMilliseconds
        #expect(next(history, now: restart + reconcileWait, startedAt: restart) == .send(step: 0, attempt: 2))
    }

    @Test func retryTimesAreEventsAndAreKept() {
        var history = History()
        history.add(Self.started())
        history.add(DeliveryAttemptStarted(deliveryId: "d1", step: 0, attempt: 1, callbackData: "a"))
        history.add(
            DeliveryStepFailed(
                deliveryId: "d1", step: 0, error: MetaError(code: 131000), retryable: true,
                nextAttemptAt: history.time + 900))
        #expect(next(history) == .wait(until: history.time + 900))
        #expect(next(history, now: history.time + 900) == .send(step: 0, attempt: 2))
    }

    @Test func permanentErrorsFailTheDeliveryWithAReasonAndRetryableOnesBackOff() {
        let planner = DeliveryPlanner(settings: Self.settings, startedAt: 0)
        var step = DeliveryProgress.Step()
        step.attempts = 1
        for (code, phrase) in [
            (131047, "24-hour window"), (131026, "undeliverable"), (190, "access token"), (100, "invalid"),
            (132001, "template"),
        ] {
            let events = planner.failureEvents(0, step, MetaError(code: code), now: 0, random: 0.5, fromStatus: false)
            #expect(events.count == 2, "\(code)")
            guard case .failed(let reason, let error) = events.last else {
                Issue.record("\(code) did not fail the delivery")
                continue
            }
            #expect(reason.contains(phrase), "\(code): \(reason)")
            #expect(error?.code == code)
        }
        for code in [130429, 131000, 131016, 133004, 2] {
            let events = planner.failureEvents(0, step, MetaError(code: code), now: 0, random: 0.5, fromStatus: false)
            guard case .stepFailed(_, _, let retryAt?, _, _) = events.first, events.count == 1 else {
                Issue.record("\(code) was not retried: \(events)")
                continue
            }
            #expect(retryAt > 0 && retryAt <= Self.settings.backoffCap.inMilliseconds, "\(code)")
        }
    }

    @Test func pairRateLimitWaitsFourToTheXSeconds() {
        let settings = Self.settings
        #expect((0..<4).map(settings.pairPacing(hits:)) == [1000, 4000, 16000, 64000])
        var history = History()
        history.add(Self.started())
        history.add(DeliveryAttemptStarted(deliveryId: "d1", step: 0, attempt: 1, callbackData: "a"))
        history.add(
            DeliveryStepFailed(
                deliveryId: "d1", step: 0, error: MetaError(code: 131056), retryable: true, nextAttemptAt: 1))
        let step = history.state.deliveries["d1"]!.steps[0]
        let events = DeliveryPlanner(settings: settings, startedAt: 0).failureEvents(
            0, step, MetaError(code: 131056), now: 0, random: 0, fromStatus: false)
        #expect(
            events == [
                .stepFailed(
                    step: 0, error: MetaError(code: 131056), retryAt: 4000, outcomeUnknown: false, fromStatus: false)
            ])
    }

    @Test func backoffGrowsWithJitterUnderItsCap() {
        let settings = Self.settings
        for attempt in 1...12 {
            let (base, cap) = (settings.backoffBase.inMilliseconds, settings.backoffCap.inMilliseconds)
            let ceiling = min(cap, base << Int64(attempt - 1))
            let low = settings.backoff(afterAttempt: attempt, random: 0)
            let high = settings.backoff(afterAttempt: attempt, random: 0.999_999)
            #expect(low >= ceiling / 10 && high <= ceiling && low < high, "attempt \(attempt)")
        }
    }

    @Test func theLastAttemptFailsTheDelivery() {
        var settings = Self.settings
        settings.maxAttempts = 2
        var history = History()
        history.add(Self.started())
        for attempt in 1...2 {
            history.add(
                DeliveryAttemptStarted(deliveryId: "d1", step: 0, attempt: attempt, callbackData: "a\(attempt)"))
            history.add(
                DeliveryStepFailed(
                    deliveryId: "d1", step: 0, error: MetaError(code: 131000), retryable: true,
                    nextAttemptAt: history.time))
        }
        guard case .record(let events) = next(history, settings: settings), case .failed(let reason, _) = events.first
        else {
            Issue.record("did not give up")
            return
        }
        #expect(reason.contains("gave up after 2 attempts"))
    }

    @Test func aFailedStatusForASentStepFailsTheDelivery() {
        var history = History()
        history.add(Self.started())
        history.add(DeliveryAttemptStarted(deliveryId: "d1", step: 0, attempt: 1, callbackData: "cu1;d=d1;s=0;a=1"))
        history.add(DeliveryStepSent(deliveryId: "d1", step: 0, wamid: "w0"))
        history.add(
            StatusUpdated(
                wamid: "w0", status: "failed", timestamp: 1, recipientId: "15550001", errors: [MetaError(code: 131047)])
        )
        guard case .record(let events) = next(history) else {
            Issue.record("no reaction to the failed status")
            return
        }
        #expect(
            events.first
                == .stepFailed(
                    step: 0, error: MetaError(code: 131047), retryAt: nil, outcomeUnknown: false, fromStatus: true))
        guard case .failed(let reason, _) = events.last else {
            Issue.record("delivery not failed")
            return
        }
        #expect(reason.contains("24-hour window"))
    }

    @Test func strictOrderWaitsForDeliveredBeforeTheNextStep() {
        var settings = Self.settings
        settings.strictOrder = true
        settings.confirmationWait = .seconds(10)
        var history = History()
        history.add(Self.started())
        history.add(DeliveryAttemptStarted(deliveryId: "d1", step: 0, attempt: 1, callbackData: "cu1;d=d1;s=0;a=1"))
        history.add(DeliveryStepSent(deliveryId: "d1", step: 0, wamid: "w0"))
        #expect(next(history, settings: settings) == .wait(until: history.time + 10_000))
        history.add(StatusUpdated(wamid: "w0", status: "delivered", timestamp: 1, recipientId: "15550001"))
        #expect(next(history, settings: settings) == .send(step: 1, attempt: 1))
    }

    @Test func completionWaitsForDeliveredStatusesUpToTheConfirmationWait() {
        var settings = Self.settings
        settings.confirmationWait = .seconds(5)
        var history = History()
        history.add(Self.started())
        for step in 0..<3 {
            history.add(
                DeliveryAttemptStarted(deliveryId: "d1", step: step, attempt: 1, callbackData: "cu1;d=d1;s=\(step);a=1")
            )
            history.add(DeliveryStepSent(deliveryId: "d1", step: step, wamid: "w\(step)"))
        }
        #expect(next(history, settings: settings) == .wait(until: history.time + 5000))
        history.add(StatusUpdated(wamid: "w0", status: "read", timestamp: 1, recipientId: "15550001"))
        history.add(StatusUpdated(wamid: "w1", status: "delivered", timestamp: 1, recipientId: "15550001"))
        #expect(next(history, settings: settings, now: history.time + 5000) == .record([.completed(unconfirmed: 1)]))
        history.add(StatusUpdated(wamid: "w2", status: "delivered", timestamp: 1, recipientId: "15550001"))
        #expect(next(history, settings: settings) == .record([.completed(unconfirmed: 0)]))
    }
}
