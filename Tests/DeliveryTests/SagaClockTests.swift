import ClickUnlockTesting
import Clocks
import Delivery
import Domain
import EventStore
import Testing

/// Retries, reconciliation and confirmation waits, driven by advancing a test clock: the saga
/// acts exactly when the clock reaches the time it recorded, and not a millisecond before.
@Suite(.timeLimit(.minutes(1))) struct SagaClockTests {
    static let retryable = SendOutcome.rejected(MetaError(code: 131000, title: "Something went wrong"), httpStatus: 500)

    @Test func aRetryableErrorIsRetriedWhenTheClockReachesItsBackoff() async throws {
        let fixture = try SagaFixture(answers: [Self.retryable]) { $0.messagesPerSecond = 0 }
        try await fixture.running {
            try await fixture.click("wamid.C1")
            let failed = try await fixture.waitFor(.deliveryStepFailed)
            let retryAt = try #require(DomainCoding.decode(DeliveryStepFailed.self, failed.data)?.nextAttemptAt)
            await fixture.clock.untilSomethingSleeps()
            await fixture.advance(by: .milliseconds(retryAt - fixture.wall.now() - 1))
            #expect(fixture.sender.sent.count == 1, "no second attempt before the backoff has passed")
            #expect(try fixture.count(.deliveryAttemptStarted) == 1)
            await fixture.advance(by: .milliseconds(1))
            try await fixture.waitFor(.deliveryStepSent)
            #expect(fixture.sender.sent.count == 2)
            #expect(try fixture.count(.deliveryAttemptStarted) == 2)
        }
    }

    @Test func theBackoffGrowsWithEachAttempt() async throws {
        let fixture = try SagaFixture(answers: [Self.retryable, Self.retryable, Self.retryable]) {
            $0.messagesPerSecond = 0
            $0.backoffBase = .seconds(1)
        }
        try await fixture.running {
            try await fixture.click("wamid.C2")
            var waits: [Int64] = []
            for attempt in 1...3 {
                let failed = try await fixture.waitFor(.deliveryStepFailed, count: attempt)
                let retryAt = try #require(DomainCoding.decode(DeliveryStepFailed.self, failed.data)?.nextAttemptAt)
                let wait = retryAt - fixture.wall.now()
                waits.append(wait)
                // Full jitter, at least a tenth of the ceiling: base × 2^(attempt - 1).
                let ceiling = Int64(1000) << Int64(attempt - 1)
                #expect(wait >= ceiling / 10 && wait <= ceiling, "attempt \(attempt) waits \(wait) ms")
                await fixture.clock.untilSomethingSleeps()
                await fixture.advance(by: .milliseconds(wait))
            }
            try await fixture.waitFor(.deliveryStepSent)
            #expect(fixture.sender.sent.count == 4)
        }
    }

    @Test func anAttemptLeftInFlightIsResentAfterTheReconcileWait() async throws {
        let fixture = try SagaFixture { $0.messagesPerSecond = 0 }
        let id = ClickDecider.deliveryId(forClick: "wamid.C3")
        // A previous run started attempt 1 and stopped before recording its outcome.
        try await fixture.click("wamid.C3")
        _ = try await fixture.log.append([
            DeliveryStarted(
                deliveryId: id, contact: "15551234567", pack: "daily-2026-11-24", steps: 1, clickWamid: "wamid.C3",
                items: [.text("one")], phoneNumberId: nil, contextId: "tpl-wamid.C3"
            ).newEvent(),
            DeliveryAttemptStarted(
                deliveryId: id, step: 0, attempt: 1,
                callbackData: CallbackData(deliveryId: id, step: 0, attempt: 1).text
            ).newEvent(),
        ])
        let since = try #require(try fixture.events().last?.timestamp)
        try await fixture.running {
            await fixture.clock.untilSomethingSleeps()
            let wait = SagaSettings(phoneNumberId: SagaFixture.number).reconcileWait.inMilliseconds
            await fixture.advance(by: .milliseconds(since + wait - fixture.wall.now() - 1))
            #expect(fixture.sender.sent.isEmpty, "not resent while status webhooks may still prove it")
            await fixture.advance(by: .milliseconds(1))
            try await fixture.waitFor(.deliveryStepSent)
            #expect(fixture.sender.sent.count == 1)
            #expect(try fixture.count(.deliveryAttemptStarted) == 2)
        }
    }

    @Test func aDeliveryCompletesUnconfirmedWhenTheConfirmationWaitRunsOut() async throws {
        let fixture = try SagaFixture { $0.messagesPerSecond = 0 }
        try await fixture.running {
            try await fixture.click("wamid.C4")
            let sent = try await fixture.waitFor(.deliveryStepSent)
            await fixture.clock.untilSomethingSleeps()
            let wait = SagaSettings(phoneNumberId: SagaFixture.number).confirmationWait.inMilliseconds
            await fixture.advance(by: .milliseconds(sent.timestamp + wait - fixture.wall.now() - 1))
            #expect(try fixture.count(.deliveryCompleted) == 0, "still waiting for the delivered status")
            await fixture.advance(by: .milliseconds(1))
            let completed = try await fixture.waitFor(.deliveryCompleted)
            #expect(DomainCoding.decode(DeliveryCompleted.self, completed.data)?.unconfirmedSteps == 1)
        }
    }
}
