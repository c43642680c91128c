import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /api/templates/send`: the daily template send through the running service (which holds
/// the log), so that it needs no stop; `send-template --server` calls it. Behind the dashboard
/// token even when the read routes are open.
enum TemplateSendRoute {
    static func route(templates: TemplateSender?) -> DashboardRoute {
        DashboardRoute(.post, "/api/templates/send") { request, _ in
            guard let templates else {
                throw DashboardError.unavailable(
                    "delivery is disabled: set WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: DashboardFrame.maxBodyBytes)
            } catch {
                throw DashboardError.payloadTooLarge(limit: DashboardFrame.maxBodyBytes)
            }
            let parsed: TemplateRequest
            do {
                parsed = try JSONDecoder().decode(TemplateRequest.self, from: Data(buffer: body)).validated()
            } catch let invalid as TemplateRequest.Invalid {
                throw DashboardError(.badRequest, code: "bad_parameter", invalid.description)
            } catch {
                throw DashboardError(
                    .badRequest, code: "bad_parameter",
                    #"expected JSON {"recipients": [...], "template"?, "language"?, "payload"?, "day"?, "force"?}"#)
            }
            let summary: TemplateSender.Summary
            do {
                summary = try await templates.send(parsed)
            } catch {
                throw DashboardError.unavailable("the log cannot take the sends now; try again", retryAfterSeconds: 5)
            }
            return JSONAnswer.response(ByteBuffer(bytes: try JSONAnswer.encode(summary)), headers: [:])
        }
    }
}
