import Domain
import EventStore
import Foundation
import GRDB

@testable import Projections

/// A known history with chosen log times, for exact figures: three contacts, a template to two of
/// them (and a failed one), two taps on it (one redelivered by Meta), a completed delivery after a
/// retry, one that failed on a closed window, one waiting on Meta's answer, a message, an unknown
/// event and a webhook error.
struct DashboardScript {
    static let base: Int64 = 1_764_000_000_000  // 2025-11-24T16:00:00Z
    static let ana = "5511900000001"
    static let bruno = "5511900000002"
    static let carla = "5511900000003"
    static let template = "daily_content_ready_v1"
    static let payload = "unlock:2025-11-24"

    private(set) var events: [RecordedEvent] = []

    mutating func add(_ event: NewEvent, at offset: Int64) {
        events.append(
            RecordedEvent(
                position: UInt64(events.count + 1), timestamp: Self.base + offset, type: event.type,
                version: event.version, stream: event.stream, data: event.data, attachment: event.attachment))
    }

    static func seconds(_ offset: Int64) -> Int64 { (base + offset) / 1000 }

    static func known() -> DashboardScript {
        var s = DashboardScript()
        let ana = Sender(waId: Self.ana, profileName: "Ana")
        let bruno = Sender(waId: Self.bruno, profileName: "Bru_no")
        let carla = Sender(waId: Self.carla)
        let day = "2025-11-24"
        func request(_ to: String) -> NewEvent {
            TemplateSendRequested(
                recipient: to, template: template, language: "pt_BR", buttonPayload: payload, day: day
            )
            .newEvent()
        }
        s.add(request(Self.ana), at: 0)  // 1
        s.add(TemplateSent(recipient: Self.ana, template: template, wamid: "wamid.T1", day: day).newEvent(), at: 1000)
        s.add(request(Self.bruno), at: 2000)  // 3
        s.add(TemplateSent(recipient: Self.bruno, template: template, wamid: "wamid.T2", day: day).newEvent(), at: 3000)
        s.add(request(Self.carla), at: 4000)  // 5
        s.add(
            TemplateFailed(recipient: Self.carla, template: template, error: MetaError(code: 132001), day: day)
                .newEvent(), at: 5000)
        s.add(status("wamid.T1", "delivered", Self.ana, 10_000), at: 10_000)  // 7
        s.add(status("wamid.T1", "read", Self.ana, 11_000), at: 11_000)
        s.add(status("wamid.T2", "delivered", Self.bruno, 12_000), at: 12_000)  // 9
        let tap = click("wamid.C1", ana, payload, context: "wamid.T1", 60_000)
        s.add(tap, at: 60_000)  // 10
        s.add(
            DeliveryStarted(
                deliveryId: "d1", contact: Self.ana, pack: payload, steps: 2, clickWamid: "wamid.C1",
                items: [.image(.link("https://example.com/1.jpg"), caption: nil), .text("analysis")],
                contextId: "wamid.T1"
            ).newEvent(), at: 60_100)
        s.add(attempt("d1", 0, 1), at: 60_200)  // 12
        s.add(
            DeliveryStepFailed(
                deliveryId: "d1", step: 0, error: MetaError(code: 131056, title: "pair rate", message: "pair rate"),
                retryable: true, nextAttemptAt: base + 64_000
            ).newEvent(), at: 60_300)
        s.add(attempt("d1", 0, 2), at: 64_000)  // 14
        s.add(DeliveryStepSent(deliveryId: "d1", step: 0, wamid: "wamid.S1").newEvent(), at: 64_100)
        s.add(attempt("d1", 1, 1), at: 64_200)  // 16
        s.add(DeliveryStepSent(deliveryId: "d1", step: 1, wamid: "wamid.S2").newEvent(), at: 64_300)
        s.add(DeliveryCompleted(deliveryId: "d1").newEvent(), at: 65_000)  // 18
        s.add(status("wamid.S1", "read", Self.ana, 70_000), at: 70_000)
        s.add(tap, at: 71_000)  // 20: Meta's redelivery of the tap
        s.add(click("wamid.C2", bruno, payload, context: "wamid.T2", 120_000), at: 120_000)
        s.add(
            DeliveryStarted(
                deliveryId: "d2", contact: Self.bruno, pack: payload, steps: 1, clickWamid: "wamid.C2",
                contextId: "wamid.T2"
            ).newEvent(), at: 120_100)  // 22
        s.add(attempt("d2", 0, 1), at: 120_200)
        let closed = MetaError(code: 131047, title: "Re-engagement message")
        s.add(
            DeliveryStepFailed(deliveryId: "d2", step: 0, error: closed, retryable: false, nextAttemptAt: nil)
                .newEvent(), at: 120_300)  // 24
        s.add(
            DeliveryFailed(deliveryId: "d2", reason: "the 24-hour window is closed", error: closed).newEvent(),
            at: 120_400)
        s.add(
            MessageReceived(
                wamid: "wamid.M1", sender: carla, messageType: "text", timestamp: seconds(180_000),
                textPreview: "=1+1 100%_done"
            ).newEvent(), at: 180_000)  // 26
        s.add(click("wamid.C3", carla, "unlock:other", context: nil, 181_000), at: 181_000)
        s.add(
            DeliveryStarted(
                deliveryId: "d3", contact: Self.carla, pack: "unlock:other", steps: 1, clickWamid: "wamid.C3"
            ).newEvent(), at: 181_100)  // 28
        s.add(attempt("d3", 0, 1), at: 181_200)
        s.add(NewEvent(type: "future.thing", stream: "x", data: Array("{}".utf8)), at: 182_000)  // 30
        s.add(
            WebhookError(error: MetaError(code: 130429, title: "Rate limit hit"), phoneNumberId: "106540352242922")
                .newEvent(), at: 183_000)  // 31
        return s
    }

    private static func status(_ wamid: String, _ status: String, _ to: String, _ offset: Int64) -> NewEvent {
        StatusUpdated(wamid: wamid, status: status, timestamp: seconds(offset), recipientId: to).newEvent()
    }

    private static func click(_ wamid: String, _ sender: Sender, _ payload: String, context: String?, _ offset: Int64)
        -> NewEvent
    {
        ButtonClicked(
            wamid: wamid, sender: sender, kind: .templateQuickReply, payload: payload, text: "Unlock",
            contextId: context,
            timestamp: seconds(offset)
        ).newEvent()
    }

    private static func attempt(_ id: String, _ step: Int, _ attempt: Int) -> NewEvent {
        DeliveryAttemptStarted(deliveryId: id, step: step, attempt: attempt, callbackData: "\(id):\(step)").newEvent()
    }

    /// The events applied as the live projector does, in batches of `batch`.
    func live(batch: Int, _ data: TempData, settings: ProjectionSettings = ProjectionSettings()) throws
        -> DatabaseQueue
    {
        let engine = ProjectionEngine(projections: settings.projections())
        let queue = try ProjectionDatabase.openScratch(path: data.file("live-\(batch)-\(UUID().uuidString).sqlite"))
        try queue.write { db in
            _ = try engine.prepare(db)
            var start = 0
            while start < events.count {
                let chunk = Array(events[start..<min(events.count, start + batch)])
                try engine.apply(chunk, db)
                start += batch
            }
        }
        return queue
    }

    /// The events applied as a rebuild from position 1 does (every projection in memory, written once).
    func fresh(_ data: TempData, settings: ProjectionSettings = ProjectionSettings()) throws -> DatabaseQueue {
        let projections = settings.projections()
        let queue = try ProjectionDatabase.openScratch(path: data.file("fresh-\(UUID().uuidString).sqlite"))
        try queue.write { db in _ = try ProjectionEngine(projections: projections).prepare(db) }
        let build = FreshBuild(projections, limits: [:])
        build.apply(events, events.map(DomainFact.init))
        try queue.write { db in try build.write(db) }
        return queue
    }
}

/// Every dashboard answer over `db` at `now`, as JSON: two databases answer alike when these match.
func dashboardAnswers(_ db: Database, now: Int64, day: String) throws -> [String: String] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
    var answers: [String: String] = [:]
    answers["position"] = String(try Dashboard.position(db))
    answers["metrics"] = try json(Dashboard.metrics(db, from: day, to: day, zone: "UTC"))
    answers["templates"] = try json(Dashboard.templates(db, from: day, to: day, zone: "UTC"))
    answers["realtime"] = try json(Dashboard.realtime(db, now: now))
    answers["health"] = try json(Dashboard.projectionsHealth(db, now: now, sagaEnabled: true))
    answers["events"] = try json(Dashboard.recentEvents(db, limit: 1000))
    var conversations: [Conversation] = []
    var cursor: String?
    repeat {
        let page = try Dashboard.conversations(db, limit: 200, cursor: cursor)
        conversations += page.conversations
        cursor = page.nextCursor
    } while cursor != nil
    answers["conversations"] = try json(conversations)
    for conversation in conversations.prefix(20) {
        answers["conversation \(conversation.contact)"] = try json(
            Dashboard.conversation(db, contact: conversation.contact, limit: 1000))
    }
    var deliveries: [DeliverySummary] = []
    repeat {
        let page = try Dashboard.deliveries(db, filter: DeliveryFilter(), limit: 200, cursor: cursor)
        deliveries += page.deliveries
        cursor = page.nextCursor
    } while cursor != nil
    answers["deliveries"] = try json(deliveries)
    for delivery in deliveries.prefix(50) {
        answers["delivery \(delivery.id)"] = try json(Dashboard.delivery(db, id: delivery.id))
    }
    return answers
}
