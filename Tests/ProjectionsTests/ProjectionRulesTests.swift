import Domain
import EventStore
import Foundation
import GRDB
import MetaWebhook
import Projections
import Testing

@Suite struct ProjectionRulesTests {
    @Test func aTapRedeliveredByMetaCountsOnce() async throws {
        let click = webhookEvents(try fixture("template_button_click.json"))
        let (_, db) = try await project([click, click, click])
        #expect(try metric(db, "button_clicks") == 1)
        #expect(try metric(db, "unique_clickers") == 1)
        let payload = try #require(
            ButtonClicked(
                RecordedEvent(
                    position: 0, timestamp: 0, type: click[1].type, version: 1, stream: "", data: click[1].data,
                    attachment: [])))
        #expect(try metric(db, "button_clicks", dimension: payload.payload) == 1)
        let inbound = try read(db) {
            try Int.fetchOne(
                $0, sql: "SELECT inbound_count FROM conversations WHERE contact = ?",
                arguments: [payload.sender.contactKey])
        }
        #expect(inbound == 1)
        let rows = try read(db) {
            try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM conversation_messages WHERE direction = 'in'")
        }
        #expect(rows == 1)
        // The activity feed still shows every event, repeats included.
        #expect(try read(db) { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM recent_events") } == 6)
    }

    @Test func everyItemOfABatchedWebhookCounts() async throws {
        let body = try fixture("batch_mixed.json")
        let parsed = WebhookParser.parse(body)
        let clicks = Set(parsed.facts.filter { $0.type == "button.clicked" }.map(\.data)).count
        let (_, db) = try await project([webhookEvents(body)])
        let distinctClicks = Set(
            parsed.facts.compactMap { fact -> String? in
                guard fact.type == "button.clicked" else { return nil }
                return ButtonClicked(
                    RecordedEvent(
                        position: 0, timestamp: 0, type: fact.type, version: 1, stream: "", data: fact.data,
                        attachment: []))?.wamid
            }
        ).count
        #expect(clicks >= 1)
        #expect(try metric(db, "button_clicks") == distinctClicks)
        #expect(try metric(db, "messages_received") == parsed.facts.filter { $0.type == "message.received" }.count)
        let statuses = parsed.facts.filter { $0.type == "status.updated" }.count
        #expect(statuses > 0)
        #expect(
            try read(db) {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM conversation_messages WHERE direction = 'out'")
            } ?? 0 > 0)
    }

    /// An outbound message whose statuses arrive read, then delivered, then sent.
    @Test func aStatusNeverMovesBackwardsAndReadImpliesDelivered() async throws {
        let sent = TemplateSent(
            recipient: "919800000001", template: "daily_content_ready_v1", wamid: "wamid.OUT0001", day: "2026-11-24")
        let (_, db) = try await project([
            [sent.newEvent()],
            webhookEvents(try fixture("status_read.json")),
            webhookEvents(try fixture("status_delivered.json")),
            webhookEvents(try fixture("status_sent.json")),
        ])
        let row = try #require(
            try read(db) {
                try Row.fetchOne(
                    $0,
                    sql: "SELECT status, delivered_at, read_at FROM conversation_messages WHERE wamid = 'wamid.OUT0001'"
                )
            })
        #expect(row["status"] as String == "read")
        #expect(row["delivered_at"] as Int64? != nil)
        #expect(row["read_at"] as Int64? != nil)
        #expect(try metric(db, "templates_delivered") == 1)
        #expect(try metric(db, "templates_read") == 1)
    }

    @Test func readWithoutDeliveredCountsAsDelivered() async throws {
        let step = DeliveryStepSent(deliveryId: "d1", step: 0, wamid: "wamid.OUT0001")
        let (_, db) = try await project([[step.newEvent()], webhookEvents(try fixture("status_read.json"))])
        #expect(try metric(db, "messages_sent") == 1)
        #expect(try metric(db, "messages_delivered") == 1)
        #expect(try metric(db, "messages_read") == 1)
    }

    @Test func failedIsTerminal() async throws {
        let step = DeliveryStepSent(deliveryId: "d1", step: 1, wamid: "wamid.OUT0002")
        let late = StatusUpdated(
            wamid: "wamid.OUT0002", status: "read", timestamp: 1_764_000_100, recipientId: "919800000001")
        let (_, db) = try await project([
            [step.newEvent()], webhookEvents(try fixture("status_failed_131047.json")), [late.newEvent()],
        ])
        let row = try #require(
            try read(db) {
                try Row.fetchOne(
                    $0, sql: "SELECT status, error_code FROM conversation_messages WHERE wamid = 'wamid.OUT0002'")
            })
        #expect(row["status"] as String == "failed")
        #expect(row["error_code"] as Int? == 131047)
        #expect(try metric(db, "messages_failed") == 1)
        #expect(try metric(db, "messages_read") == 0)
        #expect(try metric(db, "error_code:131047") == 1)
    }

    @Test func oddMessagesAreMessagesAndErrorsAreCounted() async throws {
        let (_, db) = try await project([
            webhookEvents(try fixture("interactive_without_object.json")),
            webhookEvents(try fixture("template_button_click_without_context.json")),
            webhookEvents(try fixture("unsupported.json")),
            webhookEvents(try fixture("value_errors.json")),
            webhookEvents(try fixture("account_update.json")),
        ])
        #expect(try metric(db, "button_clicks") == 1)
        #expect(try metric(db, "messages_received") == 2)
        #expect(try metric(db, "error_code:130429") == 1)
        let types = try read(db) {
            try String.fetchAll(
                $0, sql: "SELECT type FROM conversation_messages WHERE direction = 'in' ORDER BY position")
        }
        #expect(types == ["interactive", "button", "unsupported"])
    }

    @Test func unknownAndUndecodableEventsAreSkippedAndCounted() async throws {
        let (_, db) = try await project([
            [NewEvent(type: "future.thing", stream: "x", data: Array("{}".utf8))],
            [NewEvent(type: "button.clicked", stream: "x", data: Array("{broken".utf8))],
            webhookEvents(try fixture("text.json")),
        ])
        let states = try read(db) { try ProjectionState.all($0) }
        for projection in allProjections {
            #expect(states[projection.name]?.skipped == 2, "\(projection.name)")
            #expect(states[projection.name]?.checkpoint == 4)
        }
        let summaries = try read(db) {
            try String.fetchAll($0, sql: "SELECT summary FROM recent_events ORDER BY position")
        }
        #expect(summaries[0].contains("unknown type future.thing"))
        #expect(summaries[1].contains("does not decode"))
    }

    @Test func aDeliveryIsFollowedFromTapToCompletion() async throws {
        let click = webhookEvents(try fixture("template_button_click.json"))
        let tap = try #require(
            ButtonClicked(
                RecordedEvent(
                    position: 0, timestamp: 0, type: click[1].type, version: 1, stream: "", data: click[1].data,
                    attachment: [])))
        let id = "d-1"
        var appends: [[NewEvent]] = [
            click,
            [
                DeliveryStarted(
                    deliveryId: id, contact: tap.sender.contactKey, pack: tap.payload, steps: 2, clickWamid: tap.wamid
                ).newEvent()
            ],
        ]
        appends.append([DeliveryAttemptStarted(deliveryId: id, step: 0, attempt: 1, callbackData: "d-1:0").newEvent()])
        appends.append([
            DeliveryStepFailed(
                deliveryId: id, step: 0, error: MetaError(code: 131056, message: "pair rate"), retryable: true,
                nextAttemptAt: 5
            ).newEvent()
        ])
        appends.append([DeliveryAttemptStarted(deliveryId: id, step: 0, attempt: 2, callbackData: "d-1:0").newEvent()])
        appends.append([DeliveryStepSent(deliveryId: id, step: 0, wamid: "wamid.S0").newEvent()])
        appends.append([DeliveryAttemptStarted(deliveryId: id, step: 1, attempt: 1, callbackData: "d-1:1").newEvent()])
        appends.append([
            DeliveryStepSent(deliveryId: id, step: 1, wamid: "wamid.S1").newEvent(),
            DeliveryCompleted(deliveryId: id).newEvent(),
        ])
        let (_, db) = try await project(appends)
        let row = try #require(
            try read(db) { try Row.fetchOne($0, sql: "SELECT * FROM deliveries WHERE delivery_id = 'd-1'") })
        #expect(row["state"] as String == "completed")
        #expect(row["steps_done"] as Int == 2)
        #expect(row["attempts"] as Int == 3)
        #expect(row["last_error_code"] as Int? == 131056)
        #expect(row["completed_at"] as Int64? != nil)
        #expect(try metric(db, "deliveries_started") == 1)
        #expect(try metric(db, "deliveries_completed", dimension: tap.payload) == 1)
        #expect(try metric(db, "messages_sent") == 2)
        #expect(
            try read(db) {
                try Int.fetchOne(
                    $0,
                    sql: "SELECT SUM(count) FROM metrics_latency WHERE zone = 'UTC' AND dimension = '' AND level = 2")
            } == 1)
        let conversation = try #require(
            try read(db) {
                try Row.fetchOne(
                    $0, sql: "SELECT * FROM conversations WHERE contact = ?", arguments: [tap.sender.contactKey])
            })
        #expect(conversation["latest_delivery_state"] as String == "completed")
        #expect(conversation["outbound_count"] as Int == 2)
        #expect(conversation["window_open_until"] as Int64 == tap.timestamp * 1000 + 24 * 3600 * 1000)
        let minutes = try read(db) { try Row.fetchAll($0, sql: "SELECT * FROM realtime_minutes") }
        #expect(minutes.reduce(0) { $0 + ($1["deliveries_completed"] as Int) } == 1)
        #expect(minutes.reduce(0) { $0 + ($1["latency_count"] as Int) } == 1)
    }

    @Test func recentEventsKeepsTheLastN() async throws {
        var settings = ProjectionSettings()
        settings.recentEventsLimit = 10
        let data = TempData()
        let log = try EventLog.open(directory: data.log)
        for index in 0..<35 {
            try await log.append(NewEvent(type: "future.x", stream: "s\(index)", data: Array("{}".utf8)))
        }
        await log.close()
        let queue = try ProjectionDatabase.openScratch(path: data.file("p.sqlite"))
        var rebuilder = Rebuilder(logDirectory: data.log, engine: ProjectionEngine(projections: settings.projections()))
        rebuilder.batchEvents = 7
        try rebuilder.build(into: queue)
        #expect(
            try read(queue) { try Int64.fetchAll($0, sql: "SELECT position FROM recent_events ORDER BY position") }
                == Array(26...35))
    }

    @Test func metricsAlsoCountInTheReportingTimeZone() async throws {
        var settings = ProjectionSettings()
        settings.reportingTimeZone = "America/Sao_Paulo"
        let data = TempData()
        let log = try EventLog.open(directory: data.log)
        try await log.append(webhookEvents(try fixture("template_button_click.json")))
        await log.close()
        let queue = try ProjectionDatabase.openScratch(path: data.file("p.sqlite"))
        try Rebuilder(logDirectory: data.log, engine: ProjectionEngine(projections: settings.projections())).build(
            into: queue)
        #expect(try metric(queue, "button_clicks", zone: "America/Sao_Paulo") == 1)
        #expect(try metric(queue, "button_clicks", zone: "UTC") == 1)
    }
}
