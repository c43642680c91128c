import Delivery
import Domain
import EventStore
import Testing

/// What the saga remembers is bounded by its window, deciding a backlog is linear, poison values
/// never trap the decider, and only configured numbers send.
@Suite struct SagaBoundsTests {
    static let day: Int64 = 24 * 3600_000
    static let start: Int64 = 1_795_000_000_000

    static func event(_ new: NewEvent, _ position: Int, at time: Int64) -> RecordedEvent {
        RecordedEvent(
            position: UInt64(position), timestamp: time, type: new.type, version: 1, stream: new.stream, data: new.data,
            attachment: [])
    }

    static func click(
        _ wamid: String, contact: String, context: String?, seconds: Int64, number: String? = nil
    ) -> ButtonClicked {
        ButtonClicked(
            wamid: wamid, sender: Sender(waId: contact, phoneNumberId: number), kind: .templateQuickReply,
            payload: "unlock:2026-11-24", text: "Unlock", contextId: context, timestamp: seconds)
    }

    /// A month of clicks, each decided (a delivery started and completed): what the fold remembers
    /// stays about one window's worth, not the month's.
    @Test func rememberedClicksContextsAndPacksFollowTheWindow() {
        var state = SagaState(memoryWindowMilliseconds: 2 * Self.day)
        var position = 0
        var peak = 0
        for day in 0..<30 {
            for index in 0..<200 {
                let time = Self.start + Int64(day) * Self.day + Int64(index) * 1000
                let id = "c\(day)-\(index)"
                position += 1
                state.apply(
                    Self.event(
                        Self.click(id, contact: "1555\(index)", context: "tpl-\(id)", seconds: time / 1000).newEvent(),
                        position, at: time))
                let started = DeliveryStarted(
                    deliveryId: ClickDecider.deliveryId(forClick: id), contact: "1555\(index)", pack: "p\(day)",
                    steps: 1,
                    clickWamid: id, items: [.text("x")], phoneNumberId: nil, contextId: "tpl-\(id)")
                position += 1
                state.apply(Self.event(started.newEvent(), position, at: time))
                position += 1
                state.apply(
                    Self.event(DeliveryCompleted(deliveryId: started.deliveryId).newEvent(), position, at: time))
            }
            peak = max(peak, state.rememberedCount)
        }
        #expect(state.undecidedCount == 0)
        #expect(state.deliveries.isEmpty)
        // Three sets of at most ~3 days of 200 entries each (the window, plus the day in progress).
        #expect(peak <= 3 * 3 * 200, "remembered \(peak)")
        #expect(state.rememberedCount >= 3 * 2 * 200 - 3, "the window's own entries are kept")
    }

    /// 20,000 clicks arrive before any decision (a backlog after downtime), then are decided a
    /// thousand at a time, as the saga does while its previous decisions are being recorded.
    @Test func aBacklogIsDecidedOnceEachInLogOrder() {
        var state = SagaState()
        let decider = ClickDecider(
            manifest: ContentManifest(packs: [
                ContentPack(name: "daily-{date}", payload: "unlock:{date}", items: [.text("hi")])
            ]),
            settings: SagaSettings(phoneNumberId: "1"))
        let count = 20_000
        for index in 0..<count {
            let click = Self.click(
                "b\(index)", contact: "1666\(index)", context: "tpl-\(index)", seconds: Self.start / 1000)
            state.apply(Self.event(click.newEvent(), index + 1, at: Self.start))
        }
        var position = count
        var decided: [String] = []
        while state.undecidedCount > 0 {
            let events = decider.decide(Array(state.undecided.prefix(1000)), state: state, now: Self.start + 1000)
            #expect(!events.isEmpty)
            for new in events {
                position += 1
                let recorded = Self.event(new, position, at: Self.start + 1000)
                if let started = DeliveryStarted(recorded) { decided.append(started.clickWamid) }
                if let skipped = DeliverySkipped(recorded) { decided.append(skipped.clickWamid) }
                state.apply(recorded)
            }
        }
        #expect(decided == (0..<count).map { "b\($0)" })
        #expect(state.undecided.isEmpty)
    }

    @Test func poisonTimesNeverTrapTheDecider() {
        var state = SagaState()
        let poison = [Int64.max, .min, 99_999_999_999_999_999, -1, 0]
        for (index, seconds) in poison.enumerated() {
            state.apply(
                Self.event(
                    Self.click("p\(index)", contact: "1777\(index)", context: nil, seconds: seconds).newEvent(),
                    index + 1, at: Self.start))
        }
        let decider = ClickDecider(
            manifest: ContentManifest(packs: [
                ContentPack(name: "daily-{date}", payload: "unlock:{date}", items: [.text("hi")])
            ]),
            settings: SagaSettings(phoneNumberId: "1"))
        let events = decider.decide(state.undecided, state: state, now: Self.start)
        // An unknown tap time is not called stale: each contact gets its pack.
        #expect(events.map(\.type) == Array(repeating: "delivery.started", count: poison.count))
    }

    @Test func onlyConfiguredNumbersSend() {
        var state = SagaState()
        let clicks = [
            Self.click("n1", contact: "1888001", context: nil, seconds: Self.start / 1000, number: "106540352242922"),
            Self.click("n2", contact: "1888002", context: nil, seconds: Self.start / 1000, number: "999"),
            Self.click("n3", contact: "1888003", context: nil, seconds: Self.start / 1000),
            Self.click("n4", contact: "1888004", context: nil, seconds: Self.start / 1000, number: "2"),
        ]
        for (index, click) in clicks.enumerated() {
            state.apply(Self.event(click.newEvent(), index + 1, at: Self.start))
        }
        let decider = ClickDecider(
            manifest: ContentManifest(packs: [
                ContentPack(name: "daily-{date}", payload: "unlock:{date}", items: [.text("hi")])
            ]),
            settings: SagaSettings(phoneNumberId: "106540352242922", phoneNumberIds: ["2"]))
        let events = decider.decide(state.undecided, state: state, now: Self.start)
        let outcomes = events.map { new -> String in
            DeliverySkipped(Self.event(new, 1, at: Self.start))?.reason.rawValue ?? new.type
        }
        #expect(outcomes == ["delivery.started", "unknown_number", "delivery.started", "delivery.started"])
        let skipped = events.compactMap { DeliverySkipped(Self.event($0, 1, at: Self.start)) }
        #expect(skipped.first?.detail.contains("999") == true)
    }

    @Test func eventsTheFoldCannotUseAreCountedWithTheirReason() {
        var state = SagaState()
        state.apply(
            RecordedEvent(
                position: 7, timestamp: Self.start, type: "button.clicked", version: 1, stream: "x",
                data: Array("[]".utf8),
                attachment: []))
        let click = Self.click("t1", contact: "1999", context: nil, seconds: Self.start / 1000)
        state.apply(Self.event(click.newEvent(), 8, at: .max))
        #expect(state.skipCount == 2)
        #expect(state.skips.map(\.position) == [7, 8])
        #expect(state.skips[0].reason.contains("does not decode"))
        #expect(state.skips[1].reason.contains("not a plausible time"))
        #expect(state.undecidedCount == 0)
    }
}
