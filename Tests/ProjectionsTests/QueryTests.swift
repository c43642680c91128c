import Domain
import EventStore
import Foundation
import GRDB
import Projections
import Testing

@Suite struct QueryTests {
    @Test func latencyPercentilesAndCurrentRatesComeFromTheProjections() throws {
        let data = TempData()
        let queue = try ProjectionDatabase.openScratch(path: data.file("q.sqlite"))
        try queue.write { db in
            _ = try engine.prepare(db)
            var events: [RecordedEvent] = []
            var position: UInt64 = 0
            func add(_ event: NewEvent, at time: Int64) {
                position += 1
                events.append(
                    RecordedEvent(
                        position: position, timestamp: time, type: event.type, version: event.version,
                        stream: event.stream, data: event.data, attachment: []))
            }
            let base: Int64 = 1_764_000_000_000  // 2025-11-24T16:00:00Z
            // Ten deliveries whose clicks came 100, 200, ... 1000 ms before completion.
            for index in 1...10 {
                let sender = Sender(waId: "55\(index)")
                let click = base + Int64(index) * 10_000
                add(
                    ButtonClicked(
                        wamid: "c\(index)", sender: sender, kind: .templateQuickReply, payload: "unlock:x", text: nil,
                        contextId: nil, timestamp: 0
                    ).newEvent(), at: click)
                add(
                    DeliveryStarted(
                        deliveryId: "d\(index)", contact: "55\(index)", pack: "unlock:x", steps: 1,
                        clickWamid: "c\(index)"
                    ).newEvent(), at: click + 1)
                add(DeliveryCompleted(deliveryId: "d\(index)").newEvent(), at: click + Int64(index) * 100)
            }
            try engine.apply(events, db)
            let latency = try #require(try ProjectionQueries.latency(db, day: "2025-11-24"))
            #expect(latency.count == 10)
            #expect(latency.p50 == 500)
            #expect(latency.p95 == 1000)
            #expect(try ProjectionQueries.latency(db, day: "2025-11-24", dimension: "unlock:x")?.count == 10)
            #expect(try ProjectionQueries.latency(db, day: "2025-11-25") == nil)

            let rates = try ProjectionQueries.currentRates(db, now: base + 110_000, minutes: 5)
            #expect(rates.eventsPerMinute == 30.0 / 5)
            #expect(rates.clicksPerMinute == 10.0 / 5)
            #expect(rates.deliveriesCompletedPerMinute == 10.0 / 5)
            #expect(rates.averageLatencyMilliseconds == 550)
            #expect(try ProjectionQueries.currentRates(db, now: base + 3_600_000).eventsPerMinute == 0)
        }
    }
}
