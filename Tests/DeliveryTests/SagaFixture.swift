import ClickUnlockTesting
import Clocks
import Delivery
import Domain
import EventStore
import Foundation
import Logging
import Synchronization

/// The Graph API as a script: each send takes the next answer (then `accepted`), and every
/// message asked for is kept. No HTTP.
final class ScriptedSender: MessageSender {
    private let state: Mutex<(answers: [SendOutcome], sent: [OutgoingMessage])>

    init(_ answers: [SendOutcome] = []) { state = Mutex((answers, [])) }

    func send(_ message: OutgoingMessage) async -> SendOutcome {
        state.withLock { state in
            state.sent.append(message)
            if state.answers.isEmpty { return .accepted(wamid: "wamid.SENT\(state.sent.count)") }
            return state.answers.removeFirst()
        }
    }

    var sent: [OutgoingMessage] { state.withLock { $0.sent } }
}

/// A saga over a log in a temporary directory, a scripted sender and a test clock whose wall
/// time starts at the real time (the log stamps its events with the real time).
struct SagaFixture {
    static let number = "15550001111"
    let directory: URL
    let log: EventLog
    let clock = TestClock<Duration>()
    let wall: WallClock
    let sender: ScriptedSender
    let saga: DeliverySaga

    init(
        answers: [SendOutcome] = [], logger: Logger? = nil, tune: (inout SagaSettings) -> Void = { _ in }
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-\(UUID().uuidString)")
        log = try EventLog.open(directory: directory.path)
        wall = clock.wall(startingAt: WallClock.system.now())
        sender = ScriptedSender(answers)
        var settings = SagaSettings(phoneNumberId: Self.number)
        tune(&settings)
        let manifest = ContentManifest(packs: [
            ContentPack(name: "daily-{date}", payload: "unlock:{date}", items: [.text("one")])
        ])
        var quiet = Logger(label: "saga-test")
        quiet.logLevel = .critical
        saga = DeliverySaga(
            log: log, sender: sender, manifest: manifest, settings: settings, logger: logger ?? quiet, clock: clock,
            wall: wall)
    }

    /// Runs the saga while `body` runs, then cancels it and closes the log.
    func running(_ body: () async throws -> Void) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            let saga = self.saga
            group.addTask { try await saga.run() }
            do {
                try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            try await group.waitForAll()
        }
        await log.close()
    }

    /// Appends a tap on today's template from `contact`, stamped with the test's wall time.
    func click(_ wamid: String, from contact: String = "15551234567") async throws {
        let click = ButtonClicked(
            wamid: wamid, sender: Sender(waId: contact, phoneNumberId: Self.number), kind: .templateQuickReply,
            payload: "unlock:2026-11-24", text: "Unlock", contextId: "tpl-\(wamid)", timestamp: wall.now() / 1000)
        _ = try await log.append(click.newEvent())
    }

    /// Waits, on the log's commits (not on time), until `count` events of `type` are in it;
    /// the last of them.
    @discardableResult
    func waitFor(_ type: EventType, count: Int = 1) async throws -> RecordedEvent {
        var found: [RecordedEvent] = []
        var iterator = log.subscribe(from: 1).makeAsyncIterator()
        while found.count < count {
            guard let batch = try await iterator.nextBatch() else { throw CancellationError() }
            found += batch.filter { $0.type == type.rawValue }
        }
        return found[count - 1]
    }

    /// Every event in the log now.
    func events() throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        var iterator = log.events(from: 1).makeAsyncIterator()
        while let event = try iterator.nextEvent() { events.append(event) }
        return events
    }

    func count(_ type: EventType) throws -> Int { try events().count { $0.type == type.rawValue } }

    /// Advances the test clock by `duration` and lets the saga react to the timers it fired.
    func advance(by duration: Duration) async {
        await clock.advance(by: duration)
        for _ in 0..<50 { await Task.yield() }
    }
}

extension TestClock<Duration> {
    /// Yields (no time passes) until something sleeps on this clock.
    func untilSomethingSleeps() async {
        while (try? await checkSuspension()) != nil { await Task.yield() }
    }
}
