import Delivery
import Domain
import EventStore
import Testing

@Suite struct ClickDecisionTests {
    static let manifest = ContentManifest(packs: [
        ContentPack(name: "daily-{date}", payload: "unlock:{date}", items: [.text("hi")])
    ])

    static func click(
        _ wamid: String, contact: String = "15550001", context: String? = "tpl-1",
        payload: String = "unlock:2026-11-24", authorized: Bool = true, timestamp: Int64 = 1_795_500_000
    ) -> ButtonClicked {
        ButtonClicked(
            wamid: wamid, sender: Sender(waId: contact), kind: .templateQuickReply, payload: payload, text: "Unlock",
            contextId: context,
            timestamp: timestamp, authorized: authorized)
    }

    func decide(_ clicks: [ButtonClicked], settings: SagaSettings = SagaSettings(phoneNumberId: "1")) -> [(
        String, String
    )] {
        var state = SagaState()
        for (index, click) in clicks.enumerated() {
            let event = click.newEvent()
            state.apply(
                RecordedEvent(
                    position: UInt64(index + 1), timestamp: 0, type: event.type, version: 1, stream: event.stream,
                    data: event.data, attachment: []))
        }
        return ClickDecider(manifest: Self.manifest, settings: settings).decide(
            state.undecided, state: state, now: 1_795_500_000_000
        )
        .map { event in
            let reason = DeliverySkipped(
                RecordedEvent(
                    position: 1, timestamp: 0, type: event.type, version: 1, stream: "", data: event.data,
                    attachment: []))?.reason.rawValue
            return (event.type, reason ?? "")
        }
    }

    @Test func eachClickGetsOneDecisionSeeingTheOnesBeforeIt() {
        let decisions = decide([
            Self.click("c1"),
            Self.click("c1"),  // the same click again (a redelivered webhook): no second decision
            Self.click("c2"),  // another tap on the same template message
            Self.click("c3", context: "tpl-2"),  // the same pack, from another template message
            Self.click("c4", contact: "15550002", authorized: false),
            Self.click("c5", contact: "15550003", payload: "something-else"),
            Self.click("c6", contact: "15550004", timestamp: 1_795_500_000 - 25 * 3600),
            Self.click("c7", contact: "15550005", context: nil),
        ])
        #expect(
            decisions.map(\.0) == [
                "delivery.started", "delivery.skipped", "delivery.skipped", "delivery.skipped", "delivery.skipped",
                "delivery.skipped",
                "delivery.started",
            ])
        #expect(
            decisions.map(\.1) == ["", "repeated_click", "already_delivered", "unauthorized", "no_pack", "stale", ""])
    }

    @Test func aSecondDeliveryOfAPackCanBeAllowed() {
        var settings = SagaSettings(phoneNumberId: "1")
        settings.oncePerContactAndPack = false
        let decisions = decide([Self.click("c1"), Self.click("c3", context: "tpl-2")], settings: settings)
        #expect(decisions.map(\.0) == ["delivery.started", "delivery.started"])
    }

    @Test func deliveryIdsAreStableAndCallbackDataRoundTrips() {
        #expect(ClickDecider.deliveryId(forClick: "wamid.A") == ClickDecider.deliveryId(forClick: "wamid.A"))
        #expect(ClickDecider.deliveryId(forClick: "wamid.A") != ClickDecider.deliveryId(forClick: "wamid.B"))
        let data = CallbackData(deliveryId: "dlv-0123", step: 4, attempt: 2)
        #expect(CallbackData(data.text) == data)
        #expect(data.text.count <= 512)
        for text in ["", "cu1;", "cu1;d=;s=1;a=1", "cu1;d=x;s=-1;a=1", "cu1;d=x;s=1;a=0", "job=1;item=2"] {
            #expect(CallbackData(text) == nil, "\(text)")
        }
    }
}
