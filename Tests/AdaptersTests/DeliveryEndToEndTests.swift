import Adapters
import Delivery
import Domain
import EventStore
import Foundation
import GRDB
import Projections
import Testing

/// Clicks in, content out: the listener, the log, the saga, the client and the simulator, all
/// over loopback.
@Suite(.serialized) struct DeliveryEndToEndTests {
    @Test func aSignedClickDeliversSixMessagesInPackOrderAndTheProjectionsShowIt() async throws {
        let harness = try await DeliveryHarness()
        harness.startSaga()
        #expect(
            try await harness.post(
                DeliveryHarness.click(wamid: "wamid.CLICK1", from: "15551230001", context: "wamid.TPL1")) == 200)
        let events = try await harness.waitUntil { count($0, .deliveryCompleted) == 1 }
        let messages = await harness.simulator.messages(to: "15551230001")
        await harness.stop()

        #expect(count(events, .deliveryCompleted) == 1)
        let pack = try #require(try ManifestLoader.parse(DefaultManifest.yaml).resolve(payload: "unlock:2026-11-24"))
        #expect(messages.map(\.type) == ["image", "text", "image", "text", "image", "text"])
        let expected = pack.items.map { item -> String in
            switch item {
            case .text(let body): return body
            case .image(.link(let link), _): return link
            case .image(.mediaId(let id), _): return id
            }
        }
        #expect(messages.map { $0.content ?? "" } == expected)
        #expect(messages.map { CallbackData($0.bizOpaqueCallbackData ?? "")?.step } == Array(0..<6))
        // Each attempt was durable before its call: attempt_started precedes its step_sent.
        let attempts = events.filter { $0.type == EventType.deliveryAttemptStarted.rawValue }.map(\.position)
        let sent = events.filter { $0.type == EventType.deliveryStepSent.rawValue }.map(\.position)
        #expect(attempts.count == 6 && sent.count == 6)
        #expect(zip(attempts, sent).allSatisfy { $0 < $1 })

        // The projections, rebuilt from this log, show the delivery completed.
        let row = try Self.project(events, "SELECT state, steps_done, contact FROM deliveries")
        #expect(row?["state"] == "completed")
        #expect(row?["steps_done"] == 6)
        #expect(row?["contact"] == "15551230001")
    }

    /// Applies `events` to fresh projections; the first row of `query`.
    static func project(_ events: [RecordedEvent], _ query: String) throws -> Row? {
        let temp = TempLog()
        try FileManager.default.createDirectory(atPath: temp.path, withIntermediateDirectories: true)
        let database = try ProjectionDatabase.openScratch(path: temp.path + "/projections.sqlite")
        let engine = ProjectionEngine(projections: ProjectionSettings().projections())
        _ = try database.write { db in try engine.prepare(db) }
        try database.write { db in try engine.apply(events, db) }
        return try database.read { db in try Row.fetchOne(db, sql: query) }
    }

    @Test func duplicateAndRepeatedClicksStartNoSecondDelivery() async throws {
        let harness = try await DeliveryHarness()
        harness.startSaga()
        let click = DeliveryHarness.click(wamid: "wamid.C1", from: "15551230002", context: "wamid.TPL2")
        #expect(try await harness.post(click) == 200)
        #expect(try await harness.post(click) == 200)  // Meta redelivers
        #expect(
            try await harness.post(DeliveryHarness.click(wamid: "wamid.C2", from: "15551230002", context: "wamid.TPL2"))
                == 200)
        #expect(
            try await harness.post(DeliveryHarness.click(wamid: "wamid.C3", from: "15551230002", context: "wamid.TPL3"))
                == 200)
        let events = try await harness.waitUntil {
            count($0, .deliveryCompleted) == 1 && count($0, .deliverySkipped) == 2
        }
        try await Task.sleep(for: .milliseconds(300))
        let messages = await harness.simulator.messages(to: "15551230002")
        await harness.stop()
        #expect(count(events, .buttonClicked) == 3)
        #expect(count(events, .deliveryStarted) == 1)
        let reasons = events.compactMap(DeliverySkipped.init).map(\.reason)
        #expect(reasons == [.repeatedClick, .alreadyDelivered])
        #expect(messages.count == 6)
    }

    @Test func permanentErrorsFailTheDeliveryWithAReasonAndNothingIsResent() async throws {
        let harness = try await DeliveryHarness(simulator: { sim in
            sim.faults.recipientErrors = ["15550000001": 131047, "15550000002": 131026, "15550000003": 190]
            sim.faults.recipientAsyncErrors = ["15550000004": 131047]
        })
        harness.startSaga()
        for contact in 1...4 {
            let body = DeliveryHarness.click(
                wamid: "wamid.P\(contact)", from: "1555000000\(contact)", context: "wamid.PT\(contact)")
            #expect(try await harness.post(body) == 200)
        }
        let events = try await harness.waitUntil { count($0, .deliveryFailed) == 4 }
        try await Task.sleep(for: .milliseconds(300))
        var requests: [Int] = []
        for contact in 1...3 { requests.append(await harness.simulator.requestCount(to: "1555000000\(contact)")) }
        let asyncFailed = await harness.simulator.messages(to: "15550000004")
        let finalEvents = try harness.events()
        await harness.stop()

        let failures = events.compactMap(DeliveryFailed.init)
        #expect(failures.count == 4)
        let byCode = Dictionary(
            failures.map { ($0.error?.code ?? 0, $0.reason) }, uniquingKeysWith: { first, _ in first })
        #expect(byCode[131047]?.contains("24-hour window") == true)
        #expect(byCode[131026]?.contains("undeliverable") == true)
        #expect(byCode[190]?.contains("access token") == true)
        // Synchronous refusals: one request each, never resent.
        #expect(requests == [1, 1, 1])
        // The asynchronous 131047: each step sent once at most, none again after the failure.
        #expect(SimulatedMessage.sendsPerStep(asyncFailed).values.allSatisfy { $0 == 1 })
        #expect(count(finalEvents, .deliveryCompleted) == 0)
        #expect(
            finalEvents.compactMap(DeliveryStepFailed.init).contains {
                $0.fromStatus == true && $0.error.code == 131047
            })
    }

    @Test func underInjectedFaults200ClicksAllCompleteWithoutResendingARecordedStep() async throws {
        let harness = try await DeliveryHarness(
            simulator: { sim in
                sim.seed = 20_261_124
                sim.faults.serverErrorRate = 0.05
                sim.faults.errorRates = [131000: 0.05, 131056: 0.02]
                sim.faults.schedules = [.init(code: 130429, periodMs: 1000, activeMs: 80)]
                sim.faults.timeoutAfterAcceptRate = 0.01
                sim.faults.timeoutRate = 0.01
                sim.faults.resetAfterAcceptRate = 0.02
                sim.faults.resetRate = 0.02
                sim.faults.hangMs = 1500
            },
            saga: { saga in
                saga.pairPacingBase = .milliseconds(100)
                saga.maxAttempts = 12
                // Room for status webhooks on a busy machine (the tests run in parallel).
                saga.reconcileWait = .seconds(3)
            },
            clientTimeout: .milliseconds(700))
        harness.startSaga()
        try await withThrowingTaskGroup(of: UInt.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await harness.post(
                        DeliveryHarness.click(
                            wamid: "wamid.F\(index)", from: "1555200\(1000 + index)", context: "wamid.FT\(index)"))
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        let events = try await harness.waitUntil(seconds: 120) {
            count($0, .deliveryCompleted) + count($0, .deliveryFailed) >= 200
        }
        try await Task.sleep(for: .milliseconds(500))
        let messages = await harness.simulator.messages()
        await harness.stop()

        #expect(
            count(events, .deliveryCompleted) == 200,
            "failed: \(events.compactMap(DeliveryFailed.init).map(\.reason).prefix(3))")
        let failures = events.compactMap(DeliveryStepFailed.init)
        let codes = Set(failures.map(\.error.code))
        #expect(codes.isSuperset(of: [131000, 131056, 130429]), "faults not exercised: \(codes)")
        #expect(failures.contains { $0.outcomeUnknown == true }, "no ambiguous outcome was exercised")
        let reconciled = events.compactMap(DeliveryStepSent.init).filter { $0.reconciled == true }
        #expect(!reconciled.isEmpty, "no attempt was reconciled from status webhooks")
        // A step reached the simulator twice only when an attempt's outcome was unknown and no
        // status proved it within the reconcile wait; never one whose outcome was recorded.
        let sends = SimulatedMessage.sendsPerStep(messages)
        let audit = DeliveryAudit(events)
        #expect(sends.count == 1200)
        let twice = sends.filter { $0.value > 1 }.keys
        #expect(
            twice.allSatisfy(audit.ambiguousSteps.contains),
            "sent twice though recorded: \(twice.filter { !audit.ambiguousSteps.contains($0) }.prefix(5))")
        // Most ambiguous steps were settled by their status webhooks, not by sending again.
        #expect(
            twice.count * 2 < audit.ambiguousSteps.count,
            "\(twice.count) of \(audit.ambiguousSteps.count) ambiguous steps were resent")
    }
}

@Suite struct DeliveryConcurrencyTests {
    @Test func aPacedContactDoesNotHoldUpTheOthers() async throws {
        let slow = "15556000000"
        let harness = try await DeliveryHarness(
            simulator: { sim in sim.faults.recipientErrors = [slow: 131056] },
            // Far longer than the others take on any machine: the paced retry never comes within the test.
            saga: { saga in saga.pairPacingBase = .seconds(600) })
        harness.startSaga()
        #expect(
            try await harness.post(DeliveryHarness.click(wamid: "wamid.SLOW", from: slow, context: "wamid.ST")) == 200)
        try await withThrowingTaskGroup(of: UInt.self) { group in
            for index in 1...50 {
                group.addTask {
                    try await harness.post(
                        DeliveryHarness.click(
                            wamid: "wamid.Q\(index)", from: "155560\(10000 + index)", context: "wamid.QT\(index)"))
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        // Seconds alone; the deadline leaves room for the fuzz tests beside it on two cores.
        let events = try await harness.waitUntil(seconds: 90) { count($0, .deliveryCompleted) == 50 }
        await harness.stop()
        #expect(count(events, .deliveryCompleted) == 50)
        // The paced one waits 600 s for its next attempt, and nobody waited with it.
        let paced = events.compactMap(DeliveryStepFailed.init).filter { $0.error.code == 131056 }
        #expect(paced.count == 1)
        #expect((paced.first?.nextAttemptAt ?? 0) > (events.last?.timestamp ?? 0))
    }

    @Test func theTokenBucketSpacesSendsAtItsRate() async {
        let bucket = TokenBucket(rate: 100, burst: 1)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<21 { await bucket.acquire() }
        // 1 immediate + 20 spaced 10 ms apart: at least 200 ms, however slow the machine.
        #expect(clock.now - start >= .milliseconds(195))
    }
}
