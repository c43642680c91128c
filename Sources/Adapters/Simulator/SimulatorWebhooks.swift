import AsyncHTTPClient
import EventStore
import Foundation
import Logging
import NIOCore

/// Builds the webhooks Meta would send about the simulator's messages and posts them, signed,
/// to the service, retrying (as Meta does) until they are acknowledged with 200.
struct SimulatorWebhooks: Sendable {
    let configuration: SimulatorConfiguration
    let http: HTTPClient
    let logger: Logger
    /// Delays and retries wait on this clock.
    let clock: any Clock<Duration>
    /// Stamps the statuses.
    let wall: WallClock
    /// Give up on a webhook after this long (Meta keeps trying for 7 days).
    var retryForMs: Int64 = 600_000

    private func business(_ phoneNumberId: String) -> MetaWebhooks.Business {
        MetaWebhooks.Business(
            wabaId: configuration.wabaId, displayPhoneNumber: configuration.displayPhoneNumber,
            phoneNumberId: phoneNumberId)
    }

    func status(_ message: SimulatedMessage, _ status: String, errorCode: Int? = nil) -> [UInt8] {
        var item: [String: Any] = [
            "id": message.wamid, "status": status, "timestamp": String(wall.now() / 1000),
            "recipient_id": message.to,
        ]
        if let callback = message.bizOpaqueCallbackData { item["biz_opaque_callback_data"] = callback }
        if status == "sent" {
            item["pricing"] = [
                "billable": false, "pricing_model": "PMP", "type": "free_customer_service", "category": "service",
            ]
        }
        if let errorCode {
            let text = errorCode == 131047 ? "Re-engagement message" : "Message failed"
            item["errors"] = [
                [
                    "code": errorCode, "title": text, "message": text,
                    "error_data": [
                        "details": errorCode == 131047
                            ? "Message failed to send because more than 24 hours have passed since the customer "
                                + "last replied to this number."
                            : "Simulated failure"
                    ],
                    "href": "/documentation/business-messaging/whatsapp/support/error-codes",
                ]
            ]
        }
        return MetaWebhooks.envelope(business(message.phoneNumberId), value: ["statuses": [item]])
    }

    func tap(on template: SimulatedMessage, clickWamid: String) -> [UInt8] {
        MetaWebhooks.buttonTap(
            business(template.phoneNumberId), wamid: clickWamid, from: template.to, context: template.wamid,
            payload: template.content ?? "", profileName: "Advisor \(template.to.suffix(4))",
            timestamp: wall.now() / 1000)
    }

    /// Posts `body` after `delayMs`, retrying with backoff until a 200 or `retryForMs` passes.
    func post(_ body: [UInt8], afterMs delayMs: Int64) {
        guard let url = configuration.webhookURL else { return }
        let signature = WebhookSignature(appSecret: configuration.appSecret).header(for: body)
        let clock = self.clock
        // Not owned by a task group: Meta posts after the send's answer, whoever asked. Each post
        // ends once acknowledged or after `retryForMs`.
        Task {
            if delayMs > 0 { try? await clock.sleep(for: .milliseconds(delayMs)) }
            let start = wall.now()
            var pause: Int64 = 50
            while wall.now() - start < retryForMs {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "X-Hub-Signature-256", value: signature)
                request.body = .bytes(ByteBuffer(bytes: body))
                if let response = try? await http.execute(request, timeout: .seconds(10)) {
                    _ = try? await response.body.collect(upTo: 1 << 16)
                    if response.status.code == 200 { return }
                }
                try? await clock.sleep(for: .milliseconds(pause))
                pause = min(pause * 2, 2000)
            }
            logger.warning("simulator: gave up posting a webhook to \(url) after \(retryForMs / 1000) s")
        }
    }
}
