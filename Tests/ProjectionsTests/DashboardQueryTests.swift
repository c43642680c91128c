import Domain
import EventStore
import Foundation
import GRDB
import Testing

@testable import Projections

@Suite struct DashboardQueryTests {
    typealias S = DashboardScript
    static let day = "2025-11-24"
    static let now = S.base + 183_500

    func time(_ offset: Int64) -> String { LogTime.rfc3339(milliseconds: S.base + offset) }

    /// The known history applied in one batch, event by event, and as a rebuild does.
    func databases(_ data: TempData) throws -> [DatabaseQueue] {
        let script = S.known()
        return [try script.live(batch: 1000, data), try script.live(batch: 1, data), try script.fresh(data)]
    }

    @Test func liveBatchesAndAFreshBuildGiveTheSameAnswers() throws {
        let data = TempData()
        let answers = try databases(data).map { queue in
            try read(queue) { try dashboardAnswers($0, now: Self.now, day: Self.day) }
        }
        #expect(answers[0].count > 10)
        for other in answers.dropFirst() {
            for (key, value) in answers[0] { #expect(other[key] == value, "\(key)") }
        }
    }

    @Test func metricsOfTheDay() throws {
        let data = TempData()
        for queue in try databases(data) {
            let answer = try read(queue) { try Dashboard.metrics($0, from: Self.day, to: Self.day, zone: "UTC") }
            #expect(answer.days.count == 1)
            #expect(answer.totals.day == nil)
            let day = answer.days[0]
            #expect(day.day == Self.day)
            #expect(day.buttonClicks == 3)
            #expect(day.uniqueClickers == 3)
            #expect(
                day.byPayload == [
                    PayloadClicks(payload: S.payload, clicks: 2, uniqueClickers: 2),
                    PayloadClicks(payload: "unlock:other", clicks: 1, uniqueClickers: 1),
                ])
            #expect(
                day.deliveries
                    == DeliveryFigures(started: 3, completed: 1, failed: 1, inFlight: 1, successRate: 0.5))
            #expect(day.latencyMs == LatencyFigures(p50: 5000, p95: 5000, count: 1))
            #expect(day.messages == MessageFigures(sent: 2, delivered: 1, read: 1, failed: 0))
            #expect(day.templates == TemplateFigures(sent: 3, accepted: 2, delivered: 2, read: 1, failed: 1))
            // d2's 131047 once: the delivery's final error repeats its step's (DomainFact.reportedErrors).
            #expect(day.errors.map(\.code) == [130429, 131047, 131056, 132001])
            #expect(day.errors.map(\.count) == [1, 1, 1, 1])
            #expect(day.errors[1].meaning == MetaErrorCode.meaning(131047))
            var totals = answer.totals
            totals.day = Self.day
            #expect(totals == day)
        }
    }

    @Test func aRangeCountsEachClickerOnceAndFillsEmptyDays() throws {
        let data = TempData()
        let queue = try S.known().live(batch: 7, data)
        let answer = try read(queue) { try Dashboard.metrics($0, from: "2025-11-23", to: "2025-11-25", zone: "UTC") }
        #expect(answer.days.map(\.day) == ["2025-11-23", "2025-11-24", "2025-11-25"])
        #expect(answer.days[0].buttonClicks == 0)
        #expect(answer.days[0].deliveries.successRate == nil)
        #expect(answer.days[0].latencyMs == LatencyFigures(p50: nil, p95: nil, count: 0))
        #expect(answer.totals.buttonClicks == 3)
        #expect(answer.totals.uniqueClickers == 3)
        #expect(answer.totals.latencyMs.count == 1)
        #expect(answer.totals.byPayload.map(\.uniqueClickers) == [2, 1])
        let json = String(decoding: try JSONEncoder().encode(answer.days[0]), as: UTF8.self)
        #expect(json.contains("\"success_rate\":null"))
        #expect(json.contains("\"p50\":null"))
        for (from, to, parameter) in [
            ("2025-11-25", "2025-11-24", "to"), ("2025-01-01", "2025-12-31", "to"),
            ("2025-02-30", "2025-03-01", "from"),
            ("yesterday", "2025-03-01", "from"),
        ] {
            #expect(throws: DashboardQueryError.self) {
                try read(queue) { try Dashboard.metrics($0, from: from, to: to, zone: "UTC") }
            }
            do {
                _ = try read(queue) { try Dashboard.metrics($0, from: from, to: to, zone: "UTC") }
            } catch let error as DashboardQueryError {
                #expect(error.parameter == parameter, "\(from)…\(to)")
            }
        }
    }

    @Test func latencyPercentilesAreExactAcrossTheHistogramsLevels() throws {
        let data = TempData()
        var script = DashboardScript()
        // 200 deliveries whose latencies spread over many octaves, with repeats.
        var latencies: [Int64] = []
        for index in 0..<200 {
            let latency = Int64((index * index * 37) % 90_000 + index % 3)
            latencies.append(latency)
            let click = Int64(index) * 1_000
            let sender = Sender(waId: "55\(index)")
            script.add(
                ButtonClicked(
                    wamid: "c\(index)", sender: sender, kind: .templateQuickReply, payload: "p", text: nil,
                    contextId: nil, timestamp: 0
                ).newEvent(), at: click)
            script.add(
                DeliveryStarted(
                    deliveryId: "d\(index)", contact: "55\(index)", pack: "p", steps: 1, clickWamid: "c\(index)"
                )
                .newEvent(), at: click)
            script.add(DeliveryCompleted(deliveryId: "d\(index)").newEvent(), at: click + latency)
        }
        // The events must be in time order within the log; the latencies are what the rows keep.
        let sorted = latencies.sorted()
        func nearestRank(_ p: Int) -> Int { Int(sorted[max(1, (p * sorted.count + 99) / 100) - 1]) }
        for queue in [try script.live(batch: 50, data), try script.fresh(data)] {
            let figures = try read(queue) { try Dashboard.metrics($0, from: Self.day, to: Self.day, zone: "UTC") }
            #expect(figures.days[0].latencyMs == LatencyFigures(p50: nearestRank(50), p95: nearestRank(95), count: 200))
        }
    }

    @Test func conversationsByLastActivityWithCursorsAndSearch() throws {
        let data = TempData()
        let queue = try S.known().live(batch: 5, data)
        try read(queue) { db in
            let all = try Dashboard.conversations(db, limit: 50)
            #expect(all.conversations.map(\.contact) == [S.carla, S.bruno, S.ana])
            #expect(all.nextCursor == nil)
            let ana = try #require(all.conversations.last)
            #expect(ana.name == "Ana")
            #expect(ana.firstSeen == time(1000))
            #expect(ana.lastActivity == time(64_300))
            #expect(ana.inboundCount == 1)
            #expect(ana.outboundCount == 3)
            #expect(ana.windowOpenUntil == time(60_000 + 24 * 3_600_000))
            #expect(
                ana.lastMessage
                    == Conversation.LastMessage(
                        direction: "out", type: "content", preview: "step 2 of delivery d1", time: time(64_300),
                        status: nil))
            #expect(ana.lastDelivery == Conversation.DeliveryReference(id: "d1", state: "completed"))
            // Pages of one: every contact exactly once, in order.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try Dashboard.conversations(db, limit: 1, cursor: cursor)
                seen += page.conversations.map(\.contact)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == [S.carla, S.bruno, S.ana])
            // Search: wildcards are literal, letters in any case.
            func search(_ q: String) throws -> [String] {
                try Dashboard.conversations(db, limit: 50, query: q).conversations.map(\.contact)
            }
            #expect(try search("aNa") == [S.ana])
            #expect(try search("u_n") == [S.bruno])
            #expect(try search("_") == [S.bruno])
            #expect(try search("%") == [])
            #expect(try search("\\") == [])
            #expect(try search("55119000000") == [S.carla, S.bruno, S.ana])
            #expect(try search("") == [S.carla, S.bruno, S.ana])
            #expect(throws: DashboardQueryError.self) { try search(String(repeating: "a", count: 101)) }
        }
    }

    @Test func aConversationsHistoryNewestFirstWithItsDeliveries() throws {
        let data = TempData()
        let queue = try S.known().live(batch: 3, data)
        try read(queue) { db in
            #expect(try Dashboard.conversation(db, contact: "5500000000000", limit: 10) == nil)
            let detail = try #require(try Dashboard.conversation(db, contact: S.ana, limit: 200))
            #expect(detail.conversation.contact == S.ana)
            #expect(detail.messages.map(\.wamid) == ["wamid.S2", "wamid.S1", "wamid.C1", "wamid.T1"])
            let first = detail.messages[1]
            #expect(first.status == "read")
            #expect(first.deliveredAt == time(70_000))
            #expect(first.readAt == time(70_000))
            #expect(detail.messages[3].type == "template")
            #expect(detail.messages[2].direction == "in")
            #expect(detail.deliveries.map(\.id) == ["d1"])
            #expect(detail.nextCursor == nil)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try #require(try Dashboard.conversation(db, contact: S.ana, limit: 3, cursor: cursor))
                seen += page.messages.map(\.wamid)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == detail.messages.map(\.wamid))
            // A cursor of another contact's history is not this one's.
            let page = try #require(try Dashboard.conversation(db, contact: S.ana, limit: 1))
            let foreign = try #require(page.nextCursor)
            #expect(throws: DashboardQueryError.badCursor) {
                try Dashboard.conversation(db, contact: S.bruno, limit: 1, cursor: foreign)
            }
        }
    }

    @Test func forgedCursorsAreRefused() throws {
        let data = TempData()
        let queue = try S.known().live(batch: 1000, data)
        try read(queue) { db in
            let page = try Dashboard.conversations(db, limit: 1)
            let cursor = try #require(page.nextCursor)
            var flipped = Array(cursor)
            flipped[flipped.count / 2] = flipped[flipped.count / 2] == "A" ? "B" : "A"
            let deliveriesCursor = try #require(
                try Dashboard.deliveries(db, filter: DeliveryFilter(), limit: 1).nextCursor)
            for forged in [
                "", "x", "abc!", String(flipped), cursor + "A", cursor + "=", deliveriesCursor,
                Data("conversations|9999999999999|x".utf8).base64EncodedString(), String(repeating: "A", count: 5000),
            ] {
                #expect(throws: DashboardQueryError.badCursor, "\(forged.prefix(40))") {
                    try Dashboard.conversations(db, limit: 1, cursor: forged)
                }
            }
            #expect(throws: DashboardQueryError.badCursor) {
                try Dashboard.deliveries(db, filter: DeliveryFilter(), limit: 1, cursor: cursor)
            }
            #expect(DashboardQueryError.badCursor.parameter == "cursor")
        }
    }

    @Test func deliveriesListedAndFiltered() throws {
        let data = TempData()
        let queue = try S.known().live(batch: 4, data)
        try read(queue) { db in
            func ids(_ filter: DeliveryFilter) throws -> [String] {
                try Dashboard.deliveries(db, filter: filter, limit: 50).deliveries.map(\.id)
            }
            #expect(try ids(DeliveryFilter()) == ["d3", "d2", "d1"])
            #expect(try ids(DeliveryFilter(state: "completed")) == ["d1"])
            #expect(try ids(DeliveryFilter(state: "sending")) == ["d3"])
            #expect(try ids(DeliveryFilter(contact: S.bruno)) == ["d2"])
            #expect(try ids(DeliveryFilter(state: "failed", contact: S.bruno)) == ["d2"])
            #expect(try ids(DeliveryFilter(day: Self.day)) == ["d3", "d2", "d1"])
            #expect(try ids(DeliveryFilter(day: "2025-11-25")) == [])
            // 16:00 UTC is 13:00 in São Paulo: the same day there.
            #expect(try ids(DeliveryFilter(day: Self.day, zone: "America/Sao_Paulo")) == ["d3", "d2", "d1"])
            // 16:00 UTC is 01:00 the next day in Tokyo.
            #expect(try ids(DeliveryFilter(day: "2025-11-25", zone: "Asia/Tokyo")) == ["d3", "d2", "d1"])
            #expect(throws: DashboardQueryError.self) { try ids(DeliveryFilter(state: "lost")) }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try Dashboard.deliveries(db, filter: DeliveryFilter(), limit: 2, cursor: cursor)
                seen += page.deliveries.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == ["d3", "d2", "d1"])
            let d1 = try #require(
                try Dashboard.deliveries(db, filter: DeliveryFilter(state: "completed"), limit: 1).deliveries.first)
            #expect(d1.stepsTotal == 2 && d1.stepsDone == 2 && d1.attempts == 3)
            #expect(d1.startedAt == time(60_100) && d1.completedAt == time(65_000) && d1.updatedAt == time(65_000))
            #expect(d1.lastError == .init(code: 131056, message: "pair rate", meaning: MetaErrorCode.meaning(131056)))
        }
    }

    @Test func aDeliverysStepsErrorsStatusesAndOutcome() throws {
        let data = TempData()
        for queue in try databases(data) {
            try read(queue) { db in
                #expect(try Dashboard.delivery(db, id: "nope") == nil)
                let d1 = try #require(try Dashboard.delivery(db, id: "d1"))
                #expect(d1.summary.state == "completed")
                #expect(d1.clickWamid == "wamid.C1")
                #expect(d1.latencyMs == 5000)
                #expect(d1.outcome == "completed: all 2 steps accepted by Meta")
                #expect(
                    d1.steps == [
                        DeliveryStep(
                            step: 0, kind: "image", attempts: 2, wamid: "wamid.S1", status: "read",
                            sentAt: time(64_100),
                            deliveredAt: time(70_000), readAt: time(70_000),
                            errors: [
                                .init(
                                    code: 131056, message: "pair rate", meaning: MetaErrorCode.meaning(131056),
                                    retryable: true, time: time(60_300))
                            ]),
                        DeliveryStep(
                            step: 1, kind: "text", attempts: 1, wamid: "wamid.S2", status: "sent", sentAt: time(64_300),
                            deliveredAt: nil, readAt: nil, errors: []),
                    ])
                let d2 = try #require(try Dashboard.delivery(db, id: "d2"))
                #expect(d2.outcome == "failed: the 24-hour window is closed")
                #expect(d2.latencyMs == nil)
                #expect(d2.steps.count == 1)
                #expect(d2.steps[0].status == "failed")
                #expect(d2.steps[0].kind == nil)
                #expect(d2.steps[0].errors.map(\.retryable) == [false])
                #expect(d2.summary.lastError?.code == 131047)
                let d3 = try #require(try Dashboard.delivery(db, id: "d3"))
                #expect(d3.summary.state == "sending")
                #expect(d3.outcome == "waiting for Meta's answer to step 1 of 1 (attempt 1, since \(time(181_200)))")
                #expect(d3.steps[0].status == nil)
                let json = String(decoding: try JSONEncoder().encode(d3), as: UTF8.self)
                for key in ["\"completed_at\":null", "\"latency_ms\":null", "\"wamid\":null", "\"steps_total\":1"] {
                    #expect(json.contains(key), "\(key)")
                }
            }
        }
    }

    @Test func recentEventsAsReplayPrintsThem() throws {
        let data = TempData()
        let script = S.known()
        let queue = try script.live(batch: 6, data)
        try read(queue) { db in
            let page = try Dashboard.recentEvents(db, limit: 10)
            #expect(page.events.map(\.position) == Array((22...31).reversed()))
            #expect(page.nextBefore == 22)
            let next = try Dashboard.recentEvents(db, limit: 100, before: 22)
            #expect(next.events.map(\.position) == Array((1...21).reversed()))
            #expect(next.nextBefore == nil)
            let unknown = try #require(page.events.first { $0.position == 30 })
            #expect(unknown.skipped == "unknown event type future.thing (version 1)")
            #expect(unknown.stream == "x")
            #expect(page.events.first?.skipped == nil)
            for event in page.events + next.events {
                let recorded = script.events[Int(event.position) - 1]
                #expect(event.data.json == EventDataJSON.render(recorded))
                #expect(event.type == recorded.type)
                #expect(event.time == LogTime.rfc3339(milliseconds: recorded.timestamp))
            }
            let deliveries = try Dashboard.recentEvents(db, limit: 100, types: ["delivery.started", "template.f"])
            #expect(deliveries.events.map(\.position) == [28, 22, 11, 6])
            #expect(try Dashboard.recentEvents(db, limit: 100, types: ["Delivery."]).events.isEmpty)
            #expect(try Dashboard.recentEvents(db, limit: 100, types: ["%"]).events.isEmpty)
            let carla = try Dashboard.recentEvents(db, limit: 100, contact: S.carla)
            #expect(carla.events.map(\.position) == [28, 27, 26, 6, 5])
            let encoded = String(decoding: try JSONEncoder().encode(carla.events[2]), as: UTF8.self)
            #expect(encoded.contains("\"text_preview\":\"=1+1 100%_done\""))
            #expect(!encoded.contains("skipped"))
        }
    }

    @Test func realtimeSeriesAndWindows() throws {
        let data = TempData()
        let queue = try S.known().live(batch: 2, data)
        let stats = try read(queue) { try Dashboard.realtime($0, now: Self.now) }
        #expect(stats.now == time(183_500))
        #expect(stats.series.count == 60)
        #expect(stats.series.last?.minute == time(180_000))
        #expect(stats.series.first?.minute == time(180_000 - 59 * 60_000))
        let last4 = stats.series.suffix(4).map {
            [$0.events, $0.clicks, $0.deliveriesCompleted, $0.deliveriesFailed, $0.messagesSent, $0.errors]
        }
        #expect(last4 == [[9, 0, 0, 0, 2, 1], [11, 1, 1, 0, 2, 1], [5, 1, 0, 1, 0, 1], [6, 1, 0, 0, 0, 1]])
        #expect(stats.series.suffix(4).map(\.latencyMsMean) == [nil, 5000, nil, nil])
        #expect(stats.series.prefix(56).allSatisfy { $0.events == 0 && $0.latencyMsMean == nil })
        #expect(stats.windows.oneMinute.eventsPerMinute == 6)
        #expect(stats.windows.oneMinute.latencyMsMean == nil)
        #expect(stats.windows.fiveMinutes.eventsPerMinute == 31.0 / 5)
        #expect(stats.windows.fiveMinutes.clicksPerMinute == 3.0 / 5)
        #expect(stats.windows.fiveMinutes.errorsPerMinute == 4.0 / 5)
        #expect(stats.windows.fiveMinutes.latencyMsMean == 5000)
        #expect(stats.windows.fifteenMinutes.eventsPerMinute == 31.0 / 15)
        let json = String(decoding: try JSONEncoder().encode(stats.windows), as: UTF8.self)
        #expect(json.contains("\"1m\"") && json.contains("\"15m\""))
    }

    @Test func theTemplateFunnel() throws {
        let data = TempData()
        var settings = ProjectionSettings()
        settings.reportingTimeZone = "Asia/Tokyo"
        let script = S.known()
        for queue in [try script.live(batch: 3, data, settings: settings), try script.fresh(data, settings: settings)] {
            let utc = try read(queue) { try Dashboard.templates($0, from: Self.day, to: Self.day, zone: "UTC") }
            #expect(utc.templates.count == 1)
            let funnel = try #require(utc.templates.first)
            #expect(funnel.template == S.template && funnel.day == Self.day)
            #expect(
                funnel.steps.map(\.step) == ["sent", "accepted", "delivered", "read", "tapped", "content_delivered"])
            #expect(funnel.steps.map(\.count) == [3, 2, 2, 1, 2, 1])
            #expect(funnel.steps.map(\.rate) == [nil, 2.0 / 3, 1, 0.5, 2, 0.5])
            // 16:00 UTC is the next day in Tokyo.
            let tokyo = try read(queue) {
                try Dashboard.templates($0, from: "2025-11-25", to: "2025-11-25", zone: "Asia/Tokyo")
            }
            #expect(tokyo.templates.map(\.day) == ["2025-11-25"])
            #expect(tokyo.templates.first?.steps.map(\.count) == [3, 2, 2, 1, 2, 1])
            #expect(
                try read(queue) { try Dashboard.templates($0, from: "2025-11-25", to: "2025-11-25", zone: "UTC") }
                    .templates.isEmpty)
        }
    }

    @Test func theProjectionsPartOfHealth() throws {
        let data = TempData()
        for queue in try databases(data) {
            let health = try read(queue) { try Dashboard.projectionsHealth($0, now: Self.now, sagaEnabled: true) }
            #expect(try read(queue) { try Dashboard.position($0) } == 31)
            #expect(health.projector.position == 31)
            #expect(Set(health.projector.projections.map(\.name)) == Set(allProjections.map(\.name)))
            #expect(
                health.projector.projections.allSatisfy { $0.checkpoint == 31 && $0.skipped == 1 && $0.applied == 30 })
            #expect(health.projector.skips.count == allProjections.count)
            #expect(health.projector.skips.allSatisfy { $0.position == 30 && $0.type == "future.thing" })
            #expect(
                health.saga
                    == SagaFigures(
                        enabled: true, inFlight: 1, oldestInFlightAgeMs: 183_500 - 181_100,
                        stepsAwaitingReconciliation: 1))
        }
    }

    @Test func csvQuotesAndDefusesFormulas() throws {
        #expect(
            CSV.line(["a", nil, "b,c", "say \"hi\"", "=1+1", "+1", "-2", "@x", "line\nbreak", "ok="])
                == "a,,\"b,c\",\"say \"\"hi\"\"\",'=1+1,'+1,'-2,'@x,\"line\nbreak\",ok=\r\n")
        #expect(CSV.cell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        let data = TempData()
        let queue = try S.known().live(batch: 1000, data)
        try read(queue) { db in
            let carla = try #require(try Dashboard.conversation(db, contact: S.carla, limit: 10))
            #expect(
                CSV.header(ConversationMessage.self)
                    == "wamid,direction,type,preview,time,status,delivered_at,read_at,error_code,error_meaning\r\n")
            let message = try #require(carla.messages.last)
            #expect(CSV.line(message) == "wamid.M1,in,text,'=1+1 100%_done,\(time(180_000)),,,,,\r\n")
            let summary = try #require(
                try Dashboard.deliveries(db, filter: DeliveryFilter(contact: S.bruno), limit: 1).deliveries.first)
            #expect(DeliverySummary.csvHeader.count == summary.csvFields.count)
            #expect(summary.csvFields[10] == "131047")
            #expect(Conversation.csvHeader.count == carla.conversation.csvFields.count)
            let event = try #require(try Dashboard.recentEvents(db, limit: 1).events.first)
            #expect(RecentEvent.csvHeader.count == event.csvFields.count)
        }
    }

    @Test func theHotAnswersWriteTheSameJSONWithoutTheEncoder() throws {
        let data = TempData()
        let queue = try S.known().live(batch: 1000, data)
        func object(_ text: String) throws -> NSDictionary {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
        }
        func same(_ answer: some Encodable & JSONMembers) throws {
            let encoded = try object(String(decoding: try JSONEncoder().encode(answer), as: UTF8.self))
            #expect(try object("{" + answer.jsonMembers + "}") == encoded)
        }
        try read(queue) { db in
            try same(try Dashboard.metrics(db, from: Self.day, to: Self.day, zone: "UTC"))
            try same(try Dashboard.metrics(db, from: "2025-11-23", to: "2025-11-25", zone: "UTC"))
            try same(try Dashboard.realtime(db, now: Self.now))
            var health = try Dashboard.projectionsHealth(db, now: Self.now, sagaEnabled: false)
            health.projector.skips[0].reason = "a \"quoted\" \\ reason\nwith\u{1} controls"
            try same(health)
        }
        var writer = JSONWriter()
        writer.string("é\u{7f}\u{0}\"")
        writer.int(-120)
        writer.int(Int64.min)
        writer.int(UInt64.max)
        writer.number(0.25)
        writer.number(3.0)
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == "\"é\u{7f}\\u0000\\\"\",-120,-9223372036854775808,18446744073709551615,0.25,3")
    }
}
