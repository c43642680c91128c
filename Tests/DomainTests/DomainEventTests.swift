import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import Testing

@Suite struct DomainEventTests {
    static let sender = Sender(
        waId: "16505551234", userId: "US.1349", profileName: "Ana", phoneNumberId: "106540352242922")
    static let error = MetaError(
        code: 131047, title: "Re-engagement message", message: "more than 24 hours", details: "d")

    /// Appends `value`, reads it back and decodes it as its own type.
    private func roundTrip<T: DomainEvent>(_ value: T, attachment: [UInt8] = []) async throws {
        let dir = TempDataDirectory()
        let log = try EventLog.open(directory: dir.logPath)
        try await log.append(value.newEvent(attachment: attachment))
        await log.close()
        let reader = try LogReader.open(directory: dir.logPath)
        var iterator = reader.events().makeAsyncIterator()
        let event = try #require(try iterator.nextEvent())
        #expect(event.type == T.type.rawValue)
        #expect(event.stream == value.stream)
        #expect(event.attachment == attachment)
        #expect(T(event) == value)
    }

    @Test func everyCatalogueTypeRoundTrips() async throws {
        try await roundTrip(
            WebhookReceived(
                receivedAt: 5, remoteAddress: "10.0.0.1", signature: .valid, parse: .unparsed, bodyBytes: 3,
                duplicates: 1),
            attachment: [1, 2, 3])
        try await roundTrip(
            MessageReceived(wamid: "w1", sender: Self.sender, messageType: "image", timestamp: 9, textPreview: nil))
        try await roundTrip(
            ButtonClicked(
                wamid: "w2", sender: Self.sender, kind: .interactiveListReply, payload: "row", text: nil,
                contextId: nil,
                timestamp: 1, authorized: false))
        try await roundTrip(
            StatusUpdated(
                wamid: "w3", status: "failed", timestamp: 2, recipientId: "1", errors: [Self.error],
                bizOpaqueCallbackData: "job=1;item=2"))
        try await roundTrip(WebhookError(error: Self.error, phoneNumberId: nil))
        try await roundTrip(
            TemplateSendRequested(
                recipient: "1", template: "daily_content_ready_v1", language: "pt_BR",
                buttonPayload: "unlock:2026-11-24", day: "2026-11-24"))
        try await roundTrip(
            TemplateSent(recipient: "1", template: "daily_content_ready_v1", wamid: "w4", day: "2026-11-24"))
        try await roundTrip(TemplateFailed(recipient: "1", template: "t", error: Self.error, day: "2026-11-24"))
        try await roundTrip(DeliveryStarted(deliveryId: "d", contact: "1", pack: "p", steps: 6, clickWamid: "w2"))
        try await roundTrip(DeliveryAttemptStarted(deliveryId: "d", step: 2, attempt: 3, callbackData: "d:2"))
        try await roundTrip(DeliveryStepSent(deliveryId: "d", step: 2, wamid: "w5"))
        try await roundTrip(
            DeliveryStepFailed(deliveryId: "d", step: 2, error: Self.error, retryable: true, nextAttemptAt: 77))
        try await roundTrip(DeliveryCompleted(deliveryId: "d"))
        try await roundTrip(DeliveryFailed(deliveryId: "d", reason: "the 24-hour window is closed", error: Self.error))
        try await roundTrip(
            DeliveryStarted(
                deliveryId: "d", contact: "1", pack: "p", steps: 2, clickWamid: "w2",
                items: [.image(.link("https://x/1.jpg"), caption: "c"), .image(.mediaId("9"), caption: nil)],
                phoneNumberId: "5",
                contextId: "t"))
        try await roundTrip(DeliveryStepSent(deliveryId: "d", step: 2, wamid: "w5", reconciled: true))
        try await roundTrip(
            DeliveryStepFailed(
                deliveryId: "d", step: 2, error: Self.error, retryable: true, nextAttemptAt: 77, outcomeUnknown: true,
                fromStatus: true))
        try await roundTrip(DeliveryCompleted(deliveryId: "d", unconfirmedSteps: 2))
        try await roundTrip(
            DeliverySkipped(clickWamid: "w", contact: "1", payload: "p", reason: .repeatedClick, detail: "again"))
    }

    @Test func theCatalogueNamesAreStable() {
        #expect(
            EventType.allCases.map(\.rawValue) == [
                "webhook.received", "message.received", "button.clicked", "status.updated", "webhook.error",
                "template.send_requested", "template.sent", "template.failed", "delivery.started",
                "delivery.attempt_started", "delivery.step_sent", "delivery.step_failed", "delivery.completed",
                "delivery.failed", "delivery.skipped", "alert.raised", "alert.resolved",
            ])
    }

    @Test func aPayloadOfAnotherTypeDoesNotDecode() {
        let event = RecordedEvent(
            position: 1, timestamp: 0, type: "delivery.completed", version: 1, stream: "d",
            data: Array("{\"delivery_id\":\"d\"}".utf8),
            attachment: [])
        #expect(DeliveryCompleted(event) == DeliveryCompleted(deliveryId: "d"))
        #expect(DeliveryFailed(event) == nil)
    }

    @Test func sampleTrafficIsVariedAndRepeatable() {
        var first = SampleTraffic(seed: 7)
        var second = SampleTraffic(seed: 7)
        let a = (0..<200).map { _ in first.next(receivedAt: 1_000) }
        let b = (0..<200).map { _ in second.next(receivedAt: 1_000) }
        #expect(a.map(\.body) == b.map(\.body))
        #expect(Set(a.map(\.body)).count == 200)
        let kinds = Set(a.flatMap { $0.events.dropFirst().map(\.type) })
        #expect(kinds == ["button.clicked", "message.received", "status.updated"])
        for webhook in a {
            #expect(webhook.events[0].type == "webhook.received" && webhook.events[0].attachment == webhook.body)
            #expect((try? JSONSerialization.jsonObject(with: Data(webhook.body))) != nil)
        }
    }
}
