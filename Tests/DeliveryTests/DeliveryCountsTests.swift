import Delivery
import Domain
import EventStore
import Testing

/// The fold counts deliveries started, completed and failed, and those in flight; a second end of
/// one delivery is not counted twice.
@Suite struct DeliveryCountsTests {
    static let start: Int64 = 1_795_000_000_000

    @Test func startsAndEndsAreCountedOnceEach() {
        var state = SagaState()
        var position: UInt64 = 0
        func apply(_ new: NewEvent) {
            position += 1
            state.apply(
                RecordedEvent(
                    position: position, timestamp: Self.start, type: new.type, version: 1, stream: new.stream,
                    data: new.data, attachment: []))
        }
        for index in 0..<3 {
            apply(
                DeliveryStarted(
                    deliveryId: "d\(index)", contact: "1555000\(index)", pack: "p", steps: 1, clickWamid: "c\(index)",
                    items: [.text("x")], phoneNumberId: nil, contextId: nil
                ).newEvent())
        }
        #expect(state.counts == DeliveryCounts(started: 3, inFlight: 3))
        apply(DeliveryCompleted(deliveryId: "d0").newEvent())
        apply(DeliveryFailed(deliveryId: "d1", reason: "permanent").newEvent())
        apply(DeliveryCompleted(deliveryId: "d0").newEvent())
        apply(DeliveryFailed(deliveryId: "unknown", reason: "never started").newEvent())
        #expect(state.counts == DeliveryCounts(started: 3, completed: 1, failed: 1, inFlight: 1))
    }
}
